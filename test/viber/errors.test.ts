/** Viber status names and the typed errors: what a caller sees when Viber or a limit says no. */
import { describe, expect, it } from "vitest";
import {
	BILLING_STATUS,
	billingStatusName,
	NotSubscribedError,
	statusName,
	VIBER_STATUS,
	ViberApiError,
	ViberLimitError,
} from "../../src/viber/errors";

// Written out again on purpose (viber-api.md §6.1), so a typo in the table fails here.
const EXPECTED_NAMES = [
	"ok",
	"invalidUrl",
	"invalidAuthToken",
	"badData",
	"missingData",
	"receiverNotRegistered",
	"receiverNotSubscribed",
	"publicAccountBlocked",
	"publicAccountNotFound",
	"publicAccountSuspended",
	"webhookNotSet",
	"receiverNoSuitableDevice",
	"tooManyRequests",
	"apiVersionNotSupported",
	"incompatibleWithVersion",
	"publicAccountNotAuthorized",
	"inchatReplyMessageNotAllowed",
	"publicAccountIsNotInline",
	"noPublicChat",
	"cannotSendBroadcast",
	"broadcastNotAllowed",
	"unsupportedCountry",
	"paymentUnsupported",
	"freeMessagesExceeded",
	"noBalance",
];

describe("statusName", () => {
	it.each(EXPECTED_NAMES.map((name, code) => [code, name]))("names status %i %s", (code, name) => {
		expect(statusName(code as number)).toBe(name);
	});

	it("lists exactly the codes 0 to 24", () => {
		expect(Object.keys(VIBER_STATUS).map(Number)).toEqual(EXPECTED_NAMES.map((_, code) => code));
	});

	it.each([25, -1, 999, 1.5, Number.NaN])("returns generalError when the code is %s", (code) => {
		expect(statusName(code)).toBe("generalError");
	});
});

describe("billingStatusName", () => {
	it("names every billing status 0 to 5", () => {
		expect([0, 1, 2, 3, 4, 5].map(billingStatusName)).toEqual([
			"free",
			"inSessionNonBillableBot",
			"inSessionForBillableBot",
			"outOfSessionFreeMessageNonBillableBot",
			"outOfSessionFreeMessageForBillableBot",
			"outOfSessionBilledMessage",
		]);
		expect(Object.keys(BILLING_STATUS)).toHaveLength(6);
	});

	it("returns unknown when the value is not documented", () => {
		expect(billingStatusName(6)).toBe("unknown");
	});
});

describe("ViberApiError", () => {
	it("carries the status, its name, Viber's message and the billing status", () => {
		const error = new ViberApiError("send_message", 6, "notSubscribed", { billingStatus: 2 });
		expect(error).toBeInstanceOf(Error);
		expect(error).toMatchObject({
			name: "ViberApiError",
			endpoint: "send_message",
			status: 6,
			statusName: "receiverNotSubscribed",
			statusMessage: "notSubscribed",
			billingStatus: 2,
		});
		expect(error.message).toBe(
			"send_message failed: status 6 receiverNotSubscribed (notSubscribed)",
		);
	});

	it("names an undocumented status generalError and has no billing status when none was sent", () => {
		const error = new ViberApiError("broadcast_message", 77, "Something odd");
		expect(error.statusName).toBe("generalError");
		expect(error.billingStatus).toBeUndefined();
		expect(error.message).toBe("broadcast_message failed: status 77 generalError (Something odd)");
	});
});

describe("ViberLimitError", () => {
	it("puts the field and the limit in the message, then the detail", () => {
		const plain = new ViberLimitError("text", "at most 7000 characters");
		expect(plain).toMatchObject({
			name: "ViberLimitError",
			field: "text",
			limit: "at most 7000 characters",
		});
		expect(plain.message).toBe("text: at most 7000 characters");
		const detailed = new ViberLimitError("request", "at most 30 KB", "This one is 40000 bytes");
		expect(detailed.message).toBe("request: at most 30 KB. This one is 40000 bytes");
	});
});

describe("NotSubscribedError", () => {
	it("names the user and says that no API call was made", () => {
		const error = new NotSubscribedError("3SQNc4FPUQmysaM/AQEhXg==");
		expect(error).toBeInstanceOf(Error);
		expect(error.name).toBe("NotSubscribedError");
		expect(error.userId).toBe("3SQNc4FPUQmysaM/AQEhXg==");
		expect(error.message).toContain("3SQNc4FPUQmysaM/AQEhXg==");
		expect(error.message).toMatch(/unsubscribed/);
		expect(error.message).toMatch(/no API call was made/);
	});
});

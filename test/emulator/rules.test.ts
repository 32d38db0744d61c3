/** The emulator's Viber rules: which requests they refuse, with which status and which field named. */
import { describe, expect, it } from "vitest";
import {
	CALLBACK_TIMEOUT_MS,
	postCallback,
	SLOW_ANSWER_MS,
	TIMED_OUT,
	webhookCheckFailure,
} from "../../emulator/src/callbacks";
import {
	BroadcastPacer,
	checkIdList,
	checkMessageBody,
	checkReceiverApiVersion,
	checkRequestBytes,
	UnrepliedCounter,
	UserDetailsCap,
} from "../../emulator/src/rules";

type Body = Record<string, unknown>;

function button(overrides: Body = {}): Body {
	return { ActionType: "reply", ActionBody: "yes", Text: "Yes", ...overrides };
}
function keyboard(overrides: Body = {}): Body {
	return { Type: "keyboard", Buttons: [button()], ...overrides };
}
/** A `send_message` body Viber accepts, with `overrides` on top. */
function send(overrides: Body = {}): Body {
	return { receiver: "u1==", sender: { name: "Bot" }, type: "text", text: "Hi", ...overrides };
}
function richMedia(overrides: Body = {}): Body {
	const rich_media = { Type: "rich_media", Buttons: [button()] };
	return without(send({ type: "rich_media", rich_media, ...overrides }), "text");
}
function without(body: Body, key: string): Body {
	const { [key]: _, ...rest } = body;
	return rest;
}

const HOUR = 60 * 60 * 1000;
const T0 = Date.UTC(2026, 0, 1);

describe("checkMessageBody", () => {
	it("accepts a text message, a keyboard-only message and a carousel at level 2", () => {
		expect(checkMessageBody(send(), "receiver")).toBeUndefined();
		const keyboardOnly = without(without(send({ keyboard: keyboard() }), "type"), "text");
		expect(checkMessageBody(keyboardOnly, "receiver")).toBeUndefined();
		expect(checkMessageBody(richMedia({ min_api_version: 2 }), "receiver")).toBeUndefined();
	});

	it("strips broadcast_list and a legacy auth_token instead of calling them unknown", () => {
		const body = without(send({ broadcast_list: ["a", "b"], auth_token: "t" }), "receiver");
		expect(checkMessageBody(body, "broadcast_list")).toBeUndefined();
		// The other address key is not stripped: a receiver on a broadcast is an unknown field.
		expect(checkMessageBody(send(), "broadcast_list")).toEqual({
			status: 3,
			message: "badData: receiver: unknown field. Viber does not know this key",
		});
	});

	it("answers 4 missingData: sender when the sender is missing", () => {
		expect(checkMessageBody(without(send(), "sender"), "receiver")).toEqual({
			status: 4,
			message: "missingData: sender",
		});
	});

	it("answers 4 missingData: type when a message has neither type nor keyboard", () => {
		expect(checkMessageBody(without(send(), "type"), "receiver")).toEqual({
			status: 4,
			message: "missingData: type",
		});
	});

	it("answers 3 naming the field when a limit is broken", () => {
		expect(checkMessageBody(send({ text: "a".repeat(7001) }), "receiver")).toEqual({
			status: 3,
			message: "badData: text: at most 7000 characters",
		});
		const longName = send({ sender: { name: "n".repeat(29) } });
		expect(checkMessageBody(longName, "receiver")?.message).toBe(
			"badData: sender.name: at most 28 characters",
		);
		const tracking = send({ tracking_data: "t".repeat(4001) });
		expect(checkMessageBody(tracking, "receiver")?.message).toBe(
			"badData: tracking_data: at most 4000 characters",
		);
	});

	it("answers 3 with the button's path when a button has no ActionBody", () => {
		const buttons = [button(), without(button(), "ActionBody")];
		expect(
			checkMessageBody(send({ keyboard: keyboard({ Buttons: buttons }) }), "receiver"),
		).toEqual({ status: 3, message: "badData: keyboard.Buttons[1].ActionBody: required" });
	});

	it("answers 3 when a keyboard has no Type or another Type", () => {
		const untyped = send({ keyboard: without(keyboard(), "Type") });
		expect(checkMessageBody(untyped, "receiver")).toEqual({
			status: 3,
			message: "badData: keyboard.Type: required",
		});
		const wrong = send({ keyboard: keyboard({ Type: "rich_media" }) });
		expect(checkMessageBody(wrong, "receiver")).toEqual({
			status: 3,
			message: 'badData: keyboard.Type: must be "keyboard"',
		});
	});

	it("answers 3 for an unknown type and for a camelCase key, suggesting the snake_case one", () => {
		expect(checkMessageBody(send({ type: "gif" }), "receiver")?.message).toMatch(
			/^badData: type: must be one of "text", /,
		);
		const camel = checkMessageBody(send({ trackingData: "x" }), "receiver");
		expect(camel?.status).toBe(3);
		expect(camel?.message).toContain(
			'trackingData: unknown field. Viber does not know this key; did you mean "tracking_data"?',
		);
	});

	it("answers 3 for rules that span fields, such as a blank button", () => {
		const blank = without(button(), "Text");
		expect(
			checkMessageBody(send({ keyboard: keyboard({ Buttons: [blank] }) }), "receiver"),
		).toEqual({
			status: 3,
			message:
				"badData: keyboard.Buttons[0]: one of Text, BgMedia, Image or BgColor. Viber rejects a blank button",
		});
	});

	it("answers 14 naming the feature when min_api_version is below what it needs", () => {
		const sharePhone = keyboard({ Buttons: [button({ ActionType: "share-phone" })] });
		expect(
			checkMessageBody(send({ keyboard: sharePhone, min_api_version: 2 }), "receiver"),
		).toEqual({
			status: 14,
			message:
				"incompatibleWithVersion: min_api_version is 2, but share-phone button needs min_api_version 3",
		});
		const minimized = send({ keyboard: keyboard({ InputFieldState: "minimized" }) });
		expect(checkMessageBody(minimized, "receiver")).toEqual({
			status: 14,
			message:
				"incompatibleWithVersion: min_api_version is 1 (the default), but InputFieldState needs min_api_version 4",
		});
	});

	it("answers 14 for a carousel without min_api_version and accepts a higher level than needed", () => {
		expect(checkMessageBody(richMedia(), "receiver")?.message).toBe(
			"incompatibleWithVersion: min_api_version is 1 (the default), but rich_media needs min_api_version 2",
		);
		expect(checkMessageBody(send({ min_api_version: 7 }), "receiver")).toBeUndefined();
	});

	it("answers 3, not 14, for a min_api_version that is not a positive integer", () => {
		expect(checkMessageBody(send({ min_api_version: 0 }), "receiver")).toEqual({
			status: 3,
			message: "badData: min_api_version: at least 1",
		});
	});
});

describe("checkReceiverApiVersion", () => {
	it("answers 13 when the receiver's api_version is below the message's min_api_version", () => {
		expect(checkReceiverApiVersion({ min_api_version: 3 }, 2)).toEqual({
			status: 13,
			message:
				"apiVersionNotSupported: the receiver's api_version is 2, the message needs min_api_version 3",
		});
	});

	it("accepts an equal or higher api_version, the default level 1 and an unknown receiver", () => {
		expect(checkReceiverApiVersion({ min_api_version: 3 }, 3)).toBeUndefined();
		expect(checkReceiverApiVersion({ min_api_version: 3 }, 8)).toBeUndefined();
		expect(checkReceiverApiVersion({}, 1)).toBeUndefined();
		expect(checkReceiverApiVersion({ min_api_version: 10 }, undefined)).toBeUndefined();
	});

	it("tells 13 (old receiver) from 14 (level too low for the features)", () => {
		const sharePhone = keyboard({ Buttons: [button({ ActionType: "share-phone" })] });
		const declaredRight = send({ keyboard: sharePhone, min_api_version: 3 });
		expect(checkMessageBody(declaredRight, "receiver")).toBeUndefined();
		expect(checkReceiverApiVersion(declaredRight, 2)?.status).toBe(13);
		const declaredLow = send({ keyboard: sharePhone, min_api_version: 2 });
		expect(checkMessageBody(declaredLow, "receiver")?.status).toBe(14);
		expect(checkReceiverApiVersion(declaredLow, 2)).toBeUndefined();
	});
});

describe("checkRequestBytes", () => {
	it("accepts exactly 30720 bytes and refuses 30721 with status 3", () => {
		expect(checkRequestBytes("a".repeat(30720))).toBeUndefined();
		const refusal = checkRequestBytes("a".repeat(30721));
		expect(refusal?.status).toBe(3);
		expect(refusal?.message).toMatch(/^badData: request: at most 30 KB \(30720 bytes\)/);
		expect(refusal?.message).toContain("30721 bytes");
	});

	it("counts UTF-8 bytes, not characters", () => {
		// "я" is 2 bytes: 15361 of them are 30722 bytes though only 15361 characters.
		expect(checkRequestBytes("я".repeat(15360))).toBeUndefined();
		expect(checkRequestBytes("я".repeat(15361))?.status).toBe(3);
	});
});

describe("checkIdList", () => {
	it("accepts 1 to max user ids", () => {
		expect(checkIdList(["a"], "ids", 100)).toBeUndefined();
		expect(
			checkIdList(
				Array.from({ length: 300 }, (_, i) => `u${i}`),
				"broadcast_list",
				300,
			),
		).toBeUndefined();
	});

	it("refuses one id over the cap, naming the key and the cap", () => {
		const ids = Array.from({ length: 101 }, (_, i) => `u${i}`);
		expect(checkIdList(ids, "ids", 100)).toEqual({
			status: 3,
			message: "badData: ids: at most 100 user ids per request, got 101",
		});
		const list = Array.from({ length: 301 }, (_, i) => `u${i}`);
		expect(checkIdList(list, "broadcast_list", 300)?.message).toBe(
			"badData: broadcast_list: at most 300 user ids per request, got 301",
		);
	});

	it("refuses a non-array, an empty list and a non-string id with 3", () => {
		expect(checkIdList("u1", "ids", 100)).toEqual({
			status: 3,
			message: "badData: ids: must be a list of user ids",
		});
		expect(checkIdList([], "broadcast_list", 300)).toEqual({
			status: 3,
			message: "badData: broadcast_list: at least 1 user id",
		});
		expect(checkIdList(["a", 7], "broadcast_list", 300)).toEqual({
			status: 3,
			message: "badData: broadcast_list[1]: must be a user id string",
		});
	});

	it("answers 4 missingData when the list is absent", () => {
		expect(checkIdList(undefined, "ids", 100)).toEqual({ status: 4, message: "missingData: ids" });
	});
});

describe("UnrepliedCounter", () => {
	/** Sends `n` messages to `user`, one a second from `start`; each must be accepted. */
	function sendMany(counter: UnrepliedCounter, user: string, n: number, start = T0): void {
		for (let i = 0; i < n; i++) {
			expect(counter.check("tok", user, start + i * 1000)).toBeUndefined();
			counter.sent("tok", user, start + i * 1000);
		}
	}

	it("accepts 100 unreplied messages and refuses the 101st with 12", () => {
		const counter = new UnrepliedCounter();
		sendMany(counter, "u1", 100);
		const refusal = counter.check("tok", "u1", T0 + 100_000);
		expect(refusal?.status).toBe(12);
		expect(refusal?.message).toMatch(
			/^tooManyRequests: 100 messages to this user in the last hour without a reply/,
		);
	});

	it("counts each user and each bot token apart", () => {
		const counter = new UnrepliedCounter();
		sendMany(counter, "u1", 100);
		expect(counter.check("tok", "u2", T0 + 100_000)).toBeUndefined();
		expect(counter.check("other-token", "u1", T0 + 100_000)).toBeUndefined();
	});

	it("starts over when the user replies", () => {
		const counter = new UnrepliedCounter();
		sendMany(counter, "u1", 100);
		counter.replied("tok", "u1");
		expect(counter.check("tok", "u1", T0 + 100_000)).toBeUndefined();
		sendMany(counter, "u1", 100, T0 + 100_000);
		expect(counter.check("tok", "u1", T0 + 200_000)?.status).toBe(12);
	});

	it("slides the hour: each send frees one place an hour after it was made", () => {
		const counter = new UnrepliedCounter();
		sendMany(counter, "u1", 100); // at T0, T0+1s, ..., T0+99s
		expect(counter.check("tok", "u1", T0 + HOUR - 1)?.message).toContain("allowed in 1 s");
		expect(counter.check("tok", "u1", T0 + HOUR)).toBeUndefined();
		counter.sent("tok", "u1", T0 + HOUR);
		// The send at T0+1s is still inside the hour, so the window is full again.
		expect(counter.check("tok", "u1", T0 + HOUR + 500)?.status).toBe(12);
		expect(counter.check("tok", "u1", T0 + HOUR + 1000)).toBeUndefined();
	});
});

describe("BroadcastPacer", () => {
	it("accepts 500 broadcasts in 10 s, refuses the 501st with 12 and accepts again 10 s later", () => {
		const pacer = new BroadcastPacer();
		for (let i = 0; i < 500; i++) {
			expect(pacer.check("tok", T0 + i)).toBeUndefined();
			pacer.record("tok", T0 + i);
		}
		const refusal = pacer.check("tok", T0 + 500);
		expect(refusal?.status).toBe(12);
		expect(refusal?.message).toMatch(
			/^tooManyRequests: 500 broadcast_message requests in the last 10 s/,
		);
		expect(pacer.check("other-token", T0 + 500)).toBeUndefined();
		expect(pacer.check("tok", T0 + 10_000)).toBeUndefined();
	});

	it("does not count a refused request that was never recorded", () => {
		const pacer = new BroadcastPacer();
		for (let i = 0; i < 500; i++) pacer.record("tok", T0);
		for (let i = 0; i < 10; i++) expect(pacer.check("tok", T0 + 9_999)?.status).toBe(12);
		expect(pacer.check("tok", T0 + 10_000)).toBeUndefined();
	});
});

describe("UserDetailsCap", () => {
	it("answers 2 calls per user and bot token, refuses the 3rd with 12 until 12 h passed", () => {
		const cap = new UserDetailsCap();
		for (const at of [T0, T0 + HOUR]) {
			expect(cap.check("tok", "u1", at)).toBeUndefined();
			cap.record("tok", "u1", at);
		}
		const refusal = cap.check("tok", "u1", T0 + 2 * HOUR);
		expect(refusal?.status).toBe(12);
		expect(refusal?.message).toContain("allowed in 36000 s");
		expect(cap.check("tok", "u2", T0 + 2 * HOUR)).toBeUndefined();
		expect(cap.check("other-token", "u1", T0 + 2 * HOUR)).toBeUndefined();
		// The first call leaves the 12-hour window: one more is allowed, not two.
		expect(cap.check("tok", "u1", T0 + 12 * HOUR)).toBeUndefined();
		cap.record("tok", "u1", T0 + 12 * HOUR);
		expect(cap.check("tok", "u1", T0 + 12 * HOUR + 1)?.status).toBe(12);
	});

	it("forgets one token's calls only", () => {
		const cap = new UserDetailsCap();
		for (const token of ["a", "b"]) for (let i = 0; i < 2; i++) cap.record(token, "u1", T0);
		cap.forget("a");
		expect(cap.check("a", "u1", T0)).toBeUndefined();
		expect(cap.check("b", "u1", T0)?.status).toBe(12);
	});
});

describe("callback posts that get no answer", () => {
	/** A bot that accepts the connection and never answers (until the post is aborted). */
	const hangingFetch = ((_input: RequestInfo | URL, init?: RequestInit) =>
		new Promise<Response>((_, fail) => {
			init?.signal?.addEventListener("abort", () =>
				fail(new DOMException("aborted", "AbortError")),
			);
		})) as typeof fetch;

	it("are aborted after the timeout, after calling onSlow once", async () => {
		let slow = 0;
		const started = Date.now();
		const result = await postCallback(
			"https://bot.example/viber",
			"tok",
			{ event: "webhook" },
			{
				fetch: hangingFetch,
				slowMs: 20,
				timeoutMs: 60,
				onSlow: () => slow++,
			},
		);
		expect(result).toEqual({ error: TIMED_OUT, slow: true });
		expect(slow).toBe(1);
		expect(Date.now() - started).toBeGreaterThanOrEqual(55);
	});

	it("wait 10 s by default, within the 30 s a set_webhook may take", () => {
		expect(SLOW_ANSWER_MS).toBe(5_000);
		expect(CALLBACK_TIMEOUT_MS).toBeGreaterThan(SLOW_ANSWER_MS);
		expect(CALLBACK_TIMEOUT_MS).toBe(10_000);
	});

	it("fail set_webhook with status 1 in Viber's words: timeout, refused connection, non-200", () => {
		const url = "https://bot.example/viber";
		expect(webhookCheckFailure(url, { error: TIMED_OUT, slow: true })).toEqual({
			status: 1,
			message: `invalidUrl: Result[HttpRequest[POST ${url} HTTP/1.1] > HttpResponse[null 0 null] ${TIMED_OUT}]`,
		});
		expect(
			webhookCheckFailure(url, { error: "Connection refused", slow: false })?.message,
		).toContain("java.net.ConnectException: Connection refused");
		expect(webhookCheckFailure(url, { status: 403, body: "", slow: false })?.message).toContain(
			"HttpResponse[HTTP/1.1 403]",
		);
		expect(webhookCheckFailure(url, { status: 200, body: "", slow: false })).toBeUndefined();
	});
});

describe("leniency the official Node SDK needs", () => {
	it("takes null fields as absent, as Viber does", () => {
		const body = {
			receiver: "u1",
			type: "text",
			text: "hi",
			sender: { name: "EchoBot", avatar: null },
			keyboard: null,
			tracking_data: null,
			min_api_version: null,
		};
		expect(checkMessageBody(body, "receiver")).toBeUndefined();
	});

	it("takes a picture without a caption", () => {
		const body = {
			receiver: "u1",
			type: "picture",
			media: "https://e.com/p.jpg",
			text: null,
			thumbnail: null,
			sender: { name: "B" },
		};
		expect(checkMessageBody(body, "receiver")).toBeUndefined();
	});

	it("still refuses a wrong type that is not null", () => {
		expect(
			checkMessageBody(
				{ receiver: "u1", type: "text", text: "hi", sender: { name: "B" }, keyboard: "x" },
				"receiver",
			),
		).toMatchObject({ status: 3 });
	});
});

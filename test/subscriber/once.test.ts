import { describe, expect, it, vi } from "vitest";
import { callbacks, newUserId, post, subscriber } from "../helpers/callbacks";
import { captureErrors } from "../helpers/console";
import { fakeViber } from "../helpers/fake-viber";

const texts = fakeViber.sentTexts;

/** Waits until the user's inbox is empty, then a moment more for anything sent late. */
async function settled(userId: string) {
	await vi.waitFor(async () => expect(await subscriber(userId).pendingEvents()).toBe(0), {
		timeout: 5000,
	});
}

describe("Effectively-once sends", () => {
	const errors = captureErrors();
	it("replays a send that succeeded to the retry instead of sending it again", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "parts"));
		await vi.waitFor(async () => expect(await texts(userId)).toHaveLength(2), { timeout: 5000 });
		await settled(userId);
		expect(await texts(userId)).toEqual(["part one", "part two"]);
		expect(await subscriber(userId).deadLetters()).toEqual([]);
	});

	it("never repeats a send whose answer broke off after HTTP 200; the handler sees why", async () => {
		const userId = newUserId();
		// The effect (Viber took the message) happens; its record (the answer) never arrives.
		await fakeViber.fault({ endpoint: "send_message", receiver: userId, networkError: "body" });
		await post(callbacks.text(userId, "cut then go on"));
		await vi.waitFor(async () => expect(await texts(userId)).toHaveLength(2), { timeout: 5000 });
		await settled(userId);
		// The retry saw the same error at the same place, and did not send "cut" again.
		expect(await texts(userId)).toEqual(["cut", "after the cut, saw DeliveryUnknownError"]);
	});

	it("keeps an event whose send's outcome is unknown as a dead letter that says so", async () => {
		const userId = newUserId();
		await fakeViber.fault({ endpoint: "send_message", receiver: userId, networkError: "body" });
		await post(callbacks.text(userId, "cut"));
		await vi.waitFor(async () => expect(await subscriber(userId).deadLetters()).toHaveLength(1));
		const [dead] = await subscriber(userId).deadLetters();
		expect(dead?.error).toMatch(/^DeliveryUnknownError: .*send_message.*not sent again/);
		// Not retried: a retry could only send it twice.
		expect(dead?.attempts).toBe(1);
		expect(await texts(userId)).toEqual(["cut"]);
		await vi.waitFor(() =>
			errors.logged(/Dead letter: "message" failed 1 times: DeliveryUnknownError/),
		);
	});

	it("still retries a send whose connection failed before any answer", async () => {
		const userId = newUserId();
		await fakeViber.fault({ endpoint: "send_message", receiver: userId, networkError: true });
		await post(callbacks.text(userId, "parts"));
		await vi.waitFor(async () => expect(await texts(userId)).toContain("part two"), {
			timeout: 5000,
		});
		await settled(userId);
		// The refused first try is recorded by the fake too; the user got each part once.
		const requests = await fakeViber.requests({ endpoint: "send_message", receiver: userId });
		expect(requests.map((r) => r.body.text)).toEqual(["part one", "part one", "part two"]);
	});

	it("buries an event whose send was redirected after one run, without retrying it", async () => {
		const userId = newUserId();
		await fakeViber.fault({ endpoint: "send_message", receiver: userId, httpStatus: 307 });
		await post(callbacks.text(userId, "parts"));
		await vi.waitFor(async () => expect(await subscriber(userId).deadLetters()).toHaveLength(1));
		const [dead] = await subscriber(userId).deadLetters();
		expect(dead?.error).toMatch(/^ViberRedirectError: .*307/);
		expect(dead?.attempts).toBe(1);
		expect(await texts(userId)).toEqual(["part one"]);
		await vi.waitFor(() =>
			errors.logged(/Dead letter: "message" failed 1 times: ViberRedirectError/),
		);
	});
});

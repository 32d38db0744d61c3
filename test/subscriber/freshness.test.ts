import { describe, expect, it, vi } from "vitest";
import { DEDUPE_WINDOW_MS } from "../../src/subscriber/store";
import { MAX_CLOCK_SKEW_MS, REPLAY_WINDOW_MS } from "../../src/webhook/dispatch";
import { callbacks, newToken, newUserId, post, subscriber } from "../helpers/callbacks";
import { captureErrors } from "../helpers/console";
import { fakeViber } from "../helpers/fake-viber";

const HOUR = 60 * 60 * 1000;
const sends = (userId: string) =>
	fakeViber.requests({ endpoint: "send_message", receiver: userId });

describe("Replay window", () => {
	const errors = captureErrors();
	it("ends, with the clock-skew allowance, inside the time resends are remembered", () => {
		expect(REPLAY_WINDOW_MS + MAX_CLOCK_SKEW_MS).toBeLessThan(DEDUPE_WINDOW_MS);
		// Viber resends for up to an hour: those must still run.
		expect(REPLAY_WINDOW_MS).toBeGreaterThan(HOUR);
	});

	it("answers a 24-hour-old signed callback 200 and runs nothing", async () => {
		const userId = newUserId();
		const old = callbacks.text(userId, "hello from yesterday", {
			timestamp: Date.now() - 24 * HOUR,
		});
		const res = await post(old);
		expect(res.status).toBe(200);
		await errors.logged(
			new RegExp(`Ignored a signed "message" callback \\(token ${old.message_token}\\)`),
		);
		// No state changed: the Subscriber never heard of the user, and nothing was sent.
		expect(await subscriber(userId).profile()).toBeNull();
		await post(callbacks.text(userId, "now"));
		await vi.waitFor(async () => expect(await sends(userId)).toHaveLength(1));
		expect((await sends(userId))[0]?.body.text).toContain("now");
	});

	it("ignores an old unsubscribed and a conversation_started alike", async () => {
		const userId = newUserId();
		await post(callbacks.subscribed(userId));
		const old = Date.now() - REPLAY_WINDOW_MS - 60_000;
		await post({ ...callbacks.unsubscribed(userId), timestamp: old });
		const welcome = await post(callbacks.conversationStarted(userId, true, { timestamp: old }));
		expect(await welcome.text()).toBe("ok");
		expect(await subscriber(userId).profile()).toMatchObject({ state: "subscribed" });
		await errors.logged(/Ignored a signed "unsubscribed"/);
		await errors.logged(/Ignored a signed "conversation_started"/);
	});

	it("runs a resend an hour late, as Viber may send one", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "late", { timestamp: Date.now() - HOUR }));
		await vi.waitFor(async () => expect(await sends(userId)).toHaveLength(1));
	});

	it("ignores a callback stamped too far in the future, but allows clock skew", async () => {
		const userId = newUserId();
		await post(callbacks.subscribed(userId));
		const ahead = Date.now() + MAX_CLOCK_SKEW_MS + 60_000;
		expect((await post({ ...callbacks.unsubscribed(userId), timestamp: ahead })).status).toBe(200);
		expect(await subscriber(userId).profile()).toMatchObject({ state: "subscribed" });
		await post({ ...callbacks.unsubscribed(userId), timestamp: Date.now() + 60_000 });
		expect(await subscriber(userId).profile()).toMatchObject({ state: "unsubscribed" });
		await vi.waitFor(() => errors.logged(/Ignored a signed "unsubscribed" callback .*ahead/));
	});

	it("runs nothing for a callback without a timestamp", async () => {
		const userId = newUserId();
		const res = await post({ event: "brand_new", message_token: newToken(), user_id: userId });
		expect(res.status).toBe(200);
		expect(await subscriber(userId).profile()).toBeNull();
		// With one, the same event reaches the bot's "unknown" handler.
		await post({
			event: "brand_new",
			timestamp: Date.now(),
			message_token: newToken(),
			user_id: userId,
		});
		await vi.waitFor(async () => expect(await sends(userId)).toHaveLength(1));
		await vi.waitFor(() => errors.logged(/Ignored a signed "unknown" callback .*no timestamp/));
	});
});

import { describe, expect, it, vi } from "vitest";
import { callbacks, newUserId, post, subscriber } from "../helpers/callbacks";
import { captureErrors } from "../helpers/console";
import { fakeViber } from "../helpers/fake-viber";

const texts = async (userId: string) => (await fakeViber.sentTexts(userId)).map(String);
const at = (state: string) => expect.objectContaining({ state });

describe("State ordering", () => {
	const errors = captureErrors();
	it.each([
		["message first", ["message", "unsubscribed"]],
		["unsubscribed first", ["unsubscribed", "message"]],
	])(
		"keeps a message and an unsubscribe of the same millisecond unsubscribed (%s)",
		async (_, order) => {
			const userId = newUserId();
			const timestamp = Date.now();
			const events = {
				message: callbacks.text(userId, "bye", { timestamp }),
				unsubscribed: { ...callbacks.unsubscribed(userId), timestamp },
			};
			for (const event of order) await post(events[event as keyof typeof events]);
			expect(await subscriber(userId).profile()).toEqual(at("unsubscribed"));
			// Whether the echo ran before the unsubscribe or was refused after it is a race.
			await vi.waitFor(async () => expect(await subscriber(userId).pendingEvents()).toBe(0));
			await errors.allowed(/Dead letter: "message" failed 1 times: NotSubscribedError/);
		},
	);

	it("lets status 6 win over events already applied, even stamped ahead of our clock", async () => {
		const userId = newUserId();
		// Viber's clock runs a minute ahead of ours.
		const ahead = Date.now() + 60_000;
		await post(callbacks.subscribed(userId));
		const earlier = callbacks.text(userId, "hi", { timestamp: ahead });
		await post(earlier);
		await vi.waitFor(async () => expect(await texts(userId)).toHaveLength(1));
		await fakeViber.unsubscribe(userId);
		// Awaited inside, so the test holds a plain promise rather than the RPC one.
		const send = async () =>
			await subscriber(userId).send(userId, { type: "text", text: "still there?" });
		await expect(send()).rejects.toThrow(/status 6/);
		expect(await subscriber(userId).profile()).toEqual(at("unsubscribed"));
		// Another callback stamped no later than what was applied cannot undo it … ("throw" is
		// handled without a send, which the fake would answer with status 6 again.)
		await post(callbacks.text(userId, "throw", { timestamp: ahead }));
		expect(await subscriber(userId).profile()).toEqual(at("unsubscribed"));
		// … but a message the user writes afterwards subscribes them again (§3.5).
		await post(callbacks.text(userId, "throw", { timestamp: ahead + 1 }));
		expect(await subscriber(userId).profile()).toEqual(at("subscribed"));
		await vi.waitFor(() =>
			errors.logged(/Dead letter: "message" failed 3 times: Error: failed on purpose/),
		);
	});
});

describe("Order per user", () => {
	it("handles a concurrent burst of one user in Viber's timestamp order", async () => {
		const userId = newUserId();
		// A slow first event keeps the handlers busy while the burst arrives and waits.
		await post(callbacks.text(userId, "slow 1500"));
		const start = Date.now();
		const burst = Array.from({ length: 10 }, (_, i) =>
			callbacks.text(userId, `burst ${i}`, { timestamp: start + i }),
		);
		// Sent in the reverse of the user's order: the last one written is posted first.
		const shuffled = [...burst].reverse();
		const answers = await Promise.all(shuffled.map((event) => post(event)));
		expect(answers.map((r) => r.status)).toEqual(shuffled.map(() => 200));
		await vi.waitFor(async () => expect(await texts(userId)).toHaveLength(11), { timeout: 10_000 });
		const echoed = (await texts(userId)).slice(1).map((t) => t.match(/burst \d+/)?.[0]);
		expect(echoed).toEqual(burst.map((e) => e.message.text));
	});
});

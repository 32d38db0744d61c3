import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { NotSubscribedError } from "../../src/viber/errors";
import { callbacks, newUserId, post, subscriber } from "../helpers/callbacks";
import { captureErrors } from "../helpers/console";
import { fakeViber } from "../helpers/fake-viber";

const sends = (userId: string) =>
	fakeViber.requests({ endpoint: "send_message", receiver: userId });
// Awaited here, so the test holds a plain promise rather than the RPC one.
const sendText = async (userId: string, text: string) =>
	await subscriber(userId).send(userId, { type: "text", text });

describe("Subscriber reliability", () => {
	const errors = captureErrors();

	it("retries a throwing handler, then keeps the event as a dead letter", async () => {
		const userId = newUserId();
		const event = callbacks.text(userId, "throw");
		expect((await post(event)).status).toBe(200);
		await vi.waitFor(async () => expect(await subscriber(userId).deadLetters()).toHaveLength(1));
		const [dead] = await subscriber(userId).deadLetters();
		expect(dead).toMatchObject({ attempts: 3, error: "Error: failed on purpose" });
		expect(dead).toMatchObject({ event: "message", messageToken: event.message_token });
		expect(JSON.parse(dead?.callback ?? "")).toMatchObject({ message: { text: "throw" } });
		expect(await subscriber(userId).pendingEvents()).toBe(0);
		await errors.logged(/^Dead letter: "message" failed 3 times: Error: failed on purpose$/);
	});

	it("runs a later event after an earlier one was dead-lettered", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "throw"));
		await post(callbacks.text(userId, "still here"));
		await vi.waitFor(async () =>
			expect((await sends(userId)).map((r) => r.body.text)).toEqual(["still here"]),
		);
		await errors.logged(/^Dead letter: "message" failed 3 times/);
	});

	it("succeeds on a retry when the handler fails once", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "flaky"));
		await vi.waitFor(async () =>
			expect((await sends(userId)).map((r) => r.body.text)).toEqual(["flaky ok after 2 runs"]),
		);
		expect(await subscriber(userId).deadLetters()).toEqual([]);
	});

	it("makes no API call to a user who unsubscribed", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "hello"));
		await vi.waitFor(async () => expect(await sends(userId)).toHaveLength(1));
		await post(callbacks.unsubscribed(userId));
		expect(await subscriber(userId).profile()).toMatchObject({ state: "unsubscribed" });
		await expect(sendText(userId, "are you there?")).rejects.toThrow(
			/unsubscribed|not subscribed/i,
		);
		await runDurableObjectAlarm(subscriber(userId));
		expect(await sends(userId)).toHaveLength(1);
	});

	it("does not let a resent old message undo a later unsubscribe", async () => {
		const userId = newUserId();
		const old = callbacks.text(userId, "old", { timestamp: Date.now() - 60_000 });
		await post(callbacks.unsubscribed(userId));
		await post(old);
		expect(await subscriber(userId).profile()).toMatchObject({ state: "unsubscribed" });
		// The echo of the old message is refused without calling Viber, and kept as a dead letter.
		await vi.waitFor(async () =>
			expect(await subscriber(userId).deadLetters()).toMatchObject([
				{ error: expect.stringMatching(/^NotSubscribedError/) },
			]),
		);
		expect(await sends(userId)).toEqual([]);
		await errors.logged(/^Dead letter: "message" failed 1 times: NotSubscribedError/);
	});

	it("leaves users who unsubscribed out of a broadcast, and learns from its failed_list", async () => {
		const [sender, left, stays, unknownToUs] = [newUserId(), newUserId(), newUserId(), newUserId()];
		await post(callbacks.unsubscribed(left));
		await post(callbacks.subscribed(stays));
		await fakeViber.unsubscribe(unknownToUs);
		await post(callbacks.text(sender, `broadcast ${left} ${stays} ${unknownToUs}`));
		await vi.waitFor(async () =>
			expect((await sends(sender)).map((r) => r.body.text)).toEqual([
				`not reached: ${left} ${unknownToUs}`,
			]),
		);
		const broadcasts = await fakeViber.requests({ endpoint: "broadcast_message", receiver: stays });
		expect(broadcasts.map((r) => r.body.broadcast_list)).toEqual([[stays, unknownToUs]]);
		expect(await subscriber(unknownToUs).profile()).toMatchObject({ state: "unsubscribed" });
	});

	it("marks a user unsubscribed when Viber answers status 6", async () => {
		const userId = newUserId();
		await post(callbacks.subscribed(userId));
		await fakeViber.unsubscribe(userId);
		await expect(sendText(userId, "hi")).rejects.toThrow(/status 6/);
		expect(await subscriber(userId).profile()).toMatchObject({ state: "unsubscribed" });
		// The next attempt is refused before it reaches Viber.
		await expect(sendText(userId, "hi again")).rejects.toThrow(/no API call was made/);
		expect(await sends(userId)).toHaveLength(1);
	});

	it("tracks a sent message from sent to delivered to seen", async () => {
		const userId = newUserId();
		await post(callbacks.subscribed(userId));
		const { message_token: token } = await subscriber(userId).send(userId, {
			type: "text",
			text: "track me",
		});
		expect(token).toMatch(/^\d{19}$/);
		expect(await subscriber(userId).messageStatus(token)).toMatchObject({ status: "sent" });
		expect((await post(callbacks.receipt("delivered", userId, token))).status).toBe(200);
		expect(await subscriber(userId).messageStatus(token)).toMatchObject({ status: "delivered" });
		await post(callbacks.receipt("seen", userId, token));
		expect(await subscriber(userId).messageStatus(token)).toMatchObject({ status: "seen" });
		// A late duplicate delivered receipt does not move it backwards.
		await post(callbacks.receipt("delivered", userId, token));
		expect(await subscriber(userId).messageStatus(token)).toMatchObject({ status: "seen" });
	});

	it("stores nothing for a receipt about a message this object never sent", async () => {
		const userId = newUserId();
		const receipt = callbacks.receipt("delivered", userId, "5000000000000000002");
		expect((await post(receipt)).status).toBe(200);
		expect((await post(receipt)).status).toBe(200);
		expect(await subscriber(userId).profile()).toBeNull();
		expect(await subscriber(userId).messageStatus("5000000000000000002")).toBeNull();
	});

	it("places a seen receipt for a token it never sent by the receipt's time", async () => {
		const userId = newUserId();
		await post(callbacks.subscribed(userId));
		const before = await sendText(userId, "read");
		await scheduler.wait(20);
		const readAt = Date.now();
		await scheduler.wait(20);
		const after = await sendText(userId, "not read yet");
		const seen = callbacks.receipt("seen", userId, "5000000000000000001", { timestamp: readAt });
		expect((await post(seen)).status).toBe(200);
		expect(await subscriber(userId).messageStatus(before.message_token)).toMatchObject({
			status: "seen",
		});
		expect(await subscriber(userId).messageStatus(after.message_token)).toMatchObject({
			status: "sent",
		});
	});

	it("records a failed message with Viber's description", async () => {
		const userId = newUserId();
		await post(callbacks.subscribed(userId));
		const { message_token: token } = await subscriber(userId).send(userId, {
			type: "text",
			text: "bad",
		});
		await post(callbacks.receipt("failed", userId, token, { desc: "message validation failed" }));
		expect(await subscriber(userId).messageStatus(token)).toEqual({
			status: "failed",
			detail: "message validation failed",
		});
	});

	it("refuses a send to a user who has not subscribed with NotSubscribedError naming them", async () => {
		const userId = newUserId();
		await post(callbacks.conversationStarted(userId, false));
		const error = await sendText(userId, "hi").catch((e: unknown) => e);
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).message).toContain(userId);
		expect(new NotSubscribedError(userId).message).toBe((error as Error).message);
		expect(await sends(userId)).toEqual([]);
	});
});

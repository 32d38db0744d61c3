import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { BotApi } from "../../src/framework/api";
import { Context } from "../../src/framework/context";
import type { Callback } from "../../src/viber/schemas/callbacks";
import { callbacks, newUserId, post, subscriber } from "../helpers/callbacks";
import { fakeViber } from "../helpers/fake-viber";

const texts = async (userId: string) => (await fakeViber.sentTexts(userId)).map(String);

/** Sets a timer through the bot and returns its id, once the bot has answered. */
async function remind(userId: string, delayMs: number, text: string): Promise<string> {
	await post(callbacks.text(userId, `remind ${delayMs} ${text}`));
	const answer = await vi.waitFor(async () => {
		const found = (await texts(userId)).find((t) => t.startsWith("timer "));
		if (!found) throw new Error("no answer yet");
		return found;
	});
	return answer.slice("timer ".length);
}

/** Makes a user's timers due now, as if their time had come. */
const dueNow = (userId: string) =>
	runInDurableObject(subscriber(userId), (_, state) => {
		state.storage.sql.exec("UPDATE timers SET due_at = ?", Date.now() - 1);
	});

describe("per-user timers", { timeout: 20_000 }, () => {
	it("sends the message when the timer is due", async () => {
		const userId = newUserId();
		await remind(userId, 300, "tea is ready");
		await vi.waitFor(async () => expect(await texts(userId)).toContain("tea is ready"));
		expect((await texts(userId)).filter((t) => t === "tea is ready")).toHaveLength(1);
	});

	it("fires after a restart of the user's object", async () => {
		const userId = newUserId();
		await remind(userId, 3_600_000, "an hour later");
		await evictDurableObject(subscriber(userId));
		await dueNow(userId);
		expect(await runDurableObjectAlarm(subscriber(userId))).toBe(true);
		expect(await texts(userId)).toContain("an hour later");
	});

	it("is dropped when the user unsubscribed before it was due", async () => {
		const userId = newUserId();
		await remind(userId, 3_600_000, "never");
		await post(callbacks.unsubscribed(userId));
		await dueNow(userId);
		await runDurableObjectAlarm(subscriber(userId));
		expect(await texts(userId)).not.toContain("never");
		const left = await runInDurableObject(subscriber(userId), (_, state) =>
			state.storage.sql.exec("SELECT count(*) AS n FROM timers").one(),
		);
		expect(left.n).toBe(0);
	});

	it("can be cancelled", async () => {
		const userId = newUserId();
		const id = await remind(userId, 3_600_000, "cancelled one");
		await post(callbacks.text(userId, `cancel ${id}`));
		await vi.waitFor(async () => expect(await texts(userId)).toContain("cancelled true"));
		await dueNow(userId);
		await runDurableObjectAlarm(subscriber(userId));
		expect(await texts(userId)).not.toContain("cancelled one");
	});
});

describe("the 24-hour session", () => {
	it("is open after a recent message", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "session?"));
		await vi.waitFor(async () => expect(await texts(userId)).toContain("session open: true"));
	});

	it("is closed 24 hours after the user's last message, and before any", () => {
		const event = callbacks.text(newUserId(), "x") as unknown as Callback;
		const at = (lastInboundAt?: number) =>
			new Context(event, { api: {} as BotApi, lastInboundAt }).sessionOpen;
		expect(at(Date.now() - 23 * 60 * 60 * 1000)).toBe(true);
		expect(at(Date.now() - 25 * 60 * 60 * 1000)).toBe(false);
		expect(at(undefined)).toBe(false);
	});
});

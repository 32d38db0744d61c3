import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { stringifyJson } from "../../src/viber/json";
import { callbacks, newUserId, post, subscriber } from "../helpers/callbacks";
import { fakeViber } from "../helpers/fake-viber";

const texts = fakeViber.sentTexts;
const alarmOf = (userId: string) =>
	runInDurableObject(subscriber(userId), (_instance, state) => state.storage.getAlarm());

describe("The Subscriber's alarm", () => {
	it("is not set for a handler that finishes within the budget", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "quick"));
		expect(await texts(userId)).toEqual(["quick"]);
		expect(await alarmOf(userId)).toBeNull();
	});

	it("is the safety net of a handler that outlives the budget, cleared when it ends", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "slow 1800"));
		expect(await texts(userId)).toEqual([]);
		expect(await alarmOf(userId)).toBeGreaterThan(Date.now());
		await vi.waitFor(async () => expect(await texts(userId)).toEqual(["slow 1800 done"]), {
			timeout: 5000,
		});
		await vi.waitFor(async () => expect(await alarmOf(userId)).toBeNull());
	});

	it("lets Viber's resend run an event whose run died with the object", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "first"));
		// What a crash during an awaited run leaves: the key seen, the entry queued, no alarm. The
		// webhook answered 5xx, so Viber sends the callback again.
		const event = callbacks.text(userId, "left behind");
		await runInDurableObject(subscriber(userId), async (_instance, state) => {
			state.storage.sql.exec(
				"INSERT INTO seen_events (key, at) VALUES (?, ?)",
				`message:${event.message_token}`,
				Date.now(),
			);
			state.storage.sql.exec(
				"INSERT INTO inbox (event, ts, due_at) VALUES (?, ?, ?)",
				stringifyJson(event),
				event.timestamp,
				Date.now(),
			);
		});
		await evictDurableObject(subscriber(userId));
		expect((await post(event)).status).toBe(200);
		expect(await texts(userId)).toEqual(["first", "left behind"]);
		expect(await subscriber(userId).pendingEvents()).toBe(0);
	});

	it("runs an event that a crash left in the inbox", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "first"));
		await vi.waitFor(async () => expect(await texts(userId)).toHaveLength(1));
		// What a crash during a run that outlived `receive` leaves: the entry and the safety net.
		const event = callbacks.text(userId, "left behind");
		await runInDurableObject(subscriber(userId), async (_instance, state) => {
			state.storage.sql.exec(
				"INSERT INTO inbox (event, ts, due_at) VALUES (?, ?, ?)",
				stringifyJson(event),
				event.timestamp,
				Date.now(),
			);
			await state.storage.setAlarm(Date.now() + 60_000);
		});
		expect(await runDurableObjectAlarm(subscriber(userId))).toBe(true);
		await vi.waitFor(async () => expect(await texts(userId)).toHaveLength(2));
		expect((await texts(userId))[1]).toContain("left behind");
		expect(await subscriber(userId).pendingEvents()).toBe(0);
	});
});

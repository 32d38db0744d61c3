/** Sessions that evolve: a session stored in an older shape meets the bot's current one. */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { SubscriberStore } from "../../src/subscriber/store";
import { callbacks, newUserId, post, subscriber } from "../helpers/callbacks";
import { fakeViber } from "../helpers/fake-viber";

/** Stores `session` as an earlier version of the bot would have left it. */
async function storeOldSession(userId: string, session: object): Promise<void> {
	await post(callbacks.subscribed(userId));
	// Through the object's own store, which keeps the user row cached for the activation.
	await runInDurableObject(subscriber(userId), (instance) => {
		(instance as unknown as { store: SubscriberStore }).store.saveSession(JSON.stringify(session));
	});
}

const sentTexts = (userId: string) => fakeViber.sentTexts(userId);

describe("Subscriber sessions", () => {
	it("starts a new user with the initial session", async () => {
		const userId = newUserId();
		await post(callbacks.subscribed(userId));
		expect(await subscriber(userId).session()).toEqual({ texts: 0, others: 0 });
	});

	it("gives a field added since the session was stored its default", async () => {
		const userId = newUserId();
		// Stored before the bot counted other messages: `others` is missing.
		await storeOldSession(userId, { texts: 3 });
		await post(callbacks.message(userId, { type: "sticker", sticker_id: 1 }));
		await vi.waitFor(async () => expect(await sentTexts(userId)).toEqual(["got a sticker"]));
		// `undefined + 1` would have been NaN, saved as null.
		expect(await subscriber(userId).session()).toEqual({ texts: 3, others: 1 });
	});

	it("migrates a session stored in an old shape before the handlers see it", async () => {
		const userId = newUserId();
		// Stored when `texts` was called `echoes` (the test bot's migrateSession renames it).
		await storeOldSession(userId, { echoes: 5, others: 2 });
		expect(await subscriber(userId).session()).toEqual({ texts: 5, others: 2 });
		await post(callbacks.text(userId, "hi"));
		await vi.waitFor(async () => expect(await sentTexts(userId)).toEqual(["hi"]));
		const stored = await runInDurableObject(subscriber(userId), (_instance, state) =>
			state.storage.sql.exec<{ session: string }>("SELECT session FROM subscriber").one(),
		);
		expect(JSON.parse(stored.session)).toEqual({ texts: 6, others: 2 });
	});

	it("keeps fields the bot no longer has", async () => {
		const userId = newUserId();
		await storeOldSession(userId, { texts: 1, others: 0, retired: "kept" });
		expect(await subscriber(userId).session()).toEqual({ texts: 1, others: 0, retired: "kept" });
		// A handler's save keeps it too.
		await post(callbacks.text(userId, "hi"));
		await vi.waitFor(async () => expect(await sentTexts(userId)).toEqual(["hi"]));
		await vi.waitFor(async () =>
			expect(await subscriber(userId).session()).toEqual({ texts: 2, others: 0, retired: "kept" }),
		);
	});
});

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Inbox } from "../../src/subscriber/inbox";
import { Sql } from "../../src/subscriber/schema";
import { toCallback } from "../../src/viber/callback";
import { callbacks, newUserId, subscriber } from "../helpers/callbacks";

describe("The inbox's count of live entries", () => {
	it("reads the table again after forget, also in the activation that made the database", async () => {
		const userId = newUserId();
		const [first, second] = ["one", "two"].map((text) =>
			toCallback(callbacks.text(userId, text)),
		) as [ReturnType<typeof toCallback>, ReturnType<typeof toCallback>];
		const heads = await runInDurableObject(subscriber(userId), (_instance, state) => {
			const inbox = new Inbox(new Sql(state.storage.sql)); // a new database, made here
			const now = Date.now();
			inbox.push(first, 1, now);
			const waiting = inbox.head();
			inbox.retryAt(waiting?.seq ?? 0, 1, now + 60_000, "failed once");
			// What the alarm does before it runs the timers; an event arrives meanwhile.
			inbox.forget();
			inbox.push(second, 2, now);
			const head = inbox.head();
			inbox.done(head?.seq ?? 0);
			return [head?.callback, inbox.head()?.callback, inbox.pending()];
		});
		// The first event runs first (Viber's timestamp order), then the second; neither is hidden.
		expect(heads).toEqual([first, second, 1]);
	});
});

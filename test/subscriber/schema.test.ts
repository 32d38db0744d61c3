import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { callbacks, newUserId, post, subscriber } from "../helpers/callbacks";
import { fakeViber } from "../helpers/fake-viber";
import { rosterShardOf, rosterState } from "../helpers/roster";
import { subscriberTables } from "../helpers/subscriber-tables";

/** The tables as the previous release made them: the roster record in its own table. */
const PREVIOUS_RELEASE = `
CREATE TABLE subscriber (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1), user_id TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'unknown', state_at INTEGER NOT NULL DEFAULT 0,
	name TEXT, avatar TEXT, language TEXT, country TEXT, api_version INTEGER,
	first_seen_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, last_inbound_at INTEGER,
	session TEXT, purged_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE seen_events (key TEXT PRIMARY KEY, at INTEGER NOT NULL, response TEXT);
CREATE TABLE sent_messages (
	token TEXT PRIMARY KEY, status TEXT NOT NULL, sent_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL, detail TEXT
);
CREATE INDEX sent_messages_by_time ON sent_messages (sent_at);
CREATE TABLE inbox (
	seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
	due_at INTEGER NOT NULL, dead_at INTEGER, error TEXT, ts INTEGER NOT NULL DEFAULT 0, effects TEXT
);
CREATE INDEX inbox_order ON inbox (dead_at, ts, seq);
CREATE TABLE roster_sync (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1), version INTEGER NOT NULL, synced TEXT
);
CREATE TABLE timers (
	id TEXT PRIMARY KEY, due_at INTEGER NOT NULL, message TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX timers_due ON timers (state, due_at);
`;

describe("The Subscriber's tables", () => {
	it("are four for a new user, none of them for timers or indexes", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "hello"));
		expect(await fakeViber.sentTexts(userId)).toEqual(["hello"]);
		expect(await subscriberTables(userId)).toEqual([
			"inbox",
			"seen_events",
			"sent_messages",
			"subscriber",
		]);
		const indexes = await runInDurableObject(subscriber(userId), (_, state) =>
			state.storage.sql
				.exec("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
				.toArray(),
		);
		expect(indexes).toEqual([]);
	});

	it("take over an object of the previous release, its roster version included", async () => {
		const userId = newUserId();
		await runInDurableObject(subscriber(userId), (_, state) => {
			const sql = state.storage.sql;
			sql.exec(PREVIOUS_RELEASE);
			sql.exec(
				`INSERT INTO subscriber (singleton, user_id, state, state_at, first_seen_at, last_seen_at)
				 VALUES (1, ?, 'subscribed', 1, 1, 1)`,
				userId,
			);
			// The roster took version 7 when the user subscribed.
			sql.exec("INSERT INTO roster_sync (singleton, version, synced) VALUES (1, 7, 'old')");
		});
		await rosterShardOf(userId).apply({ userId, state: "subscribed", version: 7 });
		await post(callbacks.unsubscribed(userId));
		// The new version is above the roster's 7: a restart from 1 would be ignored.
		expect(await rosterState(userId)).toBe("unsubscribed");
		const row = await runInDurableObject(subscriber(userId), (_, state) =>
			state.storage.sql
				.exec<{ roster_version: number }>("SELECT roster_version FROM subscriber")
				.one(),
		);
		expect(row.roster_version).toBeGreaterThan(7);
		expect(await subscriberTables(userId)).not.toContain("roster_sync");
	});
});

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import {
	applyToRoster,
	countSubscribers,
	listSubscribers,
	refusedByRoster,
} from "../../src/proactive/roster-client";
import { toCallback } from "../../src/viber/callback";
import { callbacks, newUserId, post, subscriber, user } from "../helpers/callbacks";
import { captureErrors } from "../helpers/console";
import { fakeViber } from "../helpers/fake-viber";
import { allSubscribed, rosterShardOf, rosterState, seedRoster } from "../helpers/roster";

const rosterVersion = (userId: string) =>
	runInDurableObject(
		subscriber(userId),
		(_, state) =>
			state.storage.sql
				.exec<{ roster_version: number }>("SELECT roster_version FROM subscriber")
				.one().roster_version,
	);

describe("roster", () => {
	const errors = captureErrors();
	it("follows subscribe, unsubscribe and an implicit subscribe by a first message", async () => {
		const [a, b] = [newUserId(), newUserId()];
		await post(callbacks.subscribed(a));
		await post(callbacks.text(b, "hi"));
		expect(await rosterState(a)).toBe("subscribed");
		expect(await rosterState(b)).toBe("subscribed");
		await post(callbacks.unsubscribed(a));
		expect(await rosterState(a)).toBe("unsubscribed");
		const opened = newUserId();
		await post(callbacks.conversationStarted(opened, false));
		expect(await rosterState(opened)).toBe("not_subscribed");
	});

	it("writes to the roster only when the user's state changes", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "one"));
		const first = await rosterVersion(userId);
		expect(first).toBeGreaterThan(0);
		await post(callbacks.text(userId, "two"));
		await post(callbacks.receipt("delivered", userId, "12345"));
		expect(await rosterVersion(userId)).toBe(first);
		await post(callbacks.unsubscribed(userId));
		expect(await rosterVersion(userId)).toBeGreaterThan(first);
	});

	it("learns status 6 from a send", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "hello"));
		await fakeViber.unsubscribe(userId);
		await post(callbacks.text(userId, "again"));
		await vi.waitFor(async () => expect(await rosterState(userId)).toBe("unsubscribed"));
		await vi.waitFor(() =>
			errors.logged(/Dead letter: "message" failed 1 times: ViberApiError: .*status 6/),
		);
	});

	it("takes the later of two changes made in the same millisecond", async () => {
		const userId = newUserId();
		const subscribed = toCallback(callbacks.subscribed(userId));
		const unsubscribed = toCallback({
			...callbacks.unsubscribed(userId),
			timestamp: (subscribed.timestamp ?? 0) + 1,
		});
		// The object's clock reads the same for both roster writes, as it does within one turn.
		const now = vi.spyOn(Date, "now").mockReturnValue(Date.now());
		try {
			await runInDurableObject(subscriber(userId), (instance) =>
				Promise.all([instance.receive(userId, subscribed), instance.receive(userId, unsubscribed)]),
			);
		} finally {
			now.mockRestore();
		}
		expect(await rosterState(userId)).toBe("unsubscribed");
	});

	it("picks up a user subscribed before the roster existed on their next event", async () => {
		const userId = newUserId();
		await post(callbacks.subscribed(userId));
		// As if the user predated the roster: no sync record, no roster row.
		await runInDurableObject(subscriber(userId), (_, state) => {
			state.storage.sql.exec("UPDATE subscriber SET roster_version = 0, roster_synced = NULL");
		});
		await runInDurableObject(rosterShardOf(userId), (_, state) => {
			state.storage.sql.exec("DELETE FROM roster WHERE user_id = ?", userId);
		});
		expect(await rosterState(userId)).toBeNull();
		await post(callbacks.text(userId, "still here"));
		expect(await rosterState(userId)).toBe("subscribed");
	});

	it("pages every subscriber once across shards, with filters and counts", async () => {
		const country = "P1";
		const ids = await seedRoster(45, country);
		const other = await seedRoster(5, "P2");
		await applyToRoster(env, {
			userId: ids[0] as string,
			state: "unsubscribed",
			version: 2,
			country,
		});
		const listed = await allSubscribed({ country }, 7);
		expect(listed.sort()).toEqual(ids.slice(1).sort());
		expect(await countSubscribers(env, { country })).toBe(44);
		expect(await countSubscribers(env, { country: [country, "P2"] })).toBe(49);
		expect((await allSubscribed({ country: "P2" })).sort()).toEqual(other.sort());
		expect(await countSubscribers(env, { country, language: "xx" })).toBe(0);
		expect(await countSubscribers(env, { country, minApiVersion: 9 })).toBe(0);
		const first = await listSubscribers(env, { filter: { country }, limit: 44 });
		expect(first.users).toHaveLength(44);
	});

	it("keeps the profile fields it filters on", async () => {
		const userId = newUserId();
		await post({
			...callbacks.subscribed(userId),
			user: user(userId, { country: "P3", language: "uk" }),
		});
		expect(await allSubscribed({ country: "P3", language: "uk" })).toEqual([userId]);
	});

	it("rejects a cursor it did not make", async () => {
		await expect(listSubscribers(env, { cursor: "nonsense" })).rejects.toThrow(/bad cursor/);
	});

	it("filters on an open 24-hour session, learnt from the user's messages", async () => {
		const hour = 60 * 60 * 1000;
		const [recent, stale] = [newUserId(), newUserId()];
		await applyToRoster(env, {
			userId: recent,
			state: "subscribed",
			version: 1,
			country: "S1",
			lastInboundAt: Date.now() - hour,
		});
		await applyToRoster(env, {
			userId: stale,
			state: "subscribed",
			version: 1,
			country: "S1",
			lastInboundAt: Date.now() - 25 * hour,
		});
		expect(await allSubscribed({ country: "S1", sessionOpen: true })).toEqual([recent]);
		const writer = newUserId();
		await post({ ...callbacks.text(writer, "hi"), sender: user(writer, { country: "S2" }) });
		expect(await allSubscribed({ country: "S2", sessionOpen: true })).toEqual([writer]);
	});

	it("cuts a shard into runs of a size, the short last one with its ids", async () => {
		const ids = await seedRoster(60, "R9");
		const byShard = Map.groupBy(ids, (id) => rosterShardOf(id).id.toString());
		const members = (
			[...byShard.values()].sort((a, b) => b.length - a.length)[0] as string[]
		).sort();
		const shard = rosterShardOf(members[0] as string);
		const filter = { country: "R9" };
		const n = members.length;
		// Runs of 2: as many full runs as asked for, and whether users are left after them.
		const two = await shard.ranges("", filter, Date.now(), 2, 1);
		expect(two).toEqual({ ranges: [{ from: "", to: members[1], count: 2 }], more: n > 2 });
		// All of them: full runs of 2, then the short last run with its ids when n is odd.
		const all = await shard.ranges("", filter, Date.now(), 2, n);
		expect(all.more).toBe(false);
		expect(all.ranges.map((r) => r.count).reduce((a, b) => a + b, 0)).toBe(n);
		expect(all.ranges.map((r) => r.to)).toEqual(
			members.filter((_, i) => i % 2 === 1 || i === n - 1),
		);
		expect(all.lastIds).toEqual(n % 2 === 1 ? [members[n - 1]] : undefined);
		// Each run's ids come back as one JSON list, in order.
		const first = all.ranges[0] as { from: string; to: string; count: number };
		expect(await shard.idsIn(first, filter, Date.now())).toEqual({
			count: 2,
			json: JSON.stringify(members.slice(0, 2)),
		});
		// Users who subscribed after the broadcast started are left out.
		expect(await shard.ranges("", filter, 0, 2, n)).toEqual({ ranges: [], more: false });
	});

	it("names the users a broadcast list must leave out, a query per shard", async () => {
		const [stays, left, gone, opened, unknown] = Array.from({ length: 5 }, () => newUserId());
		await applyToRoster(env, { userId: stays as string, state: "subscribed", version: 1 });
		await applyToRoster(env, { userId: left as string, state: "unsubscribed", version: 1 });
		await applyToRoster(env, { userId: gone as string, state: "gone", version: 1 });
		await applyToRoster(env, { userId: opened as string, state: "not_subscribed", version: 1 });
		const refused = await refusedByRoster(env, [stays, left, gone, opened, unknown] as string[]);
		expect([...refused].sort()).toEqual([left, gone, opened].sort());
	});
});

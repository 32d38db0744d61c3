/** Reading and seeding the roster in tests. */
import { env } from "cloudflare:workers";
import { applyToRoster, listSubscribers } from "../../src/proactive/roster-client";
import type { SubscriberFilter } from "../../src/proactive/roster-query";
import { shardCount, shardOf } from "../../src/proactive/shard";
import { newUserId } from "./callbacks";

/** Every subscribed id matching `filter`, paging with `limit` per page. */
export async function allSubscribed(filter: SubscriberFilter, limit = 300): Promise<string[]> {
	const ids: string[] = [];
	let cursor: string | undefined;
	do {
		const page = await listSubscribers(env, { filter, cursor, limit });
		ids.push(...page.users.map((u) => u.userId));
		cursor = page.cursor;
	} while (cursor !== undefined);
	return ids;
}

/** The roster shard that holds a user. */
export const rosterShardOf = (userId: string) =>
	env.ROSTER.getByName(`roster-${shardOf(userId, shardCount(env))}`);

/** The roster's state of one user, or null. */
export const rosterState = (userId: string) => rosterShardOf(userId).stateOf(userId);

/**
 * Puts `n` subscribed users of `country` straight into the roster; returns their ids. `where`
 * picks the ids, to fill chosen shards.
 */
export async function seedRoster(
	n: number,
	country: string,
	where: (userId: string) => boolean = () => true,
): Promise<string[]> {
	const ids: string[] = [];
	while (ids.length < n) {
		const userId = newUserId();
		if (where(userId)) ids.push(userId);
	}
	await Promise.all(
		ids.map((userId) =>
			applyToRoster(env, {
				userId,
				state: "subscribed",
				version: 0,
				country,
				language: "en",
				apiVersion: 8,
			}),
		),
	);
	return ids;
}

/** The roster as one list: shards reached over RPC, paged with a cursor, counted in parallel. */
import { Batcher } from "../runtime/batcher";
import type { RosterEntry, RosterUser } from "./roster";
import type { SubscriberFilter } from "./roster-query";
import { range, shardCount, shardOf } from "./shard";

/** The roster shard with index `shard`. */
export function rosterShard(env: Env, shard: number) {
	return env.ROSTER.getByName(`roster-${shard}`);
}

/** Roster writes bound for one shard within 20 ms go in one call: a wave of new subscribers. */
const writes = new Batcher<{ env: Env; entry: RosterEntry }>(
	async (name, items) => {
		const [first] = items;
		if (first) await first.env.ROSTER.getByName(name).applyMany(items.map((i) => i.entry));
	},
	{ windowMs: 20, maxItems: 500, aloneAfterMs: 3_000 },
);

/**
 * Records a user's state in their shard; with `waitUntil` (of the calling request or object),
 * in a batch with the other writes to that shard that arrive together.
 */
export function applyToRoster(
	env: Env,
	entry: RosterEntry,
	waitUntil?: (promise: Promise<unknown>) => void,
): Promise<void> {
	const shard = shardOf(entry.userId, shardCount(env));
	if (!waitUntil) return rosterShard(env, shard).apply(entry);
	return writes.add(`roster-${shard}`, { env, entry }, waitUntil);
}

export interface ListOptions {
	filter?: SubscriberFilter;
	/** From a previous page's `cursor`; omit for the first page. */
	cursor?: string;
	/** Users per page, 1 to 1000 (default 300). */
	limit?: number;
}

/** One page of subscribers; `cursor` is absent on the last page. */
export interface SubscriberPage {
	users: RosterUser[];
	cursor?: string;
}

function encodeCursor(shard: number, after: string): string {
	return btoa(JSON.stringify([shard, after]));
}

function decodeCursor(cursor: string | undefined, shards: number): [number, string] {
	if (cursor === undefined) return [0, ""];
	try {
		const [shard, after] = JSON.parse(atob(cursor)) as unknown[];
		if (Number.isInteger(shard) && (shard as number) < shards && typeof after === "string") {
			return [shard as number, after];
		}
	} catch {}
	throw new Error("bad cursor: pass the `cursor` of a previous page unchanged");
}

/**
 * One page of subscribed users, shard after shard, by id within a shard.
 *
 * @example
 * for (let page = await listSubscribers(env); ; page = await listSubscribers(env, { cursor })) { … }
 */
export async function listSubscribers(
	env: Env,
	options: ListOptions = {},
): Promise<SubscriberPage> {
	const shards = shardCount(env);
	const limit = Math.min(Math.max(1, options.limit ?? 300), 1000);
	let [shard, after] = decodeCursor(options.cursor, shards);
	const users: RosterUser[] = [];
	while (shard < shards) {
		const page = await rosterShard(env, shard).page(after, limit - users.length, options.filter);
		users.push(...page);
		if (users.length === limit) {
			return { users, cursor: encodeCursor(shard, page.at(-1)?.userId ?? after) };
		}
		[shard, after] = [shard + 1, ""];
	}
	return { users };
}

/** Every page of subscribed users in turn; never more than one page in memory. */
export async function* subscriberPages(
	env: Env,
	options: Omit<ListOptions, "cursor"> = {},
): AsyncGenerator<RosterUser[]> {
	let cursor: string | undefined;
	do {
		const page = await listSubscribers(env, { ...options, cursor });
		if (page.users.length > 0) yield page.users;
		cursor = page.cursor;
	} while (cursor !== undefined);
}

/** How many subscribed users match `filter`, over all shards. */
export async function countSubscribers(env: Env, filter: SubscriberFilter = {}): Promise<number> {
	const counts = await Promise.all(
		range(shardCount(env)).map((i) => rosterShard(env, i).count(filter)),
	);
	return counts.reduce((a, b) => a + b, 0);
}

/**
 * Of `userIds`, those the roster knows may not be messaged: one call per shard involved, not one
 * per user. Users the roster never heard of are not refused (Viber decides).
 */
export async function refusedByRoster(env: Env, userIds: string[]): Promise<Set<string>> {
	const shards = shardCount(env);
	const byShard = Map.groupBy(userIds, (id) => shardOf(id, shards));
	const lists = await Promise.all(
		[...byShard].map(([shard, ids]) => rosterShard(env, shard).refusedAmong(ids)),
	);
	return new Set(lists.flat());
}

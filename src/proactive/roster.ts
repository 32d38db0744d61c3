/** The Roster: one Durable Object per shard of users, knowing who is subscribed (SQLite, indexed). */

import { type SubscriberFilter, whereSubscribed } from "./roster-query";
import { SqlObject } from "./sql-object";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS roster (
	user_id TEXT PRIMARY KEY,
	state TEXT NOT NULL,
	version INTEGER NOT NULL,
	subscribed_at INTEGER,
	language TEXT, country TEXT, api_version INTEGER, last_inbound_at INTEGER
) WITHOUT ROWID;
-- Covers a broadcast's reads (state, id range, subscribed_at) without a look into the table:
-- cutting and reading batches took 2 to 6 times longer through the earlier (state, user_id).
CREATE INDEX IF NOT EXISTS roster_by_state_since ON roster (state, user_id, subscribed_at);
DROP INDEX IF EXISTS roster_by_state;
CREATE INDEX IF NOT EXISTS roster_by_language ON roster (state, language, user_id);
CREATE INDEX IF NOT EXISTS roster_by_country ON roster (state, country, user_id);
CREATE INDEX IF NOT EXISTS roster_by_api_version ON roster (state, api_version, user_id);
`;

/** One user as the roster knows them; `version` orders updates from their Subscriber. */
export interface RosterEntry {
	userId: string;
	state: string;
	version: number;
	language?: string;
	country?: string;
	apiVersion?: number;
	lastInboundAt?: number;
}

/** A subscriber in a listing. */
export type RosterUser = Omit<RosterEntry, "version" | "state">;

/** A run of at most `size` subscribed ids, `(from, to]` by id: one broadcast batch. */
export interface IdRange {
	from: string;
	to: string;
	count: number;
}

/** Hard cap of one page, so no call moves a whole shard. */
export const MAX_PAGE = 1000;

type Row = Record<string, SqlStorageValue>;
const opt = <T>(v: SqlStorageValue | undefined) =>
	v === null || v === undefined ? undefined : (v as T);

export class RosterObject extends SqlObject {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env, SCHEMA);
	}

	/** Records a user's state and profile unless a newer version is already stored. */
	async apply(entry: RosterEntry): Promise<void> {
		// subscribed_at keeps the start of the current subscription: broadcasts skip later joiners.
		this.sql.exec(
			`INSERT INTO roster (user_id, state, version, subscribed_at, language, country, api_version, last_inbound_at)
			 VALUES (?1, ?2, ?3, CASE WHEN ?2 = 'subscribed' THEN ?8 END, ?4, ?5, ?6, ?7)
			 ON CONFLICT (user_id) DO UPDATE SET state = ?2, version = ?3,
			   subscribed_at = CASE WHEN ?2 != 'subscribed' THEN NULL
			     WHEN state = 'subscribed' THEN subscribed_at ELSE ?8 END,
			   language = ?4, country = ?5, api_version = ?6, last_inbound_at = ?7
			 WHERE excluded.version > roster.version`,
			entry.userId,
			entry.state,
			entry.version,
			entry.language ?? null,
			entry.country ?? null,
			entry.apiVersion ?? null,
			entry.lastInboundAt ?? null,
			Date.now(),
		);
	}

	/** `apply` for up to 1,000 entries in one call (an import, a benchmark). */
	async applyMany(entries: RosterEntry[]): Promise<void> {
		if (entries.length > MAX_PAGE) throw new Error(`applyMany: at most ${MAX_PAGE} entries a call`);
		for (const entry of entries) await this.apply(entry);
	}

	/** Subscribed users matching `filter` with ids after `after`, by id, at most `limit`. */
	async page(after: string, limit: number, filter: SubscriberFilter = {}): Promise<RosterUser[]> {
		const where = whereSubscribed(filter, Date.now());
		const rows = this.sql
			.exec<Row>(
				`SELECT user_id, language, country, api_version, last_inbound_at FROM roster
				 WHERE ${where.sql} AND user_id > ? ORDER BY user_id LIMIT ?`,
				...where.args,
				after,
				Math.min(Math.max(1, limit), MAX_PAGE),
			)
			.toArray();
		return rows.map((r) => ({
			userId: r.user_id as string,
			language: opt(r.language),
			country: opt(r.country),
			apiVersion: opt(r.api_version),
			lastInboundAt: opt(r.last_inbound_at),
		}));
	}

	/** How many subscribed users match `filter`. */
	async count(filter: SubscriberFilter = {}): Promise<number> {
		const where = whereSubscribed(filter, Date.now());
		return this.sql
			.exec<{ n: number }>(`SELECT count(*) AS n FROM roster WHERE ${where.sql}`, ...where.args)
			.one().n;
	}

	/**
	 * Cuts the subscribed users after `after` (who subscribed by `before`) into runs of `size`
	 * ids, at most `runs` of them; `more` tells whether users are left after the last run.
	 */
	async ranges(
		after: string,
		filter: SubscriberFilter,
		before: number,
		size: number,
		runs: number,
	): Promise<{ ranges: IdRange[]; more: boolean; lastIds?: string[] }> {
		const where = whereSubscribed(filter, Date.now());
		const query = (tail: string, ...args: SqlStorageValue[]) =>
			this.sql
				.exec<{ user_id: string }>(
					`SELECT user_id FROM roster WHERE ${where.sql} AND subscribed_at <= ? AND user_id > ?
					 ORDER BY user_id ${tail}`,
					...where.args,
					before,
					...args,
				)
				.toArray()
				.map((r) => r.user_id);
		// Each run's last id is found by skipping `size - 1` ids inside SQLite, all runs in one
		// statement: a step reads about 20 ids, not 6,000 (numbering them with a window function
		// was 10 times slower; a statement per run cost more than its scan).
		const ends = this.sql
			.exec<{ user_id: string }>(
				`WITH RECURSIVE ends(id, k) AS (
				   SELECT ?, 0
				   UNION ALL
				   SELECT (SELECT user_id FROM roster WHERE ${where.sql} AND subscribed_at <= ? AND user_id > ends.id
				           ORDER BY user_id LIMIT 1 OFFSET ?), k + 1
				   FROM ends WHERE k < ? AND ends.id IS NOT NULL)
				 SELECT id AS user_id FROM ends WHERE k > 0 AND id IS NOT NULL`,
				after,
				...where.args,
				before,
				size - 1,
				runs,
			)
			.toArray();
		const ranges: IdRange[] = [];
		let from = after;
		for (const { user_id: to } of ends) {
			ranges.push({ from, to, count: size });
			from = to;
		}
		if (ranges.length === runs) return { ranges, more: query("LIMIT 1", from).length > 0 };
		// The last run, when short, with its ids, so that it can be split to fill shared batches.
		const lastIds = query("LIMIT ?", from, size);
		const to = lastIds.at(-1);
		if (to === undefined) return { ranges, more: false };
		ranges.push({ from, to, count: lastIds.length });
		return { ranges, more: false, lastIds };
	}

	/** `idsIn` for several runs, in one request. */
	async idsInMany(
		runs: IdRange[],
		filter: SubscriberFilter,
		before: number,
	): Promise<{ count: number; json: string }[]> {
		return Promise.all(runs.map((run) => this.idsIn(run, filter, before)));
	}

	/**
	 * The users of a run who are still subscribed now and still match, checked at send time: their
	 * count, and their ids as a JSON array, as the call's `broadcast_list` takes them.
	 */
	async idsIn(
		run: IdRange,
		filter: SubscriberFilter,
		before: number,
	): Promise<{ count: number; json: string }> {
		const where = whereSubscribed(filter, Date.now());
		// One row back instead of 300: the list is built in SQLite and goes into the call as is.
		return this.sql
			.exec<{ count: number; json: string }>(
				`SELECT count(*) AS count, json_group_array(user_id) AS json FROM (
				   SELECT user_id FROM roster WHERE ${where.sql} AND subscribed_at <= ?
				   AND user_id > ? AND user_id <= ? ORDER BY user_id LIMIT ?)`,
				...where.args,
				before,
				run.from,
				run.to,
				run.count,
			)
			.one();
	}

	/** Of `userIds`, those the roster knows may not be messaged (left, gone, never subscribed). */
	async refusedAmong(userIds: string[]): Promise<string[]> {
		if (userIds.length > MAX_PAGE) throw new Error(`refusedAmong: at most ${MAX_PAGE} ids a call`);
		// One statement for the whole list, in the list's order.
		return this.sql
			.exec<{ user_id: string }>(
				`SELECT j.value AS user_id FROM json_each(?) j JOIN roster r ON r.user_id = j.value
				 WHERE r.state != 'subscribed' ORDER BY j.key`,
				JSON.stringify(userIds),
			)
			.toArray()
			.map((r) => r.user_id);
	}

	/** A user's roster state, or null if the roster never heard of them. */
	async stateOf(userId: string): Promise<string | null> {
		const row = this.sql
			.exec<Row>("SELECT state FROM roster WHERE user_id = ?", userId)
			.toArray()[0];
		return (row?.state as string | undefined) ?? null;
	}
}

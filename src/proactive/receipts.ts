/**
 * BroadcastReceipts: Durable Objects that keep every `delivered`/`seen`/`failed` receipt,
 * sharded by user id, and know which message tokens belong to broadcasts (sharded by token).
 * A receipt is one batched call to a warm shard and wakes no user object: the ~2N receipts of
 * a broadcast to N users are counted here, and a user's message statuses are read from here.
 */

import { Batcher } from "../runtime/batcher";
import type { Callback } from "../viber/schemas/callbacks";
import { range, shardCount, shardOf } from "./shard";
import { SqlObject } from "./sql-object";

/** How long receipts are kept: as long as the Subscriber keeps its sent messages. */
export const RECEIPT_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * Receipts go to the first few shards only, so that the receipts arriving together for one
 * shard are many and go in few calls; a shard takes thousands of receipts a second this way.
 */
const LOG_SHARDS = 4;
/** Tokens counted per `tally` call: their JSON list stays far below SQLite's largest value. */
const TALLY_SLICE = 10_000;
/** Expired receipts are swept at most this often per shard. */
const PURGE_EVERY_MS = 60 * 60 * 1000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, broadcast_id TEXT NOT NULL) WITHOUT ROWID;
DROP INDEX IF EXISTS tokens_by_broadcast;
CREATE TABLE IF NOT EXISTS receipt_log (
	token TEXT NOT NULL, user_id TEXT NOT NULL, event TEXT NOT NULL, at INTEGER NOT NULL, detail TEXT,
	PRIMARY KEY (token, user_id, event)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS receipt_log_by_time ON receipt_log (at);
CREATE TABLE IF NOT EXISTS seen_up_to (user_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
`;

/** One receipt as stored: Viber's time of it, and the reason of a `failed`. */
export interface Receipt {
	token: string;
	userId: string;
	event: "delivered" | "seen" | "failed";
	at: number;
	detail?: string;
}

/** Receipt counts of one broadcast. */
export interface ReceiptCounts {
	delivered: number;
	seen: number;
	failed: number;
}

/** What the receipts tell of one message sent to a user. */
export type ReceiptStatus =
	| { status: "delivered" | "seen" }
	| { status: "failed"; detail?: string };

export class ReceiptsObject extends SqlObject {
	private purgedAt = 0;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env, SCHEMA);
		this.moveOldReceipts();
	}

	/** The first version kept broadcast receipts without their time: they age from now on. */
	private moveOldReceipts(): void {
		const old = this.sql.exec(
			"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'receipts'",
		);
		if (old.toArray().length === 0) return;
		this.sql.exec(
			`INSERT OR IGNORE INTO receipt_log (token, user_id, event, at)
			 SELECT token, user_id, event, ? FROM receipts; DROP TABLE receipts`,
			Date.now(),
		);
	}

	async register(tokens: { token: string; broadcastId: string }[]): Promise<void> {
		for (const { token, broadcastId } of tokens) {
			this.sql.exec(
				"INSERT OR IGNORE INTO tokens (token, broadcast_id) VALUES (?, ?)",
				token,
				broadcastId,
			);
		}
	}

	async isBroadcast(token: string): Promise<boolean> {
		return this.sql.exec("SELECT 1 FROM tokens WHERE token = ?", token).toArray().length > 0;
	}

	/** Stores receipts once per token, user and event (a resend changes nothing). */
	async record(receipts: Receipt[]): Promise<void> {
		for (const r of receipts) {
			this.sql.exec(
				"INSERT OR IGNORE INTO receipt_log (token, user_id, event, at, detail) VALUES (?, ?, ?, ?, ?)",
				r.token,
				r.userId,
				r.event,
				r.at,
				r.detail ?? null,
			);
			// One `seen` covers every earlier message: Viber sends it once per reading.
			if (r.event === "seen") {
				this.sql.exec(
					`INSERT INTO seen_up_to (user_id, at) VALUES (?, ?)
					 ON CONFLICT (user_id) DO UPDATE SET at = max(at, excluded.at)`,
					r.userId,
					r.at,
				);
			}
		}
		this.purge(Date.now());
	}

	/** What the receipts say of `token`, a message sent to `userId` at `sentAt`. */
	async statusOf(userId: string, token: string, sentAt: number): Promise<ReceiptStatus | null> {
		const rows = this.sql
			.exec<{ event: string; detail: string | null }>(
				"SELECT event, detail FROM receipt_log WHERE token = ? AND user_id = ?",
				token,
				userId,
			)
			.toArray();
		const failed = rows.find((r) => r.event === "failed");
		if (failed)
			return failed.detail ? { status: "failed", detail: failed.detail } : { status: "failed" };
		const seenUpTo = this.sql
			.exec<{ at: number }>("SELECT at FROM seen_up_to WHERE user_id = ?", userId)
			.toArray()[0]?.at;
		if (rows.some((r) => r.event === "seen") || (seenUpTo !== undefined && seenUpTo >= sentAt)) {
			return { status: "seen" };
		}
		return rows.some((r) => r.event === "delivered") ? { status: "delivered" } : null;
	}

	/** Counts, among the receipts kept here, those of `tokens` (once per user and event). */
	async tally(tokens: string[]): Promise<ReceiptCounts> {
		const counts: ReceiptCounts = { delivered: 0, seen: 0, failed: 0 };
		const rows = this.sql.exec<{ event: keyof ReceiptCounts; n: number }>(
			`SELECT event, count(*) AS n FROM receipt_log
			 WHERE token IN (SELECT value FROM json_each(?)) GROUP BY event`,
			JSON.stringify(tokens),
		);
		for (const row of rows) counts[row.event] = row.n;
		return counts;
	}

	private purge(now: number): void {
		if (now - this.purgedAt < PURGE_EVERY_MS) return;
		this.purgedAt = now;
		this.sql.exec("DELETE FROM receipt_log WHERE at < ?", now - RECEIPT_TTL_MS);
		this.sql.exec("DELETE FROM seen_up_to WHERE at < ?", now - RECEIPT_TTL_MS);
	}
}

/** The receipts shard with index `i`. */
const receiptsShard = (env: Env, i: number) => env.RECEIPTS.getByName(`receipts-${i}`);

const RECEIPT_EVENTS = ["delivered", "seen", "failed"] as const;

/**
 * Whether the webhook must tell a broadcast's receipts from others: the bot handles receipts,
 * but not those of broadcasts. Only then are broadcast tokens registered (`registerBroadcastTokens`).
 */
export function tellsBroadcastReceipts(bot: {
	mayHandle(event: string): boolean;
	readonly broadcastReceiptHandlers: boolean;
}): boolean {
	return !bot.broadcastReceiptHandlers && RECEIPT_EVENTS.some((event) => bot.mayHandle(event));
}

/**
 * Remembers which broadcast each token's call belongs to, one request per token shard, for
 * `isBroadcastToken`. A shard's write is a commit of its own, so it is made only for bots that
 * `tellsBroadcastReceipts`; the broadcast's own stats take its tokens from its ledger.
 */
export async function registerBroadcastTokens(
	env: Env,
	tokens: { token: string; broadcastId: string }[],
): Promise<void> {
	const shards = shardCount(env);
	const byShard = Map.groupBy(tokens, (t) => shardOf(t.token, shards));
	await Promise.all([...byShard].map(([i, ofShard]) => receiptsShard(env, i).register(ofShard)));
}

/** Whether `token` is a broadcast's: asked only for bots that handle receipts themselves. */
export function isBroadcastToken(env: Env, token: string): Promise<boolean> {
	return receiptsShard(env, shardOf(token, shardCount(env))).isBroadcast(token);
}

/** The shard that keeps a user's receipts: one of the first `LOG_SHARDS`. */
const logShardName = (env: Env, userId: string) =>
	`receipts-${shardOf(userId, Math.min(LOG_SHARDS, shardCount(env)))}`;

/** Receipts bound for one shard within 20 ms go in one call. */
const batches = new Batcher<{ env: Env; receipt: Receipt }>(
	async (name, items) => {
		const [first] = items;
		if (first) await first.env.RECEIPTS.getByName(name).record(items.map((i) => i.receipt));
	},
	{ windowMs: 20, maxItems: 200, aloneAfterMs: 3_000 },
);

/** The receipt a callback carries, or undefined for any other event. */
export function receiptOf(callback: Callback): Receipt | undefined {
	if (callback.event !== "delivered" && callback.event !== "seen" && callback.event !== "failed") {
		return undefined;
	}
	return {
		token: callback.message_token,
		userId: callback.user_id,
		event: callback.event,
		at: callback.timestamp,
		detail: callback.event === "failed" ? callback.desc : undefined,
	};
}

/** Stores a receipt in its user's shard; resolves once it is stored. */
export function recordReceipt(
	env: Env,
	receipt: Receipt,
	waitUntil: (promise: Promise<unknown>) => void,
): Promise<void> {
	return batches.add(logShardName(env, receipt.userId), { env, receipt }, waitUntil);
}

/** What the receipts say of a message sent to `userId` at `sentAt`. */
export function receiptStatus(
	env: Env,
	userId: string,
	token: string,
	sentAt: number,
): Promise<ReceiptStatus | null> {
	return env.RECEIPTS.getByName(logShardName(env, userId)).statusOf(userId, token, sentAt);
}

/**
 * Receipt counts of a broadcast: its calls' tokens from its ledger, counted in every shard (the
 * log shards, and the token shards where an earlier release kept broadcast receipts).
 */
export async function tallyReceipts(env: Env, broadcastId: string): Promise<ReceiptCounts> {
	const shards = range(shardCount(env)).map((i) => receiptsShard(env, i));
	const tokens = await env.BROADCAST.getByName(broadcastId).tokens();
	const zero: ReceiptCounts = { delivered: 0, seen: 0, failed: 0 };
	if (tokens.length === 0) return zero;
	// The tokens go in slices: SQLite refuses a bound value past its size limit (SQLITE_TOOBIG),
	// as the 8.8 MB JSON list of a broadcast's 400,000 tokens (calls of up to 300 users) was.
	const slices = range(Math.ceil(tokens.length / TALLY_SLICE)).map((i) =>
		tokens.slice(i * TALLY_SLICE, (i + 1) * TALLY_SLICE),
	);
	const parts = await Promise.all(
		shards.map(async (s) => {
			const counts: ReceiptCounts[] = [];
			for (const slice of slices) counts.push(await s.tally(slice));
			return counts;
		}),
	);
	return parts.flat().reduce(
		(a, b) => ({
			delivered: a.delivered + b.delivered,
			seen: a.seen + b.seen,
			failed: a.failed + b.failed,
		}),
		zero,
	);
}

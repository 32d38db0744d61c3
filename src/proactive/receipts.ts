/**
 * BroadcastReceipts: Durable Objects sharded by message token that know which tokens belong to
 * broadcasts and count their `delivered`/`seen`/`failed` receipts, so ~2N receipts of a
 * broadcast to N users wake no user objects (unless the bot asks for receipt handlers).
 */

import type { Callback } from "../viber/schemas/callbacks";
import { range, shardCount, shardOf } from "./shard";
import { SqlObject } from "./sql-object";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, broadcast_id TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tokens_by_broadcast ON tokens (broadcast_id);
CREATE TABLE IF NOT EXISTS receipts (
	token TEXT NOT NULL, user_id TEXT NOT NULL, event TEXT NOT NULL, PRIMARY KEY (token, user_id, event)
) WITHOUT ROWID;
`;

/** Receipt counts of one broadcast. */
export interface ReceiptCounts {
	delivered: number;
	seen: number;
	failed: number;
}

export class ReceiptsObject extends SqlObject {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env, SCHEMA);
	}

	async register(token: string, broadcastId: string): Promise<void> {
		this.sql.exec(
			"INSERT OR IGNORE INTO tokens (token, broadcast_id) VALUES (?, ?)",
			token,
			broadcastId,
		);
	}

	/** Counts a receipt if its token is a broadcast's (once per user and event); false otherwise. */
	async count(token: string, userId: string, event: string): Promise<boolean> {
		const known = this.sql.exec("SELECT 1 FROM tokens WHERE token = ?", token).toArray().length > 0;
		if (!known) return false;
		this.sql.exec(
			"INSERT OR IGNORE INTO receipts (token, user_id, event) VALUES (?, ?, ?)",
			token,
			userId,
			event,
		);
		return true;
	}

	async tally(broadcastId: string): Promise<ReceiptCounts> {
		const counts: ReceiptCounts = { delivered: 0, seen: 0, failed: 0 };
		const rows = this.sql.exec<{ event: keyof ReceiptCounts; n: number }>(
			`SELECT r.event AS event, count(*) AS n FROM receipts r JOIN tokens t ON r.token = t.token
			 WHERE t.broadcast_id = ? GROUP BY r.event`,
			broadcastId,
		);
		for (const row of rows) counts[row.event] = row.n;
		return counts;
	}
}

function receiptShard(env: Env, token: string) {
	return env.RECEIPTS.getByName(`receipts-${shardOf(token, shardCount(env))}`);
}

/** Remembers that `token` is a call of broadcast `broadcastId`. */
export function registerBroadcastToken(
	env: Env,
	token: string,
	broadcastId: string,
): Promise<void> {
	return receiptShard(env, token).register(token, broadcastId);
}

/** Counts a receipt callback if it concerns a broadcast; true when it did. */
export async function countBroadcastReceipt(env: Env, callback: Callback): Promise<boolean> {
	if (callback.event !== "delivered" && callback.event !== "seen" && callback.event !== "failed") {
		return false;
	}
	return receiptShard(env, callback.message_token).count(
		callback.message_token,
		callback.user_id,
		callback.event,
	);
}

/** Receipt counts of a broadcast, summed over the shards. */
export async function tallyReceipts(env: Env, broadcastId: string): Promise<ReceiptCounts> {
	const parts = await Promise.all(
		range(shardCount(env)).map((i) => env.RECEIPTS.getByName(`receipts-${i}`).tally(broadcastId)),
	);
	return parts.reduce(
		(a, b) => ({
			delivered: a.delivered + b.delivered,
			seen: a.seen + b.seen,
			failed: a.failed + b.failed,
		}),
		{ delivered: 0, seen: 0, failed: 0 },
	);
}

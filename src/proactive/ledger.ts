/**
 * The BroadcastLedger: one Durable Object per broadcast. It fixes how the roster is cut into
 * batches (so a redelivered planning step makes the same batches) and records each batch before
 * and after its call, so a redelivered batch is never sent twice.
 */

import type { OutgoingMessage } from "../viber/schemas/messages";
import { type LedgerStats, ledgerStats } from "./ledger-stats";
import { packRuns } from "./pack";
import type { IdRange } from "./roster";
import type { SubscriberFilter } from "./roster-query";
import { SqlObject } from "./sql-object";
import type { Piece } from "./tasks";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	id TEXT NOT NULL, message TEXT NOT NULL, filter TEXT NOT NULL,
	started_at INTEGER NOT NULL, shards INTEGER NOT NULL, enqueued INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS plans (
	shard INTEGER NOT NULL, after TEXT NOT NULL, ranges TEXT NOT NULL, more INTEGER NOT NULL,
	PRIMARY KEY (shard, after)
);
CREATE TABLE IF NOT EXISTS batches (
	key TEXT PRIMARY KEY, queued INTEGER NOT NULL,
	state TEXT NOT NULL DEFAULT 'queued',
	lease_until INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
	sent INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0,
	token TEXT, error TEXT
);
CREATE TABLE IF NOT EXISTS failures (status INTEGER PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tails (shard INTEGER PRIMARY KEY, run TEXT);
CREATE TABLE IF NOT EXISTS packs (key TEXT PRIMARY KEY, pieces TEXT NOT NULL, packed_by INTEGER NOT NULL);
`;

/** What a broadcast was asked to do. */
export interface BroadcastInit {
	id: string;
	message: OutgoingMessage;
	filter: SubscriberFilter;
	startedAt: number;
	/** Roster shards to plan, each cut into batches by its own planning steps. */
	shards: number;
}

/** A planning step's result: the batches of one stretch of one shard. */
export interface Plan {
	ranges: IdRange[];
	more: boolean;
	/** The ids of the last run, when it is short (from `RosterObject.ranges`). */
	lastIds?: string[];
}

/** A recorded plan: its full batches, and the batches of packed short runs to queue, if any. */
export interface RecordedPlan extends Plan {
	packs: { key: string; pieces: Piece[] }[];
}

/** What the consumer should do with a batch it was handed. */
export type BeginResult =
	| { action: "send"; message: OutgoingMessage; filter: SubscriberFilter; startedAt: number }
	| { action: "skip"; state: string }
	| { action: "wait" }
	| { action: "unknown" };

/** The outcome of one `broadcast_message` call, recorded once. */
export interface BatchOutcome {
	sent: number;
	skipped: number;
	token?: string;
	failed: { status: number }[];
}

type Row = Record<string, SqlStorageValue>;

export class LedgerObject extends SqlObject {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env, SCHEMA);
	}

	private meta(): Row | undefined {
		return this.sql.exec<Row>("SELECT * FROM meta").toArray()[0];
	}

	/** Creates the broadcast once; `enqueued` tells whether its planning steps were queued already. */
	async create(init: BroadcastInit): Promise<{ enqueued: boolean }> {
		this.sql.exec(
			"INSERT OR IGNORE INTO meta (singleton, id, message, filter, started_at, shards) VALUES (1, ?, ?, ?, ?, ?)",
			init.id,
			JSON.stringify(init.message),
			JSON.stringify(init.filter),
			init.startedAt,
			init.shards,
		);
		return { enqueued: this.meta()?.enqueued === 1 };
	}

	async markEnqueued(): Promise<void> {
		this.sql.exec("UPDATE meta SET enqueued = 1");
	}

	/** The filter and start time, and the plan already made for this step if any. */
	async plan(
		shard: number,
		after: string,
	): Promise<{ filter: SubscriberFilter; startedAt: number; plan?: Plan }> {
		const meta = this.meta();
		if (!meta) throw new Error("broadcast ledger has no broadcast");
		return {
			filter: JSON.parse(meta.filter as string) as SubscriberFilter,
			startedAt: meta.started_at as number,
			plan: this.storedPlan(shard, after),
		};
	}

	private storedPlan(shard: number, after: string): Plan | undefined {
		const row = this.sql
			.exec<Row>("SELECT ranges, more FROM plans WHERE shard = ? AND after = ?", shard, after)
			.toArray()[0];
		return row && { ranges: JSON.parse(row.ranges as string) as IdRange[], more: row.more === 1 };
	}

	/**
	 * Keeps the first plan made for a step and returns it: a redelivered step makes the same
	 * batches. A shard's last run, when short of `size`, is held back; once every shard has
	 * reported its last step, the short runs are packed into shared batches of up to `size` ids,
	 * so a broadcast makes about N / size calls, not one extra per shard.
	 */
	async recordPlan(shard: number, after: string, plan: Plan, size: number): Promise<RecordedPlan> {
		return this.keepPlan(shard, after, plan, size);
	}

	/** `recordPlan` for the planning steps of one delivery, in one request (one commit). */
	recordPlans(steps: { shard: number; after: string; plan: Plan }[], size: number): RecordedPlan[] {
		return steps.map((step) => this.keepPlan(step.shard, step.after, step.plan, size));
	}

	private keepPlan(shard: number, after: string, plan: Plan, size: number): RecordedPlan {
		if (!this.storedPlan(shard, after)) {
			const last = plan.ranges.at(-1);
			const tail = !plan.more && last && last.count < size ? last : undefined;
			const full = tail ? plan.ranges.slice(0, -1) : plan.ranges;
			this.sql.exec(
				"INSERT INTO plans (shard, after, ranges, more) VALUES (?, ?, ?, ?)",
				shard,
				after,
				JSON.stringify(full),
				plan.more ? 1 : 0,
			);
			this.sql.exec(
				"INSERT OR IGNORE INTO batches (key, queued) SELECT value ->> 0, value ->> 1 FROM json_each(?)",
				JSON.stringify(full.map((r) => [batchKey(shard, r), r.count])),
			);
			if (!plan.more) {
				this.sql.exec(
					"INSERT OR IGNORE INTO tails (shard, run) VALUES (?, ?)",
					shard,
					tail ? JSON.stringify({ ...tail, ids: plan.lastIds ?? [] }) : null,
				);
				this.packTails(shard, size);
			}
		}
		const stored = this.storedPlan(shard, after) as Plan;
		const packs = this.sql
			.exec<Row>("SELECT key, pieces FROM packs WHERE packed_by = ? ORDER BY key", shard)
			.toArray()
			.map((r) => ({ key: r.key as string, pieces: JSON.parse(r.pieces as string) as Piece[] }));
		return { ...stored, packs: stored.more ? [] : packs };
	}

	/** When every shard's short last run is in, packs them into batches (once). */
	private packTails(by: number, size: number): void {
		const reported = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM tails").one().n;
		const packed = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM packs").one().n;
		if (reported < (this.meta()?.shards as number) || packed > 0) return;
		const tails = this.sql
			.exec<Row>("SELECT shard, run FROM tails WHERE run IS NOT NULL ORDER BY shard")
			.toArray()
			.map((r) => ({
				shard: r.shard as number,
				...(JSON.parse(r.run as string) as IdRange & { ids: string[] }),
			}));
		const groups = packRuns(tails, size);
		for (const [i, pieces] of groups.entries()) {
			const key = `tail:${i}`;
			const queued = pieces.reduce((n, p) => n + p.run.count, 0);
			this.sql.exec(
				"INSERT INTO packs (key, pieces, packed_by) VALUES (?, ?, ?)",
				key,
				JSON.stringify(pieces),
				by,
			);
			this.sql.exec("INSERT OR IGNORE INTO batches (key, queued) VALUES (?, ?)", key, queued);
		}
	}

	/**
	 * Claims a batch before its call. A batch already sent (or given up) is skipped; one claimed
	 * by a delivery still within its lease makes this one wait; one whose claim ran out with no
	 * outcome recorded may have been sent, so it is never sent again ("unknown").
	 */
	async begin(key: string, now: number, leaseMs: number): Promise<BeginResult> {
		return this.beginMany([key], now, leaseMs)[0] as BeginResult;
	}

	/**
	 * `begin` for the batches of one queue delivery, in one request: one statement reads them all
	 * and one claims those to send (a key twice finds its first claim and waits).
	 */
	beginMany(keys: string[], now: number, leaseMs: number): BeginResult[] {
		const meta = this.meta();
		const states = new Map<string, { state: string; lease_until: number | null }>();
		const rows = this.sql.exec<{ key: string; state: string; lease_until: number | null }>(
			"SELECT key, state, lease_until FROM batches WHERE key IN (SELECT value FROM json_each(?))",
			JSON.stringify(keys),
		);
		for (const { key, ...batch } of rows) states.set(key, batch);
		const missing = keys.find((key) => !states.has(key));
		if (missing !== undefined || !meta) throw new Error(`unknown broadcast batch ${missing}`);
		// One "send" for all: the answer carries the message once, however many batches it is for.
		const send: BeginResult = {
			action: "send",
			message: JSON.parse(meta.message as string) as OutgoingMessage,
			filter: JSON.parse(meta.filter as string) as SubscriberFilter,
			startedAt: meta.started_at as number,
		};
		const claimed: string[] = [];
		const lapsed: string[] = [];
		const results = keys.map((key): BeginResult => {
			const batch = states.get(key) as { state: string; lease_until: number | null };
			if (batch.state === "sending") {
				if ((batch.lease_until as number) > now) return { action: "wait" };
				lapsed.push(key);
				states.set(key, { ...batch, state: "unknown" });
				return { action: "unknown" };
			}
			if (batch.state !== "queued") return { action: "skip", state: batch.state };
			claimed.push(key);
			states.set(key, { ...batch, state: "sending", lease_until: now + leaseMs });
			return send;
		});
		if (lapsed.length > 0) {
			this.sql.exec(
				"UPDATE batches SET state = 'unknown' WHERE key IN (SELECT value FROM json_each(?))",
				JSON.stringify(lapsed),
			);
		}
		if (claimed.length > 0) {
			this.sql.exec(
				`UPDATE batches SET state = 'sending', lease_until = ?, attempts = attempts + 1
				 WHERE key IN (SELECT value FROM json_each(?))`,
				now + leaseMs,
				JSON.stringify(claimed),
			);
		}
		return results;
	}

	/** Extends a claim that must wait for its slot past the usual lease. */
	async extend(key: string, until: number): Promise<void> {
		this.sql.exec(
			"UPDATE batches SET lease_until = max(lease_until, ?) WHERE key = ? AND state = 'sending'",
			until,
			key,
		);
	}

	/** Gives a claimed batch back after a call that certainly did not go out (to be retried). */
	async release(key: string, error: string): Promise<void> {
		this.sql.exec(
			"UPDATE batches SET state = 'queued', lease_until = NULL, error = ? WHERE key = ? AND state = 'sending'",
			error,
			key,
		);
	}

	/** Records the outcomes of calls that left together, each once, in one request. */
	async finishMany(outcomes: { key: string; outcome: BatchOutcome }[]): Promise<void> {
		for (const { key, outcome } of outcomes) this.record(key, outcome);
	}

	private record(key: string, outcome: BatchOutcome): void {
		const done = this.sql.exec(
			`UPDATE batches SET state = 'done', lease_until = NULL, sent = ?, skipped = ?, token = ?
			 WHERE key = ? AND state = 'sending'`,
			outcome.sent,
			outcome.skipped,
			outcome.token ?? null,
			key,
		);
		if (done.rowsWritten === 0) return;
		for (const { status } of outcome.failed) {
			this.sql.exec(
				"INSERT INTO failures (status, n) VALUES (?, 1) ON CONFLICT (status) DO UPDATE SET n = n + 1",
				status,
			);
		}
	}

	/** Marks a batch the dead-letter queue received (unless it was sent after all). */
	async deadLetter(key: string, error: string): Promise<boolean> {
		const dead = this.sql.exec(
			"UPDATE batches SET state = 'dead', error = ? WHERE key = ? AND state IN ('queued', 'sending')",
			error,
			key,
		);
		return dead.rowsWritten > 0;
	}

	/** The message tokens of the calls made, for counting their receipts. */
	async tokens(): Promise<string[]> {
		return this.sql
			.exec<{ token: string }>("SELECT token FROM batches WHERE token IS NOT NULL")
			.toArray()
			.map((r) => r.token);
	}

	/** Progress and counts of this broadcast, or null before `create`. */
	async stats(): Promise<LedgerStats | null> {
		const meta = this.meta();
		return meta ? ledgerStats(this.sql, meta) : null;
	}
}

/** A batch's key within its broadcast: its shard and where its run of ids starts. */
export function batchKey(shard: number, run: IdRange): string {
	return `${shard}:${run.from}`;
}

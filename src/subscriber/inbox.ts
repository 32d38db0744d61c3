/** Events waiting for the user's handlers, in Viber's timestamp order, with retries and dead letters. */
import type { Callback } from "../viber/schemas/callbacks";
import type { EffectRecord } from "./effects";
import type { Sql } from "./schema";

export interface InboxEntry {
	seq: number;
	callback: Callback;
	attempts: number;
	dueAt: number;
	/** What earlier runs of this event already did (sends), for a retry to reuse. */
	effects: EffectRecord[];
}

/** An event whose handlers kept failing; kept for inspection, never silently dropped. */
export interface DeadLetter {
	seq: number;
	event: string;
	messageToken?: string;
	/** The callback as JSON, tokens as strings. */
	callback: string;
	attempts: number;
	error: string;
	deadAt: number;
}

type Row = Record<string, SqlStorageValue>;

/**
 * Every write goes through here, so the activation may know how many entries are live and,
 * when one was just queued into an empty inbox, that entry itself: the common case (one event,
 * nothing waiting) then runs without reading the inbox back.
 */
export class Inbox {
	/** Live entries, when known in this activation. */
	private live: number | undefined;
	/** The only live entry, when it was queued in this activation and has not run yet. */
	private only: InboxEntry | undefined;
	/** Set by `forget`: a database made in this activation may hold entries by now. */
	private forgotten = false;

	constructor(private readonly sql: Sql) {}

	/** Queues an event under Viber's timestamp `ts`: events waiting together run in that order. */
	push(callback: Callback, ts: number, now: number): void {
		const { seq } = this.sql
			.exec<{ seq: number }>(
				"INSERT INTO inbox (event, ts, due_at) VALUES (?, ?, ?) RETURNING seq",
				JSON.stringify(callback),
				ts,
				now,
			)
			.one();
		// A database made in this activation held no entry before this one (unless forgotten).
		if (this.live === undefined && this.sql.created && !this.forgotten) this.live = 0;
		if (this.live !== undefined) this.live += 1;
		this.only =
			this.live === 1 ? { seq, callback, attempts: 0, dueAt: now, effects: [] } : undefined;
	}

	/**
	 * The live entry that runs next: the earliest by Viber's timestamp, then by arrival. Later
	 * ones wait for it, also while it waits for a retry.
	 */
	head(): InboxEntry | undefined {
		if (this.live === 0) return undefined;
		if (this.live === 1 && this.only) return this.only;
		const row = this.sql
			.exec<Row>(
				`SELECT seq, event, attempts, due_at, effects,
				 (SELECT count(*) FROM inbox WHERE dead_at IS NULL) AS live
				 FROM inbox WHERE dead_at IS NULL ORDER BY ts, seq LIMIT 1`,
			)
			.toArray()[0];
		this.live = (row?.live as number | undefined) ?? 0;
		return (
			row && {
				seq: row.seq as number,
				callback: JSON.parse(row.event as string) as Callback,
				attempts: row.attempts as number,
				dueAt: row.due_at as number,
				effects: row.effects ? (JSON.parse(row.effects as string) as EffectRecord[]) : [],
			}
		);
	}

	/** Reads the inbox back next time instead of trusting what this activation knows. */
	forget(): void {
		this.forgotten = true;
		this.live = undefined;
		this.only = undefined;
	}

	/** An entry left the live ones (done or buried). */
	private gone(seq: number): void {
		if (this.live !== undefined) this.live -= 1;
		if (this.only?.seq === seq) this.only = undefined;
	}

	/** Keeps what a run did, the moment it did it, for the retries of the same event. */
	saveEffects(seq: number, effects: EffectRecord[]): void {
		this.sql.exec("UPDATE inbox SET effects = ? WHERE seq = ?", JSON.stringify(effects), seq);
	}

	done(seq: number): void {
		this.sql.exec("DELETE FROM inbox WHERE seq = ?", seq);
		this.gone(seq);
	}

	retryAt(seq: number, attempts: number, dueAt: number, error: string): void {
		if (this.only?.seq === seq) this.only = undefined;
		this.sql.exec(
			"UPDATE inbox SET attempts = ?, due_at = ?, error = ? WHERE seq = ?",
			attempts,
			dueAt,
			error,
			seq,
		);
	}

	bury(seq: number, attempts: number, error: string, now: number): void {
		this.sql.exec(
			"UPDATE inbox SET attempts = ?, error = ?, dead_at = ? WHERE seq = ?",
			attempts,
			error,
			now,
			seq,
		);
		this.gone(seq);
	}

	/** Records a failure that cannot be retried (a welcome is due now or never). */
	buryNew(callback: Callback, error: string, now: number): void {
		this.sql.exec(
			"INSERT INTO inbox (event, ts, attempts, due_at, dead_at, error) VALUES (?, ?, 1, ?, ?, ?)",
			JSON.stringify(callback),
			callback.timestamp ?? now,
			now,
			now,
			error,
		);
	}

	deadLetters(): DeadLetter[] {
		return this.sql
			.exec<Row>(
				"SELECT seq, event, attempts, error, dead_at FROM inbox WHERE dead_at IS NOT NULL ORDER BY seq",
			)
			.toArray()
			.map((row) => {
				const callback = JSON.parse(row.event as string) as Callback;
				return {
					seq: row.seq as number,
					event: callback.event,
					messageToken: callback.message_token,
					callback: row.event as string,
					attempts: row.attempts as number,
					error: String(row.error),
					deadAt: row.dead_at as number,
				};
			});
	}

	pending(): number {
		return this.sql
			.exec<{ n: number }>("SELECT count(*) AS n FROM inbox WHERE dead_at IS NULL")
			.one().n;
	}
}

/**
 * Per-user timers (`ctx.schedule`): stored in the user's Subscriber, fired by its alarm, so they
 * survive restarts; dropped when the user has unsubscribed by then.
 */
import { type Answer, toMessage } from "../framework/context";
import type { Sql } from "../subscriber/schema";
import { isRetryable } from "../viber/client";
import { NotSubscribedError } from "../viber/errors";
import { backoffDelay } from "../viber/retry";
import type { OutgoingMessage } from "../viber/schemas/messages";

/** Tries of a timer whose send fails with a retryable error. */
const MAX_ATTEMPTS = 5;
/** Furthest a timer may be set: a year. */
const MAX_DELAY_MS = 365 * 24 * 60 * 60 * 1000;

/** Made by the first `ctx.schedule` of a user: most users never get a timer. */
const TIMERS_TABLE = `
CREATE TABLE IF NOT EXISTS timers (
	id TEXT PRIMARY KEY, due_at INTEGER NOT NULL, message TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS timers_due ON timers (state, due_at);
`;

/** A timer waiting to fire. */
export interface PendingTimer {
	id: string;
	dueAt: number;
}

export class UserTimers {
	/** Whether the `timers` table exists, once known in this activation. */
	private exists: boolean | undefined;

	constructor(
		private readonly sql: Sql,
		private readonly storage: DurableObjectStorage,
	) {}

	/** False when this user never had a timer: then nothing needs reading. */
	private hasTable(): boolean {
		this.exists ??= this.sql.hasTable("timers");
		return this.exists;
	}

	/**
	 * Stores a timer that sends `message` at `when` (a Date, or a delay in ms); a timer with the
	 * same id is kept as it is. Returns the id.
	 */
	async schedule(when: Date | number, answer: Answer, id: string): Promise<string> {
		const now = Date.now();
		const dueAt = typeof when === "number" ? now + when : when.getTime();
		if (!Number.isFinite(dueAt) || dueAt - now > MAX_DELAY_MS) {
			throw new Error("ctx.schedule: give a delay in ms or a Date, at most a year ahead");
		}
		if (!this.hasTable()) {
			this.sql.exec(TIMERS_TABLE);
			this.exists = true;
		}
		this.sql.exec(
			"INSERT OR IGNORE INTO timers (id, due_at, message) VALUES (?, ?, ?)",
			id,
			dueAt,
			JSON.stringify(toMessage(answer)),
		);
		await this.wakeBy(dueAt);
		return id;
	}

	/** Cancels a pending timer; false when there is none with that id. */
	cancel(id: string): boolean {
		if (!this.hasTable()) return false;
		return (
			this.sql.exec("DELETE FROM timers WHERE id = ? AND state = 'pending'", id).rowsWritten > 0
		);
	}

	pending(): PendingTimer[] {
		if (!this.hasTable()) return [];
		return this.sql
			.exec<{ id: string; due_at: number }>(
				"SELECT id, due_at FROM timers WHERE state = 'pending' ORDER BY due_at",
			)
			.toArray()
			.map((r) => ({ id: r.id, dueAt: r.due_at }));
	}

	/** When the next pending timer is due, if any. */
	nextDue(): number | undefined {
		if (!this.hasTable()) return undefined;
		const row = this.sql
			.exec<{ at: number | null }>("SELECT min(due_at) AS at FROM timers WHERE state = 'pending'")
			.one();
		return row.at ?? undefined;
	}

	/** Makes sure the object's alarm rings by `dueAt`. */
	async wakeBy(dueAt: number): Promise<void> {
		const alarm = await this.storage.getAlarm();
		if (alarm === null || alarm > dueAt) await this.storage.setAlarm(dueAt);
	}

	/**
	 * Sends every due timer once: marked before the send and deleted after, so a timer caught
	 * mid-send by a crash is dropped (it may have gone out) rather than sent twice. Then sets the
	 * alarm for the next one.
	 */
	async fire(send: (message: OutgoingMessage) => Promise<unknown>): Promise<void> {
		if (!this.hasTable()) return;
		for (const stuck of this.sql.exec<{ id: string }>(
			"SELECT id FROM timers WHERE state = 'firing'",
		)) {
			console.error(`Timer ${stuck.id} was interrupted while sending; not sent again`);
		}
		this.sql.exec("DELETE FROM timers WHERE state = 'firing'");
		for (;;) {
			const due = this.sql
				.exec<{ id: string; message: string; attempts: number }>(
					"SELECT id, message, attempts FROM timers WHERE state = 'pending' AND due_at <= ? ORDER BY due_at LIMIT 1",
					Date.now(),
				)
				.toArray()[0];
			if (!due) break;
			this.sql.exec("UPDATE timers SET state = 'firing' WHERE id = ?", due.id);
			try {
				await send(JSON.parse(due.message) as OutgoingMessage);
				this.sql.exec("DELETE FROM timers WHERE id = ?", due.id);
			} catch (error) {
				if (isRetryable(error) && due.attempts + 1 < MAX_ATTEMPTS) {
					const at = Date.now() + backoffDelay(due.attempts + 1, 1_000, 60_000);
					this.sql.exec(
						"UPDATE timers SET state = 'pending', due_at = ?, attempts = attempts + 1 WHERE id = ?",
						at,
						due.id,
					);
					continue;
				}
				this.sql.exec("DELETE FROM timers WHERE id = ?", due.id);
				if (!(error instanceof NotSubscribedError))
					console.error(`Timer ${due.id} failed: ${error}`);
			}
		}
		const next = this.pending()[0];
		if (next) await this.wakeBy(next.dueAt);
	}
}

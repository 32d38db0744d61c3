/** Events waiting for the user's handlers, in arrival order, with retries and dead letters. */
import type { Callback } from "../viber/schemas/callbacks";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS inbox (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	event TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	due_at INTEGER NOT NULL,
	dead_at INTEGER,
	error TEXT
);
CREATE INDEX IF NOT EXISTS inbox_live ON inbox (dead_at, seq);
`;

export interface InboxEntry {
	seq: number;
	callback: Callback;
	attempts: number;
	dueAt: number;
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

export class Inbox {
	constructor(private readonly sql: SqlStorage) {
		sql.exec(SCHEMA);
	}

	push(callback: Callback, now: number): void {
		this.sql.exec("INSERT INTO inbox (event, due_at) VALUES (?, ?)", JSON.stringify(callback), now);
	}

	/** The oldest live entry: later ones wait for it, so handlers see events in arrival order. */
	head(): InboxEntry | undefined {
		const row = this.sql
			.exec<Row>(
				"SELECT seq, event, attempts, due_at FROM inbox WHERE dead_at IS NULL ORDER BY seq LIMIT 1",
			)
			.toArray()[0];
		return (
			row && {
				seq: row.seq as number,
				callback: JSON.parse(row.event as string) as Callback,
				attempts: row.attempts as number,
				dueAt: row.due_at as number,
			}
		);
	}

	done(seq: number): void {
		this.sql.exec("DELETE FROM inbox WHERE seq = ?", seq);
	}

	retryAt(seq: number, attempts: number, dueAt: number, error: string): void {
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
	}

	/** Records a failure that cannot be retried (a welcome is due now or never). */
	buryNew(callback: Callback, error: string, now: number): void {
		this.sql.exec(
			"INSERT INTO inbox (event, attempts, due_at, dead_at, error) VALUES (?, 1, ?, ?, ?)",
			JSON.stringify(callback),
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

/**
 * The `broadcast_message` calls the emulator answered, and their progress: how many receivers
 * got the message, which failed and why, and how many devices have delivered and seen it.
 */
import { keepNewest, type Row } from "./sql";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS broadcasts (
	seq INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL, message_token TEXT NOT NULL,
	at INTEGER NOT NULL, preview TEXT NOT NULL, receivers INTEGER NOT NULL, failed TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS broadcasts_by_token ON broadcasts (token, seq);
`;

/** Calls kept per token: a broadcast to a million users is 3,334 calls, the page shows the last. */
const KEPT_PER_TOKEN = 1000;
/** At most this many calls per answer of `list`. */
export const MAX_LISTED = 100;
const PREVIEW_CHARS = 80;

/**
 * One answered `broadcast_message` call (one `message_token`), as the chat page shows it.
 * `sent` receivers got the message in their chat; `delivered` counts those whose device has
 * delivered it (seen ones included), `seen` those who have seen it.
 */
export type BroadcastProgress = {
	message_token: string;
	at: number;
	/** The message's text (placeholders unreplaced) or its type, e.g. `[picture]`, shortened. */
	preview: string;
	receivers: number;
	sent: number;
	/** How many receivers `failed_list` held, by status (`"6"`: not subscribed, `"5"`: unknown). */
	failed: Record<string, number>;
	delivered: number;
	seen: number;
};

/** What `preview` shows of a message: its text, else its type in brackets. */
export function previewOf(message: Record<string, unknown>): string {
	const text = typeof message.text === "string" && message.text !== "" ? message.text : undefined;
	const shown = text ?? `[${typeof message.type === "string" ? message.type : "keyboard"}]`;
	return shown.length > PREVIEW_CHARS ? `${shown.slice(0, PREVIEW_CHARS - 1)}…` : shown;
}

/** Counts `failed_list` entries by their status. */
function countByStatus(failedList: { status: number }[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const { status } of failedList) counts[status] = (counts[status] ?? 0) + 1;
	return counts;
}

/**
 * The broadcasts table, next to the chat table it reads the receipts from: each receiver's copy
 * of a broadcast is a chat item under the call's `message_token`, whose status the receipts move.
 */
export class BroadcastBook {
	constructor(private readonly sql: SqlStorage) {
		sql.exec(SCHEMA);
	}

	/** Records an answered call, keeping only the latest KEPT_PER_TOKEN of the token. */
	record(
		token: string,
		call: {
			messageToken: string;
			message: Record<string, unknown>;
			receivers: number;
			failedList: { status: number }[];
		},
	): void {
		const { seq } = this.sql
			.exec<{ seq: number }>(
				"INSERT INTO broadcasts (token, message_token, at, preview, receivers, failed) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
				token,
				call.messageToken,
				Date.now(),
				previewOf(call.message),
				call.receivers,
				JSON.stringify(countByStatus(call.failedList)),
			)
			.one();
		// seq counts every token's calls: the cut is by this token's own newest rows.
		if (seq % 100 === 0) keepNewest(this.sql, "broadcasts", token, KEPT_PER_TOKEN);
	}

	/** The latest `limit` calls of a token, newest first, with their receipts counted. */
	list(token: string, limit: number): BroadcastProgress[] {
		// Each receiver's copy is an `out` chat item under the call's message_token (index chat_by_message).
		const rows = this.sql
			.exec<Row>(
				`SELECT b.*, count(c.seq) AS sent,
					coalesce(sum(c.status IN ('delivered', 'seen')), 0) AS delivered,
					coalesce(sum(c.status = 'seen'), 0) AS seen
				FROM (SELECT * FROM broadcasts WHERE token = ? ORDER BY seq DESC LIMIT ?) AS b
				LEFT JOIN chat AS c
					ON c.token = b.token AND c.message_token = b.message_token AND c.direction = 'out'
				GROUP BY b.seq ORDER BY b.seq DESC`,
				token,
				Math.min(Math.max(limit, 1), MAX_LISTED),
			)
			.toArray();
		return rows.map((r) => ({
			message_token: r.message_token as string,
			at: r.at as number,
			preview: r.preview as string,
			receivers: r.receivers as number,
			sent: r.sent as number,
			failed: JSON.parse(r.failed as string) as Record<string, number>,
			delivered: r.delivered as number,
			seen: r.seen as number,
		}));
	}

	/** Forgets one token's calls. */
	reset(token: string): void {
		this.sql.exec("DELETE FROM broadcasts WHERE token = ?", token);
	}
}

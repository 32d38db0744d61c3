/** The Subscriber's SQLite tables: profile and state, seen events, sent messages, session. */
import type { Callback, ViberUser } from "../viber/schemas/callbacks";
import type { SubscriptionState } from "./state";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS subscriber (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	user_id TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'unknown',
	state_at INTEGER NOT NULL DEFAULT 0,
	name TEXT, avatar TEXT, language TEXT, country TEXT, api_version INTEGER,
	first_seen_at INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	last_inbound_at INTEGER,
	session TEXT
);
CREATE TABLE IF NOT EXISTS seen_events (key TEXT PRIMARY KEY, at INTEGER NOT NULL, response TEXT);
CREATE TABLE IF NOT EXISTS sent_messages (
	token TEXT PRIMARY KEY,
	status TEXT NOT NULL,
	sent_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	detail TEXT
);
CREATE INDEX IF NOT EXISTS sent_messages_by_time ON sent_messages (sent_at);
`;

/** How long a callback's key is kept to recognise Viber's resends (they go on for an hour). */
export const DEDUPE_WINDOW_MS = 3 * 60 * 60 * 1000;
/** How long the status of a sent message is kept. */
export const SENT_MESSAGE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export type MessageStatus = "sent" | "delivered" | "seen" | "failed";

/** What the Subscriber knows of its user. */
export interface SubscriberProfile {
	userId: string;
	state: SubscriptionState;
	name?: string;
	avatar?: string;
	language?: string;
	country?: string;
	apiVersion?: number;
	firstSeenAt: number;
	lastSeenAt: number;
	/** Time of the user's last message: a 24-hour session is open until 24 h after it. */
	lastInboundAt?: number;
}

type Row = Record<string, SqlStorageValue>;
const optional = <T>(value: SqlStorageValue | undefined): T | undefined =>
	value === null || value === undefined ? undefined : (value as T);

export class SubscriberStore {
	constructor(private readonly sql: SqlStorage) {
		sql.exec(SCHEMA);
	}

	private row(): Row | undefined {
		return this.sql.exec<Row>("SELECT * FROM subscriber WHERE singleton = 1").toArray()[0];
	}

	profile(): SubscriberProfile | undefined {
		const r = this.row();
		if (!r) return undefined;
		return {
			userId: r.user_id as string,
			state: r.state as SubscriptionState,
			name: optional(r.name),
			avatar: optional(r.avatar),
			language: optional(r.language),
			country: optional(r.country),
			apiVersion: optional(r.api_version),
			firstSeenAt: r.first_seen_at as number,
			lastSeenAt: r.last_seen_at as number,
			lastInboundAt: optional(r.last_inbound_at),
		};
	}

	state(): SubscriptionState {
		return (this.row()?.state as SubscriptionState | undefined) ?? "unknown";
	}

	/** The user as handlers see it: the stored profile, refreshed by the latest event. */
	user(): ViberUser | undefined {
		const p = this.profile();
		if (!p) return undefined;
		return {
			id: p.userId,
			name: p.name,
			avatar: p.avatar,
			language: p.language,
			country: p.country,
			api_version: p.apiVersion,
		};
	}

	/** Creates the row when the bot learns of a user by sending to them; the user was not seen. */
	ensure(userId: string, now: number): void {
		this.sql.exec(
			"INSERT OR IGNORE INTO subscriber (singleton, user_id, first_seen_at, last_seen_at) VALUES (1, ?, ?, ?)",
			userId,
			now,
			now,
		);
	}

	/** Creates the row on first contact and records that the user was seen now. */
	touch(userId: string, now: number): void {
		this.sql.exec(
			`INSERT INTO subscriber (singleton, user_id, first_seen_at, last_seen_at) VALUES (1, ?, ?, ?)
			 ON CONFLICT (singleton) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
			userId,
			now,
			now,
		);
	}

	/** Keeps what Viber tells of the user; absent fields keep their stored value. */
	updateProfile(user: ViberUser): void {
		this.sql.exec(
			`UPDATE subscriber SET name = coalesce(?, name), avatar = coalesce(?, avatar),
			 language = coalesce(?, language), country = coalesce(?, country),
			 api_version = coalesce(?, api_version) WHERE singleton = 1`,
			user.name ?? null,
			user.avatar ?? null,
			user.language ?? null,
			user.country ?? null,
			user.api_version ?? null,
		);
	}

	noteInbound(at: number): void {
		this.sql.exec(
			"UPDATE subscriber SET last_inbound_at = max(coalesce(last_inbound_at, 0), ?)",
			at,
		);
	}

	/**
	 * Moves to `state` unless a newer event already decided it: a resent old `message` must not
	 * undo a later `unsubscribed`.
	 */
	setState(state: SubscriptionState, at: number): void {
		this.sql.exec(
			"UPDATE subscriber SET state = ?, state_at = ? WHERE singleton = 1 AND state_at <= ?",
			state,
			at,
			at,
		);
	}

	/** Records a callback key; false when it was already seen (a resend). */
	markSeen(key: string, now: number): boolean {
		const inserted = this.sql.exec(
			"INSERT OR IGNORE INTO seen_events (key, at) VALUES (?, ?)",
			key,
			now,
		);
		return inserted.rowsWritten > 0;
	}

	/** The answer given to a seen callback, to give it again to a resend. */
	seenResponse(key: string): string | undefined {
		const row = this.sql
			.exec<Row>("SELECT response FROM seen_events WHERE key = ?", key)
			.toArray()[0];
		return optional(row?.response);
	}

	saveSeenResponse(key: string, response: string): void {
		this.sql.exec("UPDATE seen_events SET response = ? WHERE key = ?", response, key);
	}

	recordSent(token: string, now: number): void {
		this.sql.exec(
			"INSERT OR IGNORE INTO sent_messages (token, status, sent_at, updated_at) VALUES (?, 'sent', ?, ?)",
			token,
			now,
			now,
		);
	}

	/** Applies a delivery receipt: sent → delivered → seen, or failed; never backwards. */
	applyReceipt(callback: Callback, now: number): void {
		if (callback.event === "delivered") {
			this.sql.exec(
				"UPDATE sent_messages SET status = 'delivered', updated_at = ? WHERE token = ? AND status = 'sent'",
				now,
				callback.message_token,
			);
		} else if (callback.event === "seen") {
			// One `seen` covers every earlier message: Viber sends it once per reading, not per message.
			// A token this object never sent (a broadcast, a purged one) is placed by the event's time.
			this.sql.exec(
				`UPDATE sent_messages SET status = 'seen', updated_at = ?
				 WHERE status IN ('sent', 'delivered')
				 AND sent_at <= coalesce((SELECT sent_at FROM sent_messages WHERE token = ?), ?)`,
				now,
				callback.message_token,
				callback.timestamp,
			);
		} else if (callback.event === "failed") {
			this.sql.exec(
				"UPDATE sent_messages SET status = 'failed', updated_at = ?, detail = ? WHERE token = ?",
				now,
				callback.desc ?? null,
				callback.message_token,
			);
		}
	}

	messageStatus(token: string): { status: MessageStatus; detail?: string } | undefined {
		const row = this.sql
			.exec<Row>("SELECT status, detail FROM sent_messages WHERE token = ?", token)
			.toArray()[0];
		return row && { status: row.status as MessageStatus, detail: optional(row.detail) };
	}

	loadSession<S>(): S | undefined {
		const raw = this.row()?.session;
		return typeof raw === "string" ? (JSON.parse(raw) as S) : undefined;
	}

	saveSession(json: string): void {
		this.sql.exec("UPDATE subscriber SET session = ? WHERE singleton = 1", json);
	}

	/** Forgets seen-event keys and message statuses past their windows. */
	purge(now: number): void {
		this.sql.exec("DELETE FROM seen_events WHERE at < ?", now - DEDUPE_WINDOW_MS);
		this.sql.exec("DELETE FROM sent_messages WHERE sent_at < ?", now - SENT_MESSAGE_TTL_MS);
	}
}

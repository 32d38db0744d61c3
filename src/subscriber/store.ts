/** The Subscriber's user row (profile, state, session), seen events and sent messages. */
import type { Callback, ViberUser } from "../viber/schemas/callbacks";
import type { Sql } from "./schema";
import { type SubscriptionState, stateAfter, stateRankSql } from "./state";

/** How long a callback's key is kept to recognise Viber's resends (they go on for an hour). */
export const DEDUPE_WINDOW_MS = 3 * 60 * 60 * 1000;
/** How long the status of a sent message is kept. */
export const SENT_MESSAGE_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Expired keys and statuses are swept at most this often per user. */
const PURGE_EVERY_MS = 60 * 60 * 1000;

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

/** A sent message as the Subscriber stored it. */
export interface SentRecord {
	status: MessageStatus;
	detail?: string;
	sentAt: number;
}

const RANK: Record<MessageStatus, number> = { sent: 0, delivered: 1, seen: 2, failed: 3 };

/**
 * A sent message's status from what was stored with it (objects of earlier versions stored
 * receipts there too) and what its receipts say: the furthest along wins, `failed` over all.
 */
export function laterStatus(
	sent: SentRecord,
	received: { status: MessageStatus; detail?: string } | null,
): { status: MessageStatus; detail?: string } {
	const stored = { status: sent.status, detail: sent.detail };
	const best = received && RANK[received.status] > RANK[stored.status] ? received : stored;
	return best.detail === undefined ? { status: best.status } : best;
}

type Row = Record<string, SqlStorageValue>;
const optional = <T>(value: SqlStorageValue | undefined): T | undefined =>
	value === null || value === undefined ? undefined : (value as T);

/**
 * Whether a state stamped `at` replaces the stored one: a later time wins; at the same
 * millisecond the state that ranks higher (leaving over staying) wins.
 */
const WINS = (state: string, at: string) =>
	`(${at} > state_at OR (${at} = state_at AND ${stateRankSql(state)} >= ${stateRankSql("state")}))`;

/**
 * One statement per event: creates the row on first contact, notes the visit, keeps what
 * Viber tells of the user (absent fields keep their value) and moves the state unless a newer
 * event decided it. ?1 user, ?2 now, ?3–?7 profile, ?8 last inbound, ?9 state, ?10 its time.
 */
const RECORD = `
INSERT INTO subscriber (singleton, user_id, first_seen_at, last_seen_at, name, avatar, language,
	country, api_version, last_inbound_at, state, state_at, purged_at)
VALUES (1, ?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, coalesce(?9, 'unknown'), iif(?9 IS NULL, 0, ?10), ?2)
ON CONFLICT (singleton) DO UPDATE SET
	last_seen_at = ?2,
	name = coalesce(?3, name), avatar = coalesce(?4, avatar), language = coalesce(?5, language),
	country = coalesce(?6, country), api_version = coalesce(?7, api_version),
	last_inbound_at = iif(?8 IS NULL, last_inbound_at, max(coalesce(last_inbound_at, 0), ?8)),
	state = iif(?9 IS NOT NULL AND ${WINS("?9", "?10")}, ?9, state),
	state_at = iif(?9 IS NOT NULL AND ${WINS("?9", "?10")}, ?10, state_at)
RETURNING *`;

/** The profile a callback carries, if any. */
function userIn(callback: Callback): ViberUser | undefined {
	switch (callback.event) {
		case "message":
			return callback.sender;
		case "subscribed":
		case "conversation_started":
		case "client_status":
			return callback.user;
		default:
			return undefined;
	}
}

/** The subscriber row, cached for the activation: every write to it goes through here. */
export class SubscriberStore {
	private cached: Row | undefined;
	/** The last roster version handed out in this activation, its write maybe still in flight. */
	private rosterVersionIssued = 0;

	constructor(private readonly sql: Sql) {}

	private row(): Row | undefined {
		this.cached ??= this.sql.exec<Row>("SELECT * FROM subscriber").toArray()[0];
		return this.cached;
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

	/** Records what one event tells of the user: visit, profile, last message, state (§3.5). */
	record(userId: string, callback: Callback, now: number): void {
		const user = userIn(callback);
		const state = stateAfter(callback) ?? null;
		this.cached = this.sql
			.exec<Row>(
				RECORD,
				userId,
				now,
				user?.name ?? null,
				user?.avatar ?? null,
				user?.language ?? null,
				user?.country ?? null,
				user?.api_version ?? null,
				callback.event === "message" ? callback.timestamp : null,
				state,
				callback.timestamp ?? now,
			)
			.one();
	}

	/** Creates the row when the bot learns of a user by sending to them; the user was not seen. */
	ensure(userId: string, now: number): void {
		if (this.row()) return;
		this.cached = this.sql
			.exec<Row>(
				`INSERT INTO subscriber (singleton, user_id, first_seen_at, last_seen_at) VALUES (1, ?, ?, ?)
				 ON CONFLICT (singleton) DO UPDATE SET user_id = user_id RETURNING *`,
				userId,
				now,
				now,
			)
			.one();
	}

	/**
	 * A state learned from Viber's API (status 5 or 6), which carries no Viber timestamp: it is
	 * stamped no earlier than the state it replaces, so it wins over every event already applied
	 * and loses only to events Viber stamped later (the user came back).
	 */
	learn(userId: string, state: SubscriptionState, now: number): void {
		this.cached = this.sql
			.exec<Row>(
				`INSERT INTO subscriber (singleton, user_id, first_seen_at, last_seen_at, state, state_at)
				 VALUES (1, ?1, ?2, ?2, ?3, ?2)
				 ON CONFLICT (singleton) DO UPDATE SET
				 state = iif(${WINS("?3", "max(state_at, ?2)")}, ?3, state),
				 state_at = max(state_at, ?2)
				 RETURNING *`,
				userId,
				now,
				state,
			)
			.one();
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

	/** A message this object sent: its status as stored (receipts live elsewhere) and time. */
	sentMessage(token: string): SentRecord | undefined {
		const row = this.sql
			.exec<Row>("SELECT status, detail, sent_at FROM sent_messages WHERE token = ?", token)
			.toArray()[0];
		return (
			row && {
				status: row.status as MessageStatus,
				detail: optional(row.detail),
				sentAt: row.sent_at as number,
			}
		);
	}

	loadSession<S>(): S | undefined {
		const raw = this.row()?.session;
		return typeof raw === "string" ? (JSON.parse(raw) as S) : undefined;
	}

	saveSession(json: string): void {
		this.sql.exec("UPDATE subscriber SET session = ?", json);
		if (this.cached) this.cached = { ...this.cached, session: json };
	}

	/** What the roster was last told of this user (JSON), if the write went through. */
	rosterSynced(): string | undefined {
		return optional(this.row()?.roster_synced);
	}

	/**
	 * The version for the next roster write: the clock, and above every version used before, so
	 * a slower earlier write cannot overwrite a later one. Nothing is stored before the write.
	 */
	nextRosterVersion(now: number): number {
		const last = optional<number>(this.row()?.roster_version) ?? 0;
		// Two writes in flight at once within one millisecond must not share a version either:
		// the roster keeps the first of equal versions.
		const version = Math.max(now, last + 1, this.rosterVersionIssued + 1);
		this.rosterVersionIssued = version;
		return version;
	}

	/** The roster took `snapshot` as `version`, unless a later version was taken meanwhile. */
	rosterSyncedAs(snapshot: string, version: number): void {
		const { rowsWritten } = this.sql.exec(
			"UPDATE subscriber SET roster_synced = ?, roster_version = ? WHERE roster_version < ?",
			snapshot,
			version,
			version,
		);
		if (rowsWritten > 0 && this.cached) {
			this.cached = { ...this.cached, roster_synced: snapshot, roster_version: version };
		}
	}

	/** Forgets seen-event keys and message statuses past their windows, at most once an hour. */
	purge(now: number): void {
		const row = this.row();
		if (row && now - (row.purged_at as number) < PURGE_EVERY_MS) return;
		this.sql.exec("DELETE FROM seen_events WHERE at < ?", now - DEDUPE_WINDOW_MS);
		this.sql.exec("DELETE FROM sent_messages WHERE sent_at < ?", now - SENT_MESSAGE_TTL_MS);
		if (!row) return;
		this.sql.exec("UPDATE subscriber SET purged_at = ?", now);
		this.cached = { ...row, purged_at: now };
	}
}

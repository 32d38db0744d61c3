/** The emulator's SQLite tables: users, chats, webhooks, settings, and callbacks due later. */
import { json, opt, parsed, type Row } from "./sql";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS unsubscribed (token TEXT NOT NULL, receiver TEXT NOT NULL, PRIMARY KEY (token, receiver));
CREATE TABLE IF NOT EXISTS users (
	token TEXT NOT NULL, id TEXT NOT NULL, profile TEXT NOT NULL, subscribed INTEGER NOT NULL DEFAULT 0,
	tracking_data TEXT, created_at INTEGER NOT NULL, PRIMARY KEY (token, id)
);
CREATE TABLE IF NOT EXISTS webhooks (token TEXT PRIMARY KEY, config TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (token TEXT PRIMARY KEY, settings TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chat (
	seq INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL, user_id TEXT NOT NULL, at INTEGER NOT NULL,
	direction TEXT NOT NULL, message TEXT, message_token TEXT, status TEXT, text TEXT
);
CREATE INDEX IF NOT EXISTS chat_by_user ON chat (token, user_id, seq);
CREATE INDEX IF NOT EXISTS chat_by_message ON chat (token, message_token);
CREATE TABLE IF NOT EXISTS outbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL, due_at INTEGER NOT NULL,
	attempt INTEGER NOT NULL DEFAULT 0, kind TEXT NOT NULL, payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (due_at);
`;

/** Stands for "every token" in unsubscribe marks made without one. */
const ANY_TOKEN = "*";

export type Webhook = {
	url: string;
	event_types: string[];
	send_name: boolean;
	send_photo: boolean;
};
export type Profile = {
	name: string;
	avatar?: string;
	language: string;
	country: string;
	api_version: number;
	phone: string;
};
export type EmulatedUser = Profile & { id: string; subscribed: boolean };
export type ChatItem = {
	seq: number;
	at: number;
	user_id: string;
	direction: "in" | "out" | "event";
	message?: Record<string, unknown>;
	message_token?: string;
	status?: "sent" | "delivered" | "seen" | "failed";
	text?: string;
};
export type OutboxEntry = {
	id: number;
	token: string;
	attempt: number;
	kind: string;
	payload: string;
};

export class EmulatorStore {
	constructor(private readonly sql: SqlStorage) {
		sql.exec(SCHEMA);
	}

	private rows(query: string, ...bindings: SqlStorageValue[]): Row[] {
		return this.sql.exec<Row>(query, ...bindings).toArray();
	}

	// --- subscription: emulated users, and receivers marked unsubscribed by tests ---

	markUnsubscribed(receiver: string, unsubscribed: boolean, token?: string): void {
		if (unsubscribed) {
			this.sql.exec(
				"INSERT OR IGNORE INTO unsubscribed (token, receiver) VALUES (?, ?)",
				token ?? ANY_TOKEN,
				receiver,
			);
		} else if (token !== undefined) {
			this.sql.exec("DELETE FROM unsubscribed WHERE token = ? AND receiver = ?", token, receiver);
		} else {
			this.sql.exec("DELETE FROM unsubscribed WHERE receiver = ?", receiver);
		}
	}

	/** Whether a test marked the receiver unsubscribed (`/_fake/unsubscribe`), for this token or all. */
	isMarkedUnsubscribed(token: string, receiver: string): boolean {
		const marked = this.rows(
			"SELECT 1 FROM unsubscribed WHERE receiver = ? AND token IN (?, ?)",
			receiver,
			token,
			ANY_TOKEN,
		);
		return marked.length > 0;
	}

	addUser(token: string, id: string, profile: Profile): EmulatedUser {
		this.sql.exec(
			"INSERT INTO users (token, id, profile, created_at) VALUES (?, ?, ?, ?)",
			token,
			id,
			JSON.stringify(profile),
			Date.now(),
		);
		return { id, ...profile, subscribed: false };
	}

	user(token: string, id: string): EmulatedUser | undefined {
		const [row] = this.rows("SELECT * FROM users WHERE token = ? AND id = ?", token, id);
		return (
			row && {
				id,
				...(JSON.parse(row.profile as string) as Profile),
				subscribed: row.subscribed === 1,
			}
		);
	}

	users(token: string): EmulatedUser[] {
		return this.rows("SELECT * FROM users WHERE token = ? ORDER BY created_at", token).map(
			(row) => ({
				id: row.id as string,
				...(JSON.parse(row.profile as string) as Profile),
				subscribed: row.subscribed === 1,
			}),
		);
	}

	setUserSubscribed(token: string, id: string, subscribed: boolean): void {
		this.sql.exec(
			"UPDATE users SET subscribed = ? WHERE token = ? AND id = ?",
			subscribed ? 1 : 0,
			token,
			id,
		);
	}

	/** The bot's last `tracking_data` to a user, echoed in the user's next message (§2.2). */
	trackingData(token: string, id: string): string | undefined {
		return opt(
			this.rows("SELECT tracking_data FROM users WHERE token = ? AND id = ?", token, id)[0]
				?.tracking_data,
		);
	}

	setTrackingData(token: string, id: string, value: string | undefined): void {
		this.sql.exec(
			"UPDATE users SET tracking_data = ? WHERE token = ? AND id = ?",
			value ?? null,
			token,
			id,
		);
	}

	countSubscribed(token: string): number {
		return this.sql
			.exec<{ n: number }>(
				"SELECT count(*) AS n FROM users WHERE token = ? AND subscribed = 1",
				token,
			)
			.one().n;
	}

	// --- webhook and settings ---

	setWebhook(token: string, webhook: Webhook | undefined): void {
		if (webhook)
			this.sql.exec(
				"INSERT OR REPLACE INTO webhooks (token, config) VALUES (?, ?)",
				token,
				JSON.stringify(webhook),
			);
		else this.sql.exec("DELETE FROM webhooks WHERE token = ?", token);
	}

	webhook(token: string): Webhook | undefined {
		const [row] = this.rows("SELECT config FROM webhooks WHERE token = ?", token);
		return row && (JSON.parse(row.config as string) as Webhook);
	}

	settingsJson(token: string): string | undefined {
		return opt(this.rows("SELECT settings FROM settings WHERE token = ?", token)[0]?.settings);
	}

	saveSettings(token: string, settings: unknown): void {
		this.sql.exec(
			"INSERT OR REPLACE INTO settings (token, settings) VALUES (?, ?)",
			token,
			JSON.stringify(settings),
		);
	}

	// --- chats ---

	addChatItem(token: string, item: Omit<ChatItem, "seq" | "at">): ChatItem {
		const at = Date.now();
		const { seq } = this.sql
			.exec<{ seq: number }>(
				"INSERT INTO chat (token, user_id, at, direction, message, message_token, status, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
				token,
				item.user_id,
				at,
				item.direction,
				json(item.message),
				item.message_token ?? null,
				item.status ?? null,
				item.text ?? null,
			)
			.one();
		return { ...item, seq, at };
	}

	chat(token: string, userId: string, after: number): ChatItem[] {
		return this.rows(
			"SELECT * FROM chat WHERE token = ? AND user_id = ? AND seq > ? ORDER BY seq",
			token,
			userId,
			after,
		).map((r) => ({
			seq: r.seq as number,
			at: r.at as number,
			user_id: r.user_id as string,
			direction: r.direction as ChatItem["direction"],
			message: parsed(r.message) as Record<string, unknown> | undefined,
			message_token: opt(r.message_token),
			status: opt(r.status),
			text: opt(r.text),
		}));
	}

	/**
	 * The keyboard the user sees: the one of the bot's latest message, `null` when that message
	 * has none (Viber hides the keyboard then) or the bot sent nothing yet.
	 */
	currentKeyboard(token: string, userId: string): Record<string, unknown> | null {
		const [row] = this.rows(
			"SELECT message FROM chat WHERE token = ? AND user_id = ? AND direction = 'out' ORDER BY seq DESC LIMIT 1",
			token,
			userId,
		);
		const message = parsed(row?.message) as { keyboard?: Record<string, unknown> } | undefined;
		return message?.keyboard ?? null;
	}

	/** Moves a sent message's status forward (never back): sent → delivered → seen. */
	setChatStatus(
		token: string,
		messageToken: string,
		userId: string,
		status: "delivered" | "seen",
	): void {
		const from = status === "delivered" ? "('sent')" : "('sent', 'delivered')";
		this.sql.exec(
			`UPDATE chat SET status = ? WHERE token = ? AND message_token = ? AND user_id = ? AND status IN ${from}`,
			status,
			token,
			messageToken,
			userId,
		);
	}

	// --- outbox: callbacks due later (receipts, resends, held-back ones) ---

	schedule(token: string, dueAt: number, kind: string, payload: unknown, attempt = 0): void {
		this.sql.exec(
			"INSERT INTO outbox (token, due_at, attempt, kind, payload) VALUES (?, ?, ?, ?, ?)",
			token,
			dueAt,
			attempt,
			kind,
			JSON.stringify(payload),
		);
	}

	/** Takes the entries due by `now` out of the outbox. */
	takeDue(now: number): OutboxEntry[] {
		const due = this.rows(
			"SELECT * FROM outbox WHERE due_at <= ? ORDER BY due_at, id LIMIT 100",
			now,
		);
		for (const row of due) this.sql.exec("DELETE FROM outbox WHERE id = ?", row.id as number);
		return due.map((r) => ({
			id: r.id as number,
			token: r.token as string,
			attempt: r.attempt as number,
			kind: r.kind as string,
			payload: r.payload as string,
		}));
	}

	nextDue(): number | undefined {
		return opt(this.rows("SELECT min(due_at) AS due FROM outbox")[0]?.due);
	}

	/** Forgets everything of one token. */
	reset(token: string): void {
		for (const table of ["unsubscribed", "users", "webhooks", "settings", "chat", "outbox"]) {
			this.sql.exec(`DELETE FROM ${table} WHERE token = ?`, token);
		}
	}
}

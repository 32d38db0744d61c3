/** The Subscriber's SQLite tables, created or brought up to date the first time a statement needs them. */

const TABLES = `
CREATE TABLE IF NOT EXISTS subscriber (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	user_id TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'unknown',
	state_at INTEGER NOT NULL DEFAULT 0,
	name TEXT, avatar TEXT, language TEXT, country TEXT, api_version INTEGER,
	first_seen_at INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	last_inbound_at INTEGER,
	session TEXT,
	purged_at INTEGER NOT NULL DEFAULT 0
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
CREATE TABLE IF NOT EXISTS inbox (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	event TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	due_at INTEGER NOT NULL,
	dead_at INTEGER,
	error TEXT,
	ts INTEGER NOT NULL DEFAULT 0,
	effects TEXT
);
DROP INDEX IF EXISTS inbox_live;
CREATE INDEX IF NOT EXISTS inbox_order ON inbox (dead_at, ts, seq);
CREATE TABLE IF NOT EXISTS roster_sync (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1), version INTEGER NOT NULL, synced TEXT
);
CREATE TABLE IF NOT EXISTS timers (
	id TEXT PRIMARY KEY, due_at INTEGER NOT NULL, message TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS timers_due ON timers (state, due_at);
`;

/** Columns added after the first release; objects created before get them on first use. */
const ADDED_COLUMNS: [table: string, column: string, definition: string][] = [
	["subscriber", "purged_at", "INTEGER NOT NULL DEFAULT 0"],
	["inbox", "ts", "INTEGER NOT NULL DEFAULT 0"],
	["inbox", "effects", "TEXT"],
];

const MISSING = /no such (table|column)/;

/**
 * `SqlStorage.exec` that creates the schema lazily: no DDL runs on the common path, where
 * every table exists. A statement that fails for a missing table or column migrates the
 * database and runs once more.
 */
export class Sql {
	private migrated = false;

	constructor(private readonly sql: SqlStorage) {}

	exec<T extends Record<string, SqlStorageValue>>(
		query: string,
		...bindings: unknown[]
	): SqlStorageCursor<T> {
		try {
			return this.sql.exec<T>(query, ...bindings);
		} catch (error) {
			const missing = MISSING.exec(String(error));
			if (this.migrated || !missing) throw error;
			this.migrate(missing[1] === "column");
			return this.sql.exec<T>(query, ...bindings);
		}
	}

	/** A fresh database gets the tables; one from an earlier version also its new columns. */
	private migrate(addColumns: boolean): void {
		this.migrated = true;
		for (const [table, column, definition] of addColumns ? ADDED_COLUMNS : []) {
			const columns = this.sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray();
			if (columns.length > 0 && !columns.some((c) => c.name === column)) {
				this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
			}
		}
		this.sql.exec(TABLES);
	}
}

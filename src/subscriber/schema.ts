/** The Subscriber's SQLite tables, created or brought up to date the first time a statement needs them. */

/**
 * What a new user's object creates on its first event: four tables and no index (a user's rows
 * are few), because every schema object costs a fresh object about 0.1 ms of CPU. Tables keyed
 * by text are WITHOUT ROWID (one B-tree to write, not two); the inbox's seq is a plain rowid
 * (AUTOINCREMENT would write `sqlite_sequence` on every event). Timers make their own table when
 * first scheduled (`src/proactive/timers.ts`).
 */
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
	purged_at INTEGER NOT NULL DEFAULT 0,
	roster_version INTEGER NOT NULL DEFAULT 0,
	roster_synced TEXT
);
CREATE TABLE IF NOT EXISTS seen_events (
	key TEXT PRIMARY KEY, at INTEGER NOT NULL, response TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sent_messages (
	token TEXT PRIMARY KEY,
	status TEXT NOT NULL,
	sent_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	detail TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inbox (
	seq INTEGER PRIMARY KEY,
	event TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	due_at INTEGER NOT NULL,
	dead_at INTEGER,
	error TEXT,
	ts INTEGER NOT NULL DEFAULT 0,
	effects TEXT
);
`;

/** Columns added after the first release; objects created before get them on first use. */
const ADDED_COLUMNS: [table: string, column: string, definition: string][] = [
	["subscriber", "purged_at", "INTEGER NOT NULL DEFAULT 0"],
	["subscriber", "roster_version", "INTEGER NOT NULL DEFAULT 0"],
	["subscriber", "roster_synced", "TEXT"],
	["inbox", "ts", "INTEGER NOT NULL DEFAULT 0"],
	["inbox", "effects", "TEXT"],
];

/** Then the rest of an earlier version's shape: its roster record moves into the user row. */
const UPGRADE = `
UPDATE subscriber SET roster_version = coalesce((SELECT version FROM roster_sync), 0),
	roster_synced = (SELECT synced FROM roster_sync);
DROP TABLE roster_sync;
`;

const MISSING = /no such (table|column)/;

/**
 * `SqlStorage.exec` that creates the schema lazily: no DDL runs on the common path, where
 * every table exists. A statement that fails for a missing table or column migrates the
 * database and runs once more.
 */
export class Sql {
	private migrated = false;
	/** Whether this activation made the tables: the database was new, so it holds nothing else. */
	created = false;

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

	/** Whether `table` exists; false without asking while the database is the one just made. */
	hasTable(table: string): boolean {
		if (this.created) return false;
		const found = this.sql.exec(
			"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
			table,
		);
		return found.toArray().length > 0;
	}

	/** A fresh database gets the tables; one from an earlier version also its new columns. */
	private migrate(addColumns: boolean): void {
		this.migrated = true;
		if (!addColumns) {
			this.sql.exec(TABLES);
			this.created = true;
			return;
		}
		for (const [table, column, definition] of ADDED_COLUMNS) {
			const columns = this.sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray();
			if (columns.length > 0 && !columns.some((c) => c.name === column)) {
				this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
			}
		}
		this.sql.exec(TABLES);
		if (this.hasTable("roster_sync")) this.sql.exec(UPGRADE);
	}
}

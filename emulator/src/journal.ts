/** The emulator's journal: every API call and callback with its answer, and scripted faults. */
import { json, keepNewest, opt, parsed, type Row } from "./sql";
import type { FaultRule, RecordedRequest, RequestFilter } from "./types";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
	seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, token TEXT NOT NULL,
	name TEXT NOT NULL, user_id TEXT, addressees TEXT NOT NULL DEFAULT '[]',
	request TEXT, raw_request TEXT, response TEXT, status INTEGER, rejected INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS log_by_token ON log (token, kind, seq);
CREATE TABLE IF NOT EXISTS faults (id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL, left INTEGER NOT NULL);
`;

/** Log entries kept per token; older ones are dropped so a long `npm run dev` stays small. */
const MAX_LOG_PER_TOKEN = 10_000;

export type LogEntry = {
	seq: number;
	at: number;
	kind: "api" | "callback";
	name: string;
	user_id?: string;
	request: unknown;
	response: unknown;
	status: number;
	rejected: boolean;
};

export class Journal {
	constructor(private readonly sql: SqlStorage) {
		sql.exec(SCHEMA);
	}

	private rows(query: string, ...bindings: SqlStorageValue[]): Row[] {
		return this.sql.exec<Row>(query, ...bindings).toArray();
	}

	record(
		entry: Omit<LogEntry, "seq" | "at" | "rejected"> & {
			token: string;
			addressees?: string[];
			rawRequest?: string;
		},
	): number {
		const rejected = entry.kind === "api" ? entry.status !== 0 : entry.status !== 200;
		const cursor = this.sql.exec(
			`INSERT INTO log (at, kind, token, name, user_id, addressees, request, raw_request, response, status, rejected)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			Date.now(),
			entry.kind,
			entry.token,
			entry.name,
			entry.user_id ?? null,
			JSON.stringify(entry.addressees ?? []),
			json(entry.request),
			entry.rawRequest ?? null,
			json(entry.response),
			entry.status,
			rejected ? 1 : 0,
		);
		const seq = cursor.one().seq as number;
		if (seq % 500 === 0) {
			keepNewest(this.sql, "log", entry.token, MAX_LOG_PER_TOKEN);
		}
		return seq;
	}

	/** Completes a logged API call with its answer. */
	answer(seq: number, response: unknown, status: number): void {
		this.sql.exec(
			"UPDATE log SET response = ?, status = ?, rejected = ? WHERE seq = ?",
			json(response),
			status,
			status !== 0 ? 1 : 0,
			seq,
		);
	}

	entries(token: string, after: number, limit = 200): LogEntry[] {
		return this.rows(
			"SELECT * FROM log WHERE token = ? AND seq > ? ORDER BY seq LIMIT ?",
			token,
			after,
			limit,
		).map((r) => ({
			seq: r.seq as number,
			at: r.at as number,
			kind: r.kind as LogEntry["kind"],
			name: r.name as string,
			user_id: opt(r.user_id),
			request: parsed(r.request) ?? r.raw_request,
			response: parsed(r.response),
			status: r.status as number,
			rejected: r.rejected === 1,
		}));
	}

	/** Recorded API requests for the test controls, oldest first. */
	requests(filter: RequestFilter): RecordedRequest[] {
		const where = ["kind = 'api'"];
		const bindings: SqlStorageValue[] = [];
		if (filter.token !== undefined) where.push("token = ?") && bindings.push(filter.token);
		if (filter.endpoint !== undefined) where.push("name = ?") && bindings.push(filter.endpoint);
		if (filter.receiver !== undefined) {
			where.push("EXISTS (SELECT 1 FROM json_each(addressees) WHERE value = ?)");
			bindings.push(filter.receiver);
		}
		return this.rows(
			`SELECT * FROM log WHERE ${where.join(" AND ")} ORDER BY seq`,
			...bindings,
		).map((r) => ({
			id: r.seq as number,
			at: r.at as number,
			endpoint: r.name as RecordedRequest["endpoint"],
			token: r.token as string,
			body: (parsed(r.request) as Record<string, unknown> | undefined) ?? {},
			...(r.raw_request !== null ? { rawBody: r.raw_request as string } : {}),
		}));
	}

	addFault(rule: FaultRule): void {
		this.sql.exec(
			"INSERT INTO faults (rule, left) VALUES (?, ?)",
			JSON.stringify(rule),
			rule.times ?? 1,
		);
	}

	/** The oldest fault matching the request, used up by one. */
	takeFault(matches: (rule: FaultRule) => boolean): FaultRule | undefined {
		for (const row of this.rows("SELECT id, rule FROM faults ORDER BY id")) {
			const rule = JSON.parse(row.rule as string) as FaultRule;
			if (!matches(rule)) continue;
			this.sql.exec("UPDATE faults SET left = left - 1 WHERE id = ?", row.id as number);
			this.sql.exec("DELETE FROM faults WHERE left <= 0");
			return rule;
		}
		return undefined;
	}

	/** Forgets one token's entries and faults. */
	reset(token: string): void {
		this.sql.exec("DELETE FROM log WHERE token = ?", token);
		for (const row of this.rows("SELECT id, rule FROM faults")) {
			if ((JSON.parse(row.rule as string) as FaultRule).token === token) {
				this.sql.exec("DELETE FROM faults WHERE id = ?", row.id as number);
			}
		}
	}
}

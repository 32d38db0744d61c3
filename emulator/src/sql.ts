/** Small helpers for the emulator's SQLite rows. */
import { parseJson, stringifyJson } from "../../src/viber/json";

export type Row = Record<string, SqlStorageValue>;

/** JSON text for a column, message tokens kept exact; null for undefined. */
export const json = (value: unknown) => (value === undefined ? null : stringifyJson(value));
/** The value of a JSON column, message tokens kept exact. */
export const parsed = (text: SqlStorageValue | undefined) =>
	typeof text === "string" ? parseJson(text) : undefined;
/** A nullable column as an optional value. */
export const opt = <T>(v: SqlStorageValue | undefined) =>
	v === null || v === undefined ? undefined : (v as T);

/**
 * Keeps a token's newest `keep` rows of `table` (which has `token` and an increasing `seq`),
 * whatever other tokens wrote meanwhile.
 */
export function keepNewest(sql: SqlStorage, table: string, token: string, keep: number): void {
	sql.exec(
		`DELETE FROM ${table} WHERE token = ? AND seq <= (SELECT seq FROM ${table} WHERE token = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
		token,
		token,
		keep,
	);
}

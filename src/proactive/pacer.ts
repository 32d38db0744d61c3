/**
 * The BroadcastPacer: one Durable Object for the whole bot that hands out times for
 * `broadcast_message` calls, so that no window of 10 s holds more than the allowed calls
 * whatever the number of queue consumers.
 */
import { SqlObject } from "./sql-object";

/** Viber's window for the broadcast rate (viber-api.md §4). */
export const WINDOW_MS = 10_000;
/**
 * Slack on top of the window: a call goes out a little after its time (the answer from this
 * object travels back first), and an early call that is late must not squeeze the window.
 */
export const MARGIN_MS = 1_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ring (slot INTEGER PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS counter (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), n INTEGER NOT NULL, last INTEGER NOT NULL);
`;

export class PacerObject extends SqlObject {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env, SCHEMA);
	}

	/**
	 * Reserves the next call time: no earlier than now, than the previous reservation, nor than
	 * one window (plus margin) after the reservation `limit` calls back. Returns that time (epoch
	 * ms). The times live in SQLite, so a restart of the object keeps the limit.
	 */
	async reserve(limit: number): Promise<number> {
		const now = Date.now();
		const counter = this.sql
			.exec<{ n: number; last: number }>("SELECT n, last FROM counter")
			.toArray()[0];
		const n = counter?.n ?? 0;
		const slot = n % limit;
		const previous = this.sql
			.exec<{ at: number }>("SELECT at FROM ring WHERE slot = ?", slot)
			.toArray()[0];
		const at = Math.max(
			now,
			counter?.last ?? 0,
			previous ? previous.at + WINDOW_MS + MARGIN_MS : 0,
		);
		this.sql.exec("INSERT OR REPLACE INTO ring (slot, at) VALUES (?, ?)", slot, at);
		this.sql.exec(
			"INSERT OR REPLACE INTO counter (singleton, n, last) VALUES (1, ?, ?)",
			n + 1,
			at,
		);
		return at;
	}
}

/** Calls per window from `BROADCAST_CALLS_PER_10S` (default 500); 0 turns pacing off. */
export function callsPerWindow(env: { BROADCAST_CALLS_PER_10S?: string }): number {
	const raw = env.BROADCAST_CALLS_PER_10S;
	const n = raw === undefined || raw === "" ? 500 : Number(raw);
	if (!Number.isInteger(n) || n < 0) {
		throw new Error(`BROADCAST_CALLS_PER_10S must be a whole number (0 = no pacing), not "${raw}"`);
	}
	return n;
}

/** Reserves this bot's next broadcast slot: its time (epoch ms), or undefined without pacing. */
export async function reserveSlot(env: Env): Promise<number | undefined> {
	const limit = callsPerWindow(env);
	if (limit === 0) return undefined;
	return env.PACER.getByName("broadcast").reserve(limit);
}

/** Waits until `at` (epoch ms), if it is still ahead. */
export async function sleepUntil(at: number | undefined): Promise<void> {
	const wait = at === undefined ? 0 : at - Date.now();
	if (wait > 0) await scheduler.wait(wait);
}

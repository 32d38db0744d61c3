/**
 * The BroadcastPacer: one Durable Object for the whole bot that hands out times for
 * `broadcast_message` calls, so that no window of 10 s holds more than the allowed calls
 * whatever the number of queue consumers.
 */
import { SqlObject } from "./sql-object";

/** Viber's window for the broadcast rate (viber-api.md §4). */
export const WINDOW_MS = 10_000;
/**
 * How late after its time a call may still leave; a later one takes a new time (`departInGroups`).
 * So every call leaves within this of its time, whatever held it up (a busy consumer, a slow
 * answer from this object). A call that misses it costs a window, so it is not too tight.
 */
export const LATE_MS = 200;
/** What a call's way to Viber (or the clocks of two machines) may differ from another's. */
export const TRANSIT_MS = 100;
/**
 * Slack on top of the window: a call may leave up to `LATE_MS` after its time, and reach Viber
 * up to `TRANSIT_MS` later than the call `limit` earlier would have; neither squeezes a window.
 */
export const MARGIN_MS = LATE_MS + TRANSIT_MS;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ring (slot INTEGER PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS counter (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), n INTEGER NOT NULL, last INTEGER NOT NULL);
`;

/** Most lead a late call asks for its new time, however late it was. */
const MAX_LEAD_MS = 1_000;

/** Most times one `reserve` hands out: a consumer's delivery of batches. */
export const MAX_RESERVE = 1000;

export class PacerObject extends SqlObject {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env, SCHEMA);
	}

	/**
	 * Reserves the next `count` call times, in order: each no earlier than `earliest` (epoch ms,
	 * default now), than the previous reservation, nor than one window plus margin after the
	 * reservation `limit` calls back. The times live in SQLite, so a restart of the object keeps
	 * the limit; one call reserves for a whole delivery of batches.
	 */
	async reserve(limit: number, count = 1, earliest = 0): Promise<number[]> {
		if (!Number.isInteger(limit) || limit < 1) throw new Error(`reserve: bad limit ${limit}`);
		if (!Number.isInteger(count) || count < 1 || count > MAX_RESERVE) {
			throw new Error(`reserve: 1 to ${MAX_RESERVE} times a call, not ${count}`);
		}
		const counter = this.sql
			.exec<{ n: number; last: number }>("SELECT n, last FROM counter")
			.toArray()[0];
		let n = counter?.n ?? 0;
		let last = Math.max(Date.now(), earliest, counter?.last ?? 0);
		const times: number[] = [];
		for (let i = 0; i < count; i++, n++) {
			const slot = n % limit;
			const previous = this.sql
				.exec<{ at: number }>("SELECT at FROM ring WHERE slot = ?", slot)
				.toArray()[0];
			last = Math.max(last, previous ? previous.at + WINDOW_MS + MARGIN_MS : 0);
			this.sql.exec("INSERT OR REPLACE INTO ring (slot, at) VALUES (?, ?)", slot, last);
			times.push(last);
		}
		this.sql.exec("INSERT OR REPLACE INTO counter (singleton, n, last) VALUES (1, ?, ?)", n, last);
		return times;
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

/**
 * Reserves `count` of this bot's next broadcast times (epoch ms, in order, none before
 * `earliest`), in one call; without pacing, `count` undefined times.
 */
export async function reserveSlots(
	env: Env,
	count: number,
	earliest = 0,
): Promise<(number | undefined)[]> {
	const limit = callsPerWindow(env);
	if (limit === 0 || count === 0) return Array.from({ length: count }, () => undefined);
	return env.PACER.getByName("broadcast").reserve(limit, count, earliest);
}

/** What `departInGroups` does with the calls of one time. */
export interface Departure<T> {
	/** Makes the calls: they may leave now. */
	go(items: T[]): Promise<void>;
	/** The calls could not be timed (the pacer failed): they did not leave. */
	fail(items: T[], error: unknown): Promise<void>;
	/** Hears of each time before its wait, to keep the calls' claims that long. */
	onTime?(at: number, items: T[]): Promise<void>;
	/** For items that wait longer than `SOON_MS`: runs `SOON_MS` before their time. */
	soon?(items: T[]): Promise<void>;
}

/** How long before their time `Departure.soon` runs for items that waited. */
export const SOON_MS = 300;

/**
 * Waits for each time in `slots` (one per item) and hands the items of one time to `go`
 * together, once they may leave: within `LATE_MS` of their time. Calls of one time wake
 * together, so they are not late behind one another. Items that find themselves later (a busy
 * consumer, a slow answer) give their time up, which only makes the calls sparser, and take new
 * times far enough ahead to be met, judged by how late they were.
 */
export async function departInGroups<T>(
	env: Env,
	items: T[],
	slots: (number | undefined)[],
	departure: Departure<T>,
): Promise<void> {
	const groups = new Map<number | undefined, T[]>();
	for (const [i, item] of items.entries()) {
		groups.set(slots[i], [...(groups.get(slots[i]) ?? []), item]);
	}
	await Promise.all(
		[...groups].map(async ([at, group]) => {
			if (at === undefined) return departure.go(group);
			let retimed: (number | undefined)[] | undefined;
			try {
				await departure.onTime?.(at, group);
				if (departure.soon && at - Date.now() > SOON_MS) {
					await scheduler.wait(at - Date.now() - SOON_MS);
					await departure.soon(group);
				}
				const wait = at - Date.now();
				if (wait > 0) await scheduler.wait(wait);
				const late = Date.now() - at;
				if (late > LATE_MS) {
					const lead = Math.min(2 * late, MAX_LEAD_MS);
					retimed = await reserveSlots(env, group.length, Date.now() + lead);
				}
			} catch (error) {
				return departure.fail(group, error);
			}
			return retimed ? departInGroups(env, group, retimed, departure) : departure.go(group);
		}),
	);
}

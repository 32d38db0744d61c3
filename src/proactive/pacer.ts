/**
 * The BroadcastPacer: one Durable Object for the whole bot that hands out times for
 * `broadcast_message` calls, so that no window of 10 s holds more than the allowed calls
 * whatever the number of queue consumers.
 */
import { SqlObject } from "./sql-object";

/** Viber's window for the broadcast rate (viber-api.md §4). */
export const WINDOW_MS = 10_000;
/**
 * How late after its time a call may still leave; a later one keeps its slot only if no call
 * took that slot since, else it takes a new time (`departInGroups`).
 * So every call leaves within this of its time, whatever held it up (a busy consumer, a slow
 * answer from this object). A call that misses it costs a window, so it is not too tight.
 */
export const LATE_MS = 200;
/** What a call's way to Viber (or the clocks of two machines) may differ from another's. */
export const TRANSIT_MS = 100;
/**
 * What the clocks of two machines may differ by. A call's answer comes after Viber got the
 * call, so the call `limit` later may leave a window after that answer, plus this.
 */
export const SKEW_MS = 50;
/**
 * Slack on top of the window: a call may leave up to `LATE_MS` after its time, and reach Viber
 * up to `TRANSIT_MS` later than the call `limit` earlier would have; neither squeezes a window.
 */
export const MARGIN_MS = LATE_MS + TRANSIT_MS;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ring (slot INTEGER PRIMARY KEY, at INTEGER NOT NULL, answered INTEGER);
CREATE TABLE IF NOT EXISTS counter (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), n INTEGER NOT NULL, last INTEGER NOT NULL);
`;

/** Most lead a late call asks for its new time, however late it was. */
const MAX_LEAD_MS = 1_000;

/** Most slots one `take` hands out: a consumer's delivery of batches. */
export const MAX_RESERVE = 1000;

/** Gives a ring of the first release, which had no `answered` column, that column. */
export function upgradeRing(sql: SqlStorage): void {
	const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('ring')");
	if (!columns.toArray().some((c) => c.name === "answered")) {
		sql.exec("ALTER TABLE ring ADD COLUMN answered INTEGER");
	}
}

/** A reserved call time, and the slot of the ring it holds (to report its answer). */
export interface Slot {
	slot: number;
	at: number;
}

export class PacerObject extends SqlObject {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env, SCHEMA);
		upgradeRing(this.sql);
	}

	/**
	 * Reserves the next `count` call times, in order: each no earlier than `earliest` (epoch ms,
	 * default now), than the previous reservation, nor than one window after the call `limit`
	 * calls back reached Viber at the latest: its answer (plus `SKEW_MS`) when `answered`
	 * reported it, else its time plus `MARGIN_MS`. The times live in SQLite, so a restart of the
	 * object keeps the limit; one call reserves for a whole delivery of batches.
	 */
	take(limit: number, count = 1, earliest = 0): Slot[] {
		if (!Number.isInteger(limit) || limit < 1) throw new Error(`take: bad limit ${limit}`);
		if (!Number.isInteger(count) || count < 1 || count > MAX_RESERVE) {
			throw new Error(`take: 1 to ${MAX_RESERVE} times a call, not ${count}`);
		}
		const counter = this.sql
			.exec<{ n: number; last: number }>("SELECT n, last FROM counter")
			.toArray()[0];
		let n = counter?.n ?? 0;
		let last = Math.max(Date.now(), earliest, counter?.last ?? 0);
		// The ring's rows for these slots, read and written in one statement each; a slot taken
		// twice in one call (count over limit) sees its first time here.
		const slots = Array.from({ length: Math.min(count, limit) }, (_, i) => (n + i) % limit);
		const ring = new Map<number, { at: number; answered: number | null }>();
		const rows = this.sql.exec<{ slot: number; at: number; answered: number | null }>(
			"SELECT slot, at, answered FROM ring WHERE slot IN (SELECT value FROM json_each(?))",
			JSON.stringify(slots),
		);
		for (const { slot, ...row } of rows) ring.set(slot, row);
		const taken: Slot[] = [];
		for (let i = 0; i < count; i++, n++) {
			const slot = n % limit;
			const previous = ring.get(slot);
			if (previous) {
				const reached =
					previous.answered === null ? previous.at + MARGIN_MS : previous.answered + SKEW_MS;
				last = Math.max(last, reached + WINDOW_MS);
			}
			ring.set(slot, { at: last, answered: null });
			taken.push({ slot, at: last });
		}
		this.sql.exec(
			`INSERT OR REPLACE INTO ring (slot, at, answered)
			 SELECT value ->> 0, value ->> 1, NULL FROM json_each(?)`,
			JSON.stringify(slots.map((slot) => [slot, ring.get(slot)?.at])),
		);
		this.sql.exec("INSERT OR REPLACE INTO counter (singleton, n, last) VALUES (1, ?, ?)", n, last);
		return taken;
	}

	/**
	 * Lets late calls keep their slots and leave `now`, if no call took those slots again since:
	 * then no later time was worked out from theirs. All or nothing; false when any was taken.
	 */
	keep(slots: Slot[], now: number): boolean {
		const held = slots.every(
			({ slot, at }) =>
				this.sql.exec("SELECT 1 FROM ring WHERE slot = ? AND at = ?", slot, at).toArray().length >
				0,
		);
		if (!held) return false;
		for (const { slot, at } of slots) {
			this.sql.exec("UPDATE ring SET at = ? WHERE slot = ? AND at = ?", now, slot, at);
		}
		return true;
	}

	/**
	 * Records when calls were answered, so that the calls `limit` later may leave a window after
	 * that rather than after their time plus the margin. A slot taken again since is left alone.
	 */
	answered(calls: (Slot & { answered: number })[]): void {
		this.sql.exec(
			`UPDATE ring SET answered = heard.value ->> 2
			 FROM json_each(?) AS heard
			 WHERE ring.slot = heard.value ->> 0 AND ring.at = heard.value ->> 1
			   AND ring.answered IS NULL`,
			JSON.stringify(calls.map(({ slot, at, answered }) => [slot, at, answered])),
		);
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

const pacerOf = (env: Env) => env.PACER.getByName("broadcast");

/**
 * Takes `count` of this bot's next broadcast slots (times in epoch ms, in order, none before
 * `earliest`), in one call; without pacing, `count` undefined.
 */
export async function takeSlots(
	env: Env,
	count: number,
	earliest = 0,
): Promise<(Slot | undefined)[]> {
	const limit = callsPerWindow(env);
	if (limit === 0 || count === 0) return Array.from({ length: count }, () => undefined);
	return pacerOf(env).take(limit, count, earliest);
}

/** Asks the pacer whether late calls may keep their slots and leave now (`PacerObject.keep`). */
export function keepSlots(env: Env, slots: Slot[], now: number): Promise<boolean> {
	return pacerOf(env).keep(slots, now);
}

/** Tells the pacer when the calls of these slots were answered (see `PacerObject.answered`). */
export async function reportAnswers(
	env: Env,
	calls: (Slot & { answered: number })[],
): Promise<void> {
	if (calls.length > 0) await pacerOf(env).answered(calls);
}

/** What `departInGroups` does with the calls of one time. */
export interface Departure<T> {
	/** Makes the calls: they may leave now, on `slots` (one per item; undefined without pacing). */
	go(items: T[], slots: (Slot | undefined)[]): Promise<void>;
	/** The calls could not be timed (the pacer failed): they did not leave. */
	fail(items: T[], error: unknown): Promise<void>;
	/** Hears of each time before its wait, to keep the calls' claims that long. */
	onTime?(at: number, items: T[]): Promise<void>;
	/** Gets the items ready: `SOON_MS` before their time, or at once when less is left. */
	soon?(items: T[]): Promise<void>;
}

/** How long before their time `Departure.soon` runs for items that wait. */
export const SOON_MS = 300;

/**
 * Waits for each slot's time (one slot per item) and hands the items of one time to `go`
 * together, once they may leave: within `LATE_MS` of their time. Calls of one time wake
 * together, so they are not late behind one another. Items that find themselves later (a busy
 * consumer, a slow answer) go at once if they can keep their slots (`PacerObject.keep`); else
 * they give their time up, which only makes the calls sparser, and take new slots far enough
 * ahead to be met, judged by how late they were. `go` gets the slots the calls leave on.
 */
export async function departInGroups<T>(
	env: Env,
	items: T[],
	slots: (Slot | undefined)[],
	departure: Departure<T>,
): Promise<void> {
	const groups = Map.groupBy(
		items.map((item, i) => ({ item, slot: slots[i] })),
		(entry) => entry.slot?.at,
	);
	await Promise.all(
		[...groups].map(async ([at, entries]) => {
			const group = entries.map((e) => e.item);
			let held = entries.map((e) => e.slot);
			if (at === undefined) return departure.go(group, held);
			let retimed: (Slot | undefined)[] | undefined;
			try {
				await departure.onTime?.(at, group);
				if (departure.soon) {
					if (at - Date.now() > SOON_MS) await scheduler.wait(at - Date.now() - SOON_MS);
					await departure.soon(group);
				}
				const wait = at - Date.now();
				if (wait > 0) await scheduler.wait(wait);
				const now = Date.now();
				const late = now - at;
				if (late > LATE_MS) {
					if (await keepSlots(env, held as Slot[], now)) {
						held = held.map((slot) => slot && { ...slot, at: now });
					} else {
						const lead = Math.min(2 * late, MAX_LEAD_MS);
						retimed = await takeSlots(env, group.length, now + lead);
					}
				}
			} catch (error) {
				return departure.fail(group, error);
			}
			return retimed ? departInGroups(env, group, retimed, departure) : departure.go(group, held);
		}),
	);
}

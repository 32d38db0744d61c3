import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
	departInGroups,
	LATE_MS,
	MARGIN_MS,
	type PacerObject,
	SKEW_MS,
	type Slot,
	SOON_MS,
	upgradeRing,
	WINDOW_MS,
} from "../../src/proactive/pacer";

/** The times of slots the pacer took. */
const timesOf = async (slots: Slot[] | Promise<Slot[]>) => (await slots).map((s) => s.at);

/** A slot at `at` that the ring does not hold (the pacer cannot let it be kept). */
const notHeld = (at: number): Slot => ({ slot: -1, at });

/** The most times of `times` in any window of `WINDOW_MS`. */
function mostInAWindow(times: number[]): number {
	const sorted = [...times].sort((a, b) => a - b);
	let most = 0;
	for (let i = 0, j = 0; i < sorted.length; i++) {
		while ((sorted[i] as number) - (sorted[j] as number) >= WINDOW_MS) j++;
		most = Math.max(most, i - j + 1);
	}
	return most;
}

describe("the pacer's reservations for several calls at once", () => {
	it("never put more than the limit in a window, whatever the mix of counts", async () => {
		const pacer = env.PACER.getByName("pacer-many");
		const start = Date.now();
		const times: number[] = [];
		// Deliveries of different sizes, as consumers ask: 37 calls at 7 per window.
		for (const count of [3, 1, 7, 2, 5, 1, 4, 6, 8])
			times.push(...(await timesOf(pacer.take(7, count))));
		const asking = Date.now() - start;
		expect(times).toHaveLength(37);
		expect(times).toEqual([...times].sort((a, b) => a - b));
		expect(mostInAWindow(times)).toBe(7);
		// The call `limit` later leaves a window plus the margin after: late calls cannot squeeze it.
		for (let i = 7; i < times.length; i++) {
			expect((times[i] as number) - (times[i - 7] as number)).toBeGreaterThanOrEqual(
				WINDOW_MS + MARGIN_MS,
			);
		}
		// Not slower than needed: 37 calls at 7 a window take 5 windows (plus margins), and the
		// spread of the first window (the time the asking took) repeats in each.
		const needed = 5 * (WINDOW_MS + MARGIN_MS) + asking;
		expect((times.at(-1) as number) - start).toBeLessThanOrEqual(needed);
	});

	it("hold the limit when many consumers ask at the same moment", async () => {
		const pacer = env.PACER.getByName("pacer-concurrent");
		const asks = await Promise.all(
			[4, 9, 1, 6, 3, 9, 2, 8].map((count) => timesOf(pacer.take(10, count))),
		);
		const times = asks.flat();
		expect(times).toHaveLength(42);
		expect(mostInAWindow(times)).toBe(10);
		// Each consumer gets its times in order.
		for (const mine of asks) expect(mine).toEqual([...mine].sort((a, b) => a - b));
	});

	it("start no earlier than asked, and refuse a bad count", async () => {
		const pacer = env.PACER.getByName("pacer-earliest");
		const earliest = Date.now() + 5_000;
		expect(await timesOf(pacer.take(500, 2, earliest))).toEqual([earliest, earliest]);
		// Called in the object, not over RPC, so the refusal is a plain rejection here.
		for (const count of [0, 1001, 1.5]) {
			await expect(
				runInDurableObject(pacer, (object: PacerObject) => object.take(500, count)),
			).rejects.toThrow(/1 to 1000 times/);
		}
	});
});

describe("the pacer and the calls' answers", () => {
	it("lets the call a window later go a window after the answer, early or late", async () => {
		const pacer = env.PACER.getByName("pacer-answered");
		const take = async (count: number) => (await pacer.take(2, count)).map((s) => ({ ...s }));
		const [quick, slow] = (await take(2)) as [Slot, Slot];
		// One call answered at once, one 2 s after its time (it reached Viber by then at most).
		await pacer.answered([
			{ ...quick, answered: quick.at + 20 },
			{ ...slow, answered: slow.at + 2_000 },
		]);
		// A report for a slot taken again since changes nothing.
		const [next, after] = (await take(2)) as [Slot, Slot];
		await pacer.answered([{ ...quick, answered: quick.at + 9_999 }]);
		expect(next.at).toBe(quick.at + 20 + SKEW_MS + WINDOW_MS);
		expect(after.at).toBe(slow.at + 2_000 + SKEW_MS + WINDOW_MS);
		// Not yet answered: a window plus the margin after its time, as before answers were heard.
		const [third] = (await take(1)) as [Slot];
		expect(third.at).toBe(next.at + MARGIN_MS + WINDOW_MS);
	});

	it("lets late calls keep slots nobody took again, counting from when they left", async () => {
		const pacer = env.PACER.getByName("pacer-keep");
		const take = async (count: number) => (await pacer.take(2, count)).map((s) => ({ ...s }));
		const [a, b] = (await take(2)) as [Slot, Slot];
		expect(await pacer.keep([a], a.at + 500)).toBe(true);
		// The next use of the slot counts from the time the late call left, not its old time.
		const [c] = (await take(1)) as [Slot];
		expect(c.slot).toBe(a.slot);
		expect(c.at).toBe(a.at + 500 + MARGIN_MS + WINDOW_MS);
		// Taken again since: the late call cannot keep it (it takes a new time instead); all or
		// nothing, so the other slot of the group is left as it was.
		expect(await pacer.keep([{ ...a, at: a.at + 500 }, b], c.at)).toBe(false);
		const [d] = (await take(1)) as [Slot];
		expect(d.at).toBe(Math.max(c.at, b.at + MARGIN_MS + WINDOW_MS));
	});

	it("takes over a ring of the first release, which kept no answers", async () => {
		const pacer = env.PACER.getByName("pacer-upgrade");
		await runInDurableObject(pacer, (object: PacerObject, state) => {
			state.storage.sql.exec(
				"DROP TABLE ring; CREATE TABLE ring (slot INTEGER PRIMARY KEY, at INTEGER NOT NULL)",
			);
			state.storage.sql.exec("INSERT INTO ring (slot, at) VALUES (0, 1000)");
			upgradeRing(state.storage.sql);
			upgradeRing(state.storage.sql); // once is enough; a second time changes nothing
			const [slot] = object.take(1, 1);
			expect(slot?.at).toBeGreaterThanOrEqual(1000 + WINDOW_MS + MARGIN_MS);
		});
	});
});

describe("departing at the reserved times", () => {
	it("sends the calls of one time together, and gives a late group new times ahead", async () => {
		const now = Date.now();
		const went: { items: string[]; at: number }[] = [];
		const late = 3 * LATE_MS;
		const [past, soon] = [notHeld(now - late), notHeld(now + 50)];
		await departInGroups(env, ["a", "b", "c", "d"], [past, soon, past, soon], {
			go: async (items) => {
				went.push({ items, at: Date.now() });
			},
			fail: async (_, error) => {
				throw error;
			},
		});
		const onTime = went.find((g) => g.items.includes("b"));
		expect(onTime?.items).toEqual(["b", "d"]);
		expect(onTime?.at).toBeGreaterThanOrEqual(now + 50);
		// "a" and "c" woke 300 ms after their time: they did not go then, but at new times at
		// least as far ahead as they were late.
		const retimed = went.filter((g) => g.items.includes("a") || g.items.includes("c"));
		expect(retimed.flatMap((g) => g.items).sort()).toEqual(["a", "c"]);
		for (const group of retimed) expect(group.at).toBeGreaterThanOrEqual(now + late);
	});

	it("gets calls that wait ready shortly before their time, and those due now at once before they go", async () => {
		const now = Date.now();
		const events: string[] = [];
		await departInGroups(env, ["later", "now"], [notHeld(now + SOON_MS + 200), notHeld(now)], {
			soon: async (items) => {
				events.push(`soon ${items} ${Date.now() - now >= 200 ? "after wait" : "early"}`);
			},
			go: async (items) => {
				events.push(`go ${items}`);
			},
			fail: async (_, error) => {
				throw error;
			},
		});
		expect(events).toEqual(["soon now early", "go now", "soon later after wait", "go later"]);
	});

	it("lets a late group go at once when it keeps its slots, else gives it new ones", async () => {
		const now = Date.now();
		const late = 3 * LATE_MS;
		// A slot of the bot's pacer that the late call holds: nobody took it again since.
		const pacer = env.PACER.getByName("broadcast");
		const kept: Slot = { slot: 499, at: now - late };
		await runInDurableObject(pacer, (_, state) =>
			state.storage.sql.exec("INSERT OR REPLACE INTO ring (slot, at) VALUES (?, ?)", 499, kept.at),
		);
		const went: { items: string[]; slots: (Slot | undefined)[]; at: number }[] = [];
		try {
			await departInGroups(env, ["kept", "moved"], [kept, notHeld(now - late - 1)], {
				go: async (items, slots) => {
					went.push({ items, slots, at: Date.now() });
				},
				fail: async (_, error) => {
					throw error;
				},
			});
		} finally {
			await runInDurableObject(pacer, (_, state) =>
				state.storage.sql.exec("DELETE FROM ring WHERE slot = 499"),
			);
		}
		const [first, second] = went as [(typeof went)[number], (typeof went)[number]];
		expect(first.items).toEqual(["kept"]);
		expect(first.at - now).toBeLessThan(LATE_MS);
		// It goes on its own slot, now counted from when it left.
		expect(first.slots).toEqual([{ slot: 499, at: expect.any(Number) }]);
		expect((first.slots[0] as Slot).at).toBeGreaterThanOrEqual(now);
		// The other goes later, on new slots the pacer holds: their answers can be reported.
		expect(second.items).toEqual(["moved"]);
		expect(second.at - now).toBeGreaterThanOrEqual(late);
		const [moved] = second.slots as [Slot];
		const held = await runInDurableObject(pacer, (_, state) =>
			state.storage.sql
				.exec("SELECT 1 FROM ring WHERE slot = ? AND at = ?", moved.slot, moved.at)
				.toArray(),
		);
		expect(held).toHaveLength(1);
	});

	it("gives the calls back when the pacer cannot time them", async () => {
		const failed: string[] = [];
		// A setting the pacer refuses: what `wrangler types` knows of it does not matter here.
		const broken = { ...env, BROADCAST_CALLS_PER_10S: "lots" } as unknown as Env;
		const past = notHeld(Date.now() - 1_000);
		await departInGroups(broken, ["x", "y"], [past, past], {
			go: async () => {
				throw new Error("must not go");
			},
			fail: async (items, error) => {
				expect(String(error)).toMatch(/BROADCAST_CALLS_PER_10S/);
				failed.push(...items);
			},
		});
		expect(failed).toEqual(["x", "y"]);
	});
});

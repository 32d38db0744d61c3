import { describe, expect, it } from "vitest";
import { Batcher } from "../../src/runtime/batcher";

const limits = { windowMs: 10, maxItems: 3, aloneAfterMs: 300 };

/** A Batcher whose flushes are recorded; `fail` makes the next flushes throw. */
function recording(flushImpl?: (key: string, items: number[]) => Promise<void>) {
	const flushes: [string, number[]][] = [];
	const tasks: Promise<unknown>[] = [];
	const batcher = new Batcher<number>(async (key, items) => {
		flushes.push([key, [...items]]);
		await flushImpl?.(key, items);
	}, limits);
	const add = (key: string, item: number) =>
		batcher.add(key, item, (task) => {
			tasks.push(task);
		});
	return { flushes, add, tasks };
}

describe("Batcher", () => {
	it("writes items for the same key that arrive together in one call, other keys apart", async () => {
		const { flushes, add } = recording();
		await Promise.all([add("a", 1), add("a", 2), add("b", 3)]);
		expect(flushes).toEqual([
			["a", [1, 2]],
			["b", [3]],
		]);
	});

	it("starts a new batch once one is full", async () => {
		const { flushes, add } = recording();
		await Promise.all([1, 2, 3, 4, 5].map((n) => add("a", n)));
		expect(flushes).toEqual([
			["a", [1, 2, 3]],
			["a", [4, 5]],
		]);
	});

	it("resolves each item only once its batch is written, and rejects all of a failed batch", async () => {
		let release: () => void = () => {};
		const gate = new Promise<void>((resolve) => {
			release = resolve;
		});
		const { add } = recording(() => gate);
		let settled = false;
		const first = add("a", 1).then(() => {
			settled = true;
		});
		await scheduler.wait(50);
		expect(settled).toBe(false);
		release();
		await first;
		expect(settled).toBe(true);

		const failing = recording(async () => {
			throw new Error("shard down");
		});
		const results = await Promise.allSettled([failing.add("a", 1), failing.add("a", 2)]);
		expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
	});

	it("writes a follower's item alone when its batch never settles (its request died)", async () => {
		// The batch's flush hangs as if its request had died; the follower goes on its own.
		const { flushes, add } = recording((_, items) =>
			items.length > 1 ? new Promise<void>(() => {}) : Promise.resolve(),
		);
		const started = Date.now();
		void add("a", 1);
		await add("a", 2);
		expect(Date.now() - started).toBeGreaterThanOrEqual(limits.aloneAfterMs);
		expect(flushes).toEqual([
			["a", [1, 2]],
			["a", [2]],
		]);
	});

	it("hands the batch's flush to the request that opened it", async () => {
		const { add, tasks } = recording();
		await Promise.all([add("a", 1), add("a", 2), add("b", 3)]);
		expect(tasks).toHaveLength(2);
	});

	it("resolves a follower as soon as its batch is written, not after the alone timeout", async () => {
		const { add } = recording();
		const started = Date.now();
		await Promise.all([add("a", 1), add("a", 2)]);
		expect(Date.now() - started).toBeLessThan(limits.aloneAfterMs);
	});
});

import { describe, expect, it } from "vitest";
import { packRuns, type Tail } from "../../src/proactive/pack";

const tail = (shard: number, ids: string[], from = ""): Tail => ({
	shard,
	from,
	to: ids.at(-1) as string,
	count: ids.length,
	ids,
});

describe("packing short runs", () => {
	it("fills batches to the size, splitting runs at an id", () => {
		const packed = packRuns(
			[tail(0, ["a", "b", "c"]), tail(1, ["d", "e"], "x"), tail(2, ["f"])],
			2,
		);
		expect(packed).toEqual([
			[{ shard: 0, run: { from: "", to: "b", count: 2 } }],
			[
				{ shard: 0, run: { from: "b", to: "c", count: 1 } },
				{ shard: 1, run: { from: "x", to: "d", count: 1 } },
			],
			[
				{ shard: 1, run: { from: "d", to: "e", count: 1 } },
				{ shard: 2, run: { from: "", to: "f", count: 1 } },
			],
		]);
	});

	it("makes ceil(total / size) batches, each id in exactly one", () => {
		const tails = Array.from({ length: 16 }, (_, s) =>
			tail(
				s,
				Array.from({ length: 37 + s * 11 }, (_, i) => `${s}-${String(i).padStart(4, "0")}`),
			),
		);
		const total = tails.reduce((n, t) => n + t.count, 0);
		const packed = packRuns(tails, 300);
		expect(packed).toHaveLength(Math.ceil(total / 300));
		expect(packed.every((g) => g.reduce((n, p) => n + p.run.count, 0) <= 300)).toBe(true);
		expect(packed.flat().reduce((n, p) => n + p.run.count, 0)).toBe(total);
	});

	it("does not split a run whose ids it lacks", () => {
		const packed = packRuns(
			[
				{ ...tail(0, ["a", "b"]), ids: [] },
				{ ...tail(1, ["c", "d"]), ids: [] },
			],
			3,
		);
		expect(packed.map((g) => g.map((p) => p.run.count))).toEqual([[2], [2]]);
	});
});

/** Packing the short last runs of the roster shards into shared batches of a broadcast. */
import type { IdRange } from "./roster";
import type { Piece } from "./tasks";

/** A shard's short last run, with its ids (in order) so that it can be split. */
export type Tail = IdRange & { shard: number; ids: string[] };

/**
 * Fills batches of `size` ids from the runs in order, splitting a run at one of its ids where
 * it does not fit, so that the runs make `ceil(total / size)` batches. A run without its ids
 * is never split: it starts a new batch when it does not fit.
 *
 * @example packRuns([{ shard: 0, from: "", to: "c", count: 3, ids: ["a", "b", "c"] }], 2)
 * // [[{ shard: 0, run: { from: "", to: "b", count: 2 } }], [{ shard: 0, run: { from: "b", to: "c", count: 1 } }]]
 */
export function packRuns(tails: Tail[], size: number): Piece[][] {
	const groups: Piece[][] = [];
	let current: Piece[] = [];
	let room = size;
	for (const tail of tails) {
		let from = tail.from;
		let ids = tail.ids.length > 0 ? tail.ids : undefined;
		let left = tail.count;
		while (left > 0) {
			if (room === 0 || (!ids && left > room)) {
				groups.push(current);
				[current, room] = [[], size];
			}
			const take = Math.min(left, room);
			const to = ids && take < ids.length ? (ids[take - 1] as string) : tail.to;
			current.push({ shard: tail.shard, run: { from, to, count: take } });
			[from, left, room] = [to, left - take, room - take];
			ids = ids?.slice(take);
		}
	}
	if (current.length > 0) groups.push(current);
	return groups;
}

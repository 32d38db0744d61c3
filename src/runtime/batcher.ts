/**
 * Group commit: items bound for the same Durable Object that arrive within a few milliseconds
 * go in one call. Receipts come by the thousand after a broadcast; one RPC each would cost more
 * than all the rest of their handling.
 */

/** How long the first item of a batch waits for others, and how many one call may carry. */
export interface BatchLimits {
	windowMs: number;
	maxItems: number;
	/** After this long a waiting item is written on its own (see `add`). */
	aloneAfterMs: number;
}

/** About how long one flush takes: a follower looks this long after the window, then as often. */
const FLUSH_GUESS_MS = 2;

interface OpenBatch<T> {
	items: T[];
	/** When the window ends and the flush begins. */
	flushAt: number;
	/** Set once `flush` has settled: nothing, or its error. */
	outcome?: { error?: unknown };
}

/**
 * `add` resolves once the batch holding the item was written by `flush`, and rejects with its
 * error: a caller answers only for what is stored. The request that opens a batch runs its
 * flush (kept alive by `waitUntil`, so a client that hangs up loses nobody's item). The others
 * look at the batch with timers of their own instead of awaiting a promise that another
 * request settles: the runtime ties promises and their continuations to one request, and
 * cancels a request with nothing of its own pending as hung. One isolate serves many requests,
 * so under load a batch fills; alone, an item goes after the window.
 *
 * A batch that has not settled after `aloneAfterMs` (its request died) has its waiting items
 * written one by one by their own requests: `flush` must be idempotent.
 */
export class Batcher<T> {
	private readonly open = new Map<string, OpenBatch<T>>();

	constructor(
		private readonly flush: (key: string, items: T[]) => Promise<void>,
		private readonly limits: BatchLimits,
	) {}

	add(key: string, item: T, waitUntil: (promise: Promise<unknown>) => void): Promise<void> {
		const joined = this.open.get(key);
		if (!joined) {
			const batch: OpenBatch<T> = { items: [item], flushAt: Date.now() + this.limits.windowMs };
			this.open.set(key, batch);
			const sent = this.send(key, batch);
			waitUntil(sent.catch(() => {}));
			return sent;
		}
		joined.items.push(item);
		// A full batch takes no more: the next item opens a new one.
		if (joined.items.length >= this.limits.maxItems) this.open.delete(key);
		return this.follow(joined, key, item);
	}

	private async send(key: string, batch: OpenBatch<T>): Promise<void> {
		await scheduler.wait(this.limits.windowMs);
		if (this.open.get(key) === batch) this.open.delete(key);
		try {
			await this.flush(key, batch.items);
			batch.outcome = {};
		} catch (error) {
			batch.outcome = { error };
			throw error;
		}
	}

	/** Waits for a batch another request flushes: first to its flush, then a little at a time. */
	private async follow(batch: OpenBatch<T>, key: string, item: T): Promise<void> {
		const aloneAt = Date.now() + this.limits.aloneAfterMs;
		await scheduler.wait(Math.max(0, batch.flushAt - Date.now()) + FLUSH_GUESS_MS);
		while (!batch.outcome) {
			if (Date.now() >= aloneAt) return this.flush(key, [item]);
			await scheduler.wait(FLUSH_GUESS_MS);
		}
		if ("error" in batch.outcome) throw batch.outcome.error;
	}
}

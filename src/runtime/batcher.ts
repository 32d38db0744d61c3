/**
 * Group commit: items bound for the same Durable Object that arrive within a few milliseconds
 * go in one call. Receipts come by the thousand after a broadcast; one RPC each would cost more
 * than all the rest of their handling.
 */

/** How long the first item of a batch waits for others, and how many one call may carry. */
export interface BatchLimits {
	windowMs: number;
	maxItems: number;
}

interface OpenBatch<T> {
	items: T[];
	done: Promise<void>;
}

/**
 * `add` resolves once the batch holding the item was written by `flush`, and rejects with its
 * error: a caller answers only for what is stored. The request that opens a batch runs its
 * flush (kept alive by `waitUntil`, so a client that hangs up loses nobody's item); the others
 * wait for it. One isolate serves many requests, so under load a batch fills; alone, an item
 * goes after the window.
 */
export class Batcher<T> {
	private readonly open = new Map<string, OpenBatch<T>>();

	constructor(
		private readonly flush: (key: string, items: T[]) => Promise<void>,
		private readonly limits: BatchLimits,
	) {}

	add(key: string, item: T, waitUntil: (promise: Promise<unknown>) => void): Promise<void> {
		const joined = this.open.get(key);
		if (joined) {
			joined.items.push(item);
			// A full batch takes no more: the next item opens a new one.
			if (joined.items.length >= this.limits.maxItems) this.open.delete(key);
			return joined.done;
		}
		const batch: OpenBatch<T> = { items: [item], done: Promise.resolve() };
		batch.done = this.send(key, batch);
		this.open.set(key, batch);
		waitUntil(batch.done.catch(() => {}));
		return batch.done;
	}

	private async send(key: string, batch: OpenBatch<T>): Promise<void> {
		await scheduler.wait(this.limits.windowMs);
		if (this.open.get(key) === batch) this.open.delete(key);
		await this.flush(key, batch.items);
	}
}

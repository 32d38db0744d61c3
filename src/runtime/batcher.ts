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

interface Waiter {
	resolve: () => void;
	reject: (error: unknown) => void;
}

interface OpenBatch<T> {
	items: T[];
	waiters: Waiter[];
}

/**
 * `add` resolves once the batch holding the item was written by `flush`, and rejects with its
 * error: a caller answers only for what is stored. The request that opens a batch runs its
 * flush (kept alive by `waitUntil`, so a client that hangs up loses nobody's item); the others
 * wait for it. One isolate serves many requests, so under load a batch fills; alone, an item
 * goes after the window.
 *
 * A waiting request keeps a timer of its own: the runtime cancels a request with nothing of its
 * own pending as hung, and the timer also writes the item alone if the batch never settles (its
 * request died). `flush` must be idempotent for that.
 */
export class Batcher<T> {
	private readonly open = new Map<string, OpenBatch<T>>();

	constructor(
		private readonly flush: (key: string, items: T[]) => Promise<void>,
		private readonly limits: BatchLimits,
	) {}

	add(key: string, item: T, waitUntil: (promise: Promise<unknown>) => void): Promise<void> {
		let timer: ReturnType<typeof setTimeout> | undefined;
		const alone = new Promise<void>((resolve, reject) => {
			timer = setTimeout(
				() => this.flush(key, [item]).then(resolve, reject),
				this.limits.aloneAfterMs,
			);
		});
		return Promise.race([this.join(key, item, waitUntil), alone]).finally(() =>
			clearTimeout(timer),
		);
	}

	private join(key: string, item: T, waitUntil: (promise: Promise<unknown>) => void) {
		// Made here, so it settles in the caller's request even though another request's flush
		// settles it: the runtime runs a continuation in the request that made the promise.
		return new Promise<void>((resolve, reject) => {
			const joined = this.open.get(key);
			if (joined) {
				joined.items.push(item);
				joined.waiters.push({ resolve, reject });
				// A full batch takes no more: the next item opens a new one.
				if (joined.items.length >= this.limits.maxItems) this.open.delete(key);
				return;
			}
			const batch: OpenBatch<T> = { items: [item], waiters: [{ resolve, reject }] };
			this.open.set(key, batch);
			waitUntil(this.send(key, batch));
		});
	}

	private async send(key: string, batch: OpenBatch<T>): Promise<void> {
		await scheduler.wait(this.limits.windowMs);
		if (this.open.get(key) === batch) this.open.delete(key);
		try {
			await this.flush(key, batch.items);
			for (const waiter of batch.waiters) waiter.resolve();
		} catch (error) {
			for (const waiter of batch.waiters) waiter.reject(error);
		}
	}
}

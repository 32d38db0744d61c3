/** Retries a failing async call with exponential backoff and full jitter, within a time budget. */

/**
 * How hard to retry. Defaults: 4 attempts, 500 ms base delay, 8 s max delay, 20 s in total.
 *
 * @example createViberApi({ token, sender, retry: { attempts: 2, baseDelayMs: 100 } })
 */
export type RetryOptions = {
	/** Tries in total, the first one included. */
	attempts?: number;
	/** The backoff before the second try; it doubles for each try after that. */
	baseDelayMs?: number;
	/** The longest single wait. */
	maxDelayMs?: number;
	/** No retry starts once waiting for it would pass this much time since the first try. */
	maxElapsedMs?: number;
};

export const RETRY_DEFAULTS: Required<RetryOptions> = {
	attempts: 4,
	baseDelayMs: 500,
	maxDelayMs: 8_000,
	maxElapsedMs: 20_000,
};

/**
 * The wait before try `attempt + 1`: exponential (`baseDelayMs` doubled per try, at most
 * `maxDelayMs`) with full jitter, so that many callers that failed together do not retry together.
 */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
	return Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` until it resolves, it throws an error `isRetryable` rejects, or the attempts or the
 * time budget run out; then it throws the last error. Full jitter (a random wait between 0 and the
 * exponential cap) keeps many clients that failed together from retrying together.
 *
 * @example
 * const res = await withRetry(() => fetch(url), (e) => e instanceof TypeError, { attempts: 3 });
 */
export async function withRetry<T>(
	fn: (attempt: number) => Promise<T>,
	isRetryable: (error: unknown) => boolean,
	options: RetryOptions = {},
): Promise<T> {
	const attempts = options.attempts ?? RETRY_DEFAULTS.attempts;
	const baseDelayMs = options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs;
	const maxDelayMs = options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs;
	const maxElapsedMs = options.maxElapsedMs ?? RETRY_DEFAULTS.maxElapsedMs;
	const started = Date.now();
	for (let attempt = 1; ; attempt++) {
		try {
			return await fn(attempt);
		} catch (error) {
			if (attempt >= attempts || !isRetryable(error)) throw error;
			const delay = backoffDelay(attempt, baseDelayMs, maxDelayMs);
			if (Date.now() - started + delay > maxElapsedMs) throw error;
			await sleep(delay);
		}
	}
}

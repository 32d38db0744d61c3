/** Which shard of a sharded Durable Object family holds a key (user ids, message tokens). */

/** Shards when `ROSTER_SHARDS` is unset: ~60,000 users per shard at a million subscribers. */
export const DEFAULT_SHARDS = 16;
const MAX_SHARDS = 1024;

/** FNV-1a, 32 bits: stable across deploys and runtimes, unlike any built-in hash. */
export function fnv1a(text: string): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		hash ^= text.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return hash >>> 0;
}

/** The shard of `key` among `shards`. */
export function shardOf(key: string, shards: number): number {
	return fnv1a(key) % shards;
}

/**
 * The shard count from `ROSTER_SHARDS` (default 16).
 * @throws Error when it is not a whole number from 1 to 1024.
 */
export function shardCount(env: { ROSTER_SHARDS?: string }): number {
	const raw = env.ROSTER_SHARDS;
	if (raw === undefined || raw === "") return DEFAULT_SHARDS;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < 1 || n > MAX_SHARDS) {
		throw new Error(`ROSTER_SHARDS must be a whole number from 1 to ${MAX_SHARDS}, not "${raw}"`);
	}
	return n;
}

/** 0, 1, …, n - 1. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

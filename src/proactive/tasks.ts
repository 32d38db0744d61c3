/** The broadcast queue's messages: planning steps (cut a shard into batches) and batches. */
import type { IdRange } from "./roster";

/** A run of ids in one roster shard; a batch is one run, or the short last runs of several shards. */
export interface Piece {
	shard: number;
	run: IdRange;
}

/** One `broadcast_message` call's receivers, named by its key in the broadcast's ledger. */
export interface Batch {
	key: string;
	pieces: Piece[];
}

export type BroadcastTask =
	| { kind: "plan"; id: string; shard: number; after: string }
	/** Up to `BATCHES_PER_MESSAGE` batches of one broadcast. */
	| { kind: "batches"; id: string; batches: Batch[] }
	/** One batch, as an earlier release queued it (still taken, for messages queued before an update). */
	| ({ kind: "batch"; id: string } & Batch);

/** Receivers per `broadcast_message` call (viber-api.md §2.3). */
export const BATCH_SIZE = 300;
/** Batches cut per planning step: one step queues at most this many. */
export const BATCHES_PER_STEP = 100;
/**
 * Batches per queue message: a delivery of 100 messages makes up to 500 calls, so a broadcast
 * takes few deliveries, and one that waits for its calls' times holds back few others.
 */
export const BATCHES_PER_MESSAGE = 5;
/** Messages per `sendBatch` (a Queues limit). */
export const SEND_BATCH_MAX = 100;

/** The broadcast queue's messages: planning steps (cut a shard into batches) and batches. */
import type { IdRange } from "./roster";

/** A run of ids in one roster shard; a batch is one run, or the short last runs of several shards. */
export interface Piece {
	shard: number;
	run: IdRange;
}

export type BroadcastTask =
	| { kind: "plan"; id: string; shard: number; after: string }
	| { kind: "batch"; id: string; key: string; pieces: Piece[] };

/** Receivers per `broadcast_message` call (viber-api.md §2.3). */
export const BATCH_SIZE = 300;
/** Batches cut per planning step: one step queues at most this many. */
export const BATCHES_PER_STEP = 20;
/** Messages per `sendBatch` (a Queues limit). */
export const SEND_BATCH_MAX = 100;

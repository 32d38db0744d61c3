/** Starting a broadcast (ledger + planning steps on the queue) and reading its progress. */
import { senderFromEnv } from "../runtime/viber";
import { prepareMessage } from "../viber/limits";
import type { OutgoingMessage } from "../viber/schemas/messages";
import type { BroadcastInit } from "./ledger";
import type { LedgerStats } from "./ledger-stats";
import { type ReceiptCounts, tallyReceipts } from "./receipts";
import type { SubscriberFilter } from "./roster-query";
import { range, shardCount } from "./shard";
import type { BroadcastTask } from "./tasks";

export interface BroadcastOptions {
	/** Only subscribers whose stored profile matches. */
	filter?: SubscriberFilter;
	/** Only subscribers with an open 24-hour session (free to message, viber-api.md §3.6). */
	sessionOpenOnly?: boolean;
	/**
	 * Names the broadcast: starting one with an id that exists does nothing more, so a retried
	 * job or handler does not broadcast twice. Jobs and handlers get one derived from the run.
	 */
	id?: string;
}

/** A broadcast's progress and counts, from its ledger and its receipts. */
export type BroadcastStats = LedgerStats & { receipts: ReceiptCounts };

const ID_PATTERN = /^[\w:.-]{1,100}$/;

/** A stable broadcast id from the parts that name a run (cron + time + index, event + index). */
export async function deriveBroadcastId(...parts: (string | number)[]): Promise<string> {
	const bytes = new TextEncoder().encode(parts.join("\u0000"));
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
	return `b-${[...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Starts a broadcast to every subscribed user (matching the filter) and returns its id at once;
 * the queue consumer does the sending. The message is checked against Viber's limits first.
 *
 * @throws ViberLimitError when the message breaks a limit; nothing is queued then.
 */
export async function startBroadcast(
	env: Env,
	message: OutgoingMessage,
	options: BroadcastOptions = {},
): Promise<string> {
	prepareMessage(message, { sender: senderFromEnv(env) });
	const id = options.id ?? `b-${crypto.randomUUID()}`;
	if (!ID_PATTERN.test(id))
		throw new Error(`broadcast id "${id}": 1 to 100 of A-Z a-z 0-9 _ : . -`);
	const filter = { ...options.filter, ...(options.sessionOpenOnly ? { sessionOpen: true } : {}) };
	const shards = shardCount(env);
	const init: BroadcastInit = { id, message, filter, startedAt: Date.now(), shards };
	const ledger = env.BROADCAST.getByName(id);
	const { enqueued } = await ledger.create(init);
	if (!enqueued) {
		// Planning steps are idempotent, so queueing them again after a crash here is harmless.
		const steps: BroadcastTask[] = range(shards).map((shard) => ({
			kind: "plan",
			id,
			shard,
			after: "",
		}));
		await env.BROADCAST_QUEUE.sendBatch(steps.map((body) => ({ body })));
		await ledger.markEnqueued();
	}
	return id;
}

/** A broadcast's progress: batches by state, receivers queued/sent/skipped/failed, receipts. */
export async function broadcastStats(env: Env, id: string): Promise<BroadcastStats | null> {
	if (!ID_PATTERN.test(id)) return null;
	const [ledger, receipts] = await Promise.all([
		env.BROADCAST.getByName(id).stats(),
		tallyReceipts(env, id),
	]);
	return ledger && { ...ledger, receipts };
}

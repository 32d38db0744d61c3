/**
 * The broadcast queue's consumer: planning steps cut the roster into batches; each batch is one
 * paced `broadcast_message` call, claimed in the ledger before and recorded after (calls.ts), so
 * a redelivered batch is never sent twice. Retries back off; exhausted batches go to the
 * dead-letter queue, whose consumer records and logs them.
 */
import { type BatchTask, type Claim, callBatches, claimBatches } from "./calls";
import { batchKey } from "./ledger";
import { rosterShard } from "./roster-client";
import { BATCH_SIZE, BATCHES_PER_STEP, type BroadcastTask, SEND_BATCH_MAX } from "./tasks";

/** Longest backoff between deliveries of a failing message. */
const MAX_DELAY_S = 300;

/** The dead-letter queue's name ends with this; its messages are recorded, not retried. */
export const DEAD_LETTER_SUFFIX = "-dlq";

/** Seconds before redelivering a message that failed `attempts` times: 1, 2, 4, … s. */
export function retryDelaySeconds(attempts: number): number {
	return Math.min(MAX_DELAY_S, 2 ** Math.max(0, attempts - 1));
}

/**
 * Handles one delivery of the broadcast queue or its dead-letter queue. Planning steps run and
 * batches are claimed side by side; the claimed batches are then timed in one request to the
 * pacer and called together (calls.ts).
 */
export async function consumeBroadcasts(
	batch: MessageBatch<BroadcastTask>,
	env: Env,
): Promise<void> {
	const dead = batch.queue.endsWith(DEAD_LETTER_SUFFIX);
	const batches = batch.messages.flatMap((m) =>
		!dead && m.body.kind === "batch" ? [m as Message<BatchTask>] : [],
	);
	const claiming = claimBatches(
		env,
		batches.map((m) => m.body),
	);
	const claims = new Map<Claim, Message<BroadcastTask>>();
	await Promise.all(
		batch.messages.map((message) =>
			attempt(message, async () => {
				const task = message.body;
				if (dead) await buryTask(env, task);
				else if (task.kind === "plan") await planStep(env, task);
				else {
					const step = await claiming[batches.indexOf(message as Message<BatchTask>)];
					if (typeof step !== "object") return step as "ack" | "retry";
					claims.set(step, message);
					return "later";
				}
				return "ack";
			}),
		),
	);
	if (claims.size === 0) return;
	const settled = new Set<Claim>();
	try {
		await callBatches(env, [...claims.keys()], (claim, step) => {
			settled.add(claim);
			settle(claims.get(claim) as Message<BroadcastTask>, step);
		});
	} finally {
		for (const [claim, message] of claims) if (!settled.has(claim)) settle(message, "retry");
	}
}

/** Acks a message, or retries it with backoff. */
function settle(message: Message<BroadcastTask>, step: "ack" | "retry"): void {
	if (step === "ack") message.ack();
	else message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
}

/** Runs one message's work and settles it on the outcome ("later": settled by the caller). */
async function attempt(
	message: Message<BroadcastTask>,
	work: () => Promise<"ack" | "retry" | "later">,
): Promise<void> {
	try {
		const step = await work();
		if (step !== "later") settle(message, step);
	} catch (error) {
		console.error(`Broadcast task failed (attempt ${message.attempts}), retried: ${error}`);
		settle(message, "retry");
	}
}

/** Cuts one stretch of a shard into batches and queues them, then the next stretch. */
async function planStep(env: Env, task: Extract<BroadcastTask, { kind: "plan" }>): Promise<void> {
	const ledger = env.BROADCAST.getByName(task.id);
	const known = await ledger.plan(task.shard, task.after);
	const cut =
		known.plan ??
		(await rosterShard(env, task.shard).ranges(
			task.after,
			known.filter,
			known.startedAt,
			BATCH_SIZE,
			BATCHES_PER_STEP,
		));
	// Idempotent: a redelivered step gets the plan recorded first, and the packs it made.
	const plan = await ledger.recordPlan(task.shard, task.after, cut, BATCH_SIZE);
	const tasks: BroadcastTask[] = [
		...plan.ranges.map((run) => ({
			kind: "batch" as const,
			id: task.id,
			key: batchKey(task.shard, run),
			pieces: [{ shard: task.shard, run }],
		})),
		...plan.packs.map((pack) => ({ kind: "batch" as const, id: task.id, ...pack })),
	];
	const last = plan.ranges.at(-1);
	if (plan.more && last) tasks.push({ ...task, after: last.to });
	for (let i = 0; i < tasks.length; i += SEND_BATCH_MAX) {
		await env.BROADCAST_QUEUE.sendBatch(
			tasks.slice(i, i + SEND_BATCH_MAX).map((body) => ({ body })),
		);
	}
}

/** A task the queue gave up on: its batch is recorded as dead and logged. */
async function buryTask(env: Env, task: BroadcastTask): Promise<void> {
	const what = task.kind === "plan" ? `planning step of shard ${task.shard}` : `batch ${task.key}`;
	console.error(`Broadcast ${task.id}: ${what} ended in the dead-letter queue`);
	if (task.kind === "batch")
		await env.BROADCAST.getByName(task.id).deadLetter(task.key, "dead letter");
}

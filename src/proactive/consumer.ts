/**
 * The broadcast queue's consumer: planning steps cut the roster into batches; each batch is one
 * paced `broadcast_message` call, claimed in the ledger before and recorded after (calls.ts), so
 * a redelivered batch is never sent twice. Retries back off; exhausted batches go to the
 * dead-letter queue, whose consumer records and logs them.
 */
import { type BatchTask, type CallOptions, type Claim, callBatches, claimBatches } from "./calls";
import { batchKey, type Plan, type RecordedPlan } from "./ledger";
import { rosterShard } from "./roster-client";
import {
	BATCH_SIZE,
	BATCHES_PER_MESSAGE,
	BATCHES_PER_STEP,
	type Batch,
	type BroadcastTask,
	SEND_BATCH_MAX,
} from "./tasks";

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
 * pacer and called together (calls.ts). A message of several batches is acked when all of them
 * ended, and delivered again if one must be retried: the ledger skips those already sent.
 */
export async function consumeBroadcasts(
	batch: MessageBatch<BroadcastTask>,
	env: Env,
	options: CallOptions = { registerTokens: true },
): Promise<void> {
	const dead = batch.queue.endsWith(DEAD_LETTER_SUFFIX);
	const units = dead
		? []
		: batch.messages.flatMap((message) =>
				batchesOf(message.body).map((task) => ({ message, task })),
			);
	const claiming = claimBatches(
		env,
		units.map((u) => u.task),
	);
	const open = new Map<Message<BroadcastTask>, { left: number; retry: boolean }>();
	for (const { message } of units) {
		const state = open.get(message) ?? { left: 0, retry: false };
		open.set(message, { ...state, left: state.left + 1 });
	}
	/** One batch of a message ended; the message is settled with its last batch. */
	const ended = (message: Message<BroadcastTask>, step: "ack" | "retry") => {
		const state = open.get(message) as { left: number; retry: boolean };
		state.left -= 1;
		state.retry ||= step === "retry";
		if (state.left === 0) settle(message, state.retry ? "retry" : "ack");
	};
	const claims = new Map<Claim, Message<BroadcastTask>>();
	const plans = dead ? [] : batch.messages.filter((m) => m.body.kind === "plan");
	await Promise.all([
		...batch.messages
			.filter(
				(message) => dead || (message.body.kind !== "plan" && batchesOf(message.body).length === 0),
			)
			.map((message) =>
				attempt(message, async () => {
					if (dead) await buryTask(env, message.body);
					return "ack";
				}),
			),
		...[...Map.groupBy(plans, (m) => m.body.id).values()].map((ofId) => planSteps(env, ofId)),
		...units.map(async ({ message }, i) => {
			try {
				const step = await claiming[i];
				if (typeof step === "object") claims.set(step, message);
				else ended(message, step as "ack" | "retry");
			} catch (error) {
				console.error(
					`Broadcast batch not claimed (attempt ${message.attempts}), retried: ${error}`,
				);
				ended(message, "retry");
			}
		}),
	]);
	if (claims.size === 0) return;
	const settled = new Set<Claim>();
	try {
		await callBatches(env, [...claims.keys()], options, (claim, step) => {
			settled.add(claim);
			ended(claims.get(claim) as Message<BroadcastTask>, step);
		});
	} finally {
		for (const [claim, message] of claims) if (!settled.has(claim)) ended(message, "retry");
	}
}

/** The batches a queue message carries (none for a planning step). */
function batchesOf(task: BroadcastTask): BatchTask[] {
	if (task.kind === "batches") return task.batches.map((b) => ({ id: task.id, ...b }));
	if (task.kind === "batch") return [{ id: task.id, key: task.key, pieces: task.pieces }];
	return [];
}

/** Acks a message, or retries it with backoff. */
function settle(message: Message<BroadcastTask>, step: "ack" | "retry"): void {
	if (step === "ack") message.ack();
	else message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
}

/** Runs one message's work and settles it on the outcome. */
async function attempt(
	message: Message<BroadcastTask>,
	work: () => Promise<"ack" | "retry">,
): Promise<void> {
	try {
		settle(message, await work());
	} catch (error) {
		console.error(`Broadcast task failed (attempt ${message.attempts}), retried: ${error}`);
		settle(message, "retry");
	}
}

type PlanTask = Extract<BroadcastTask, { kind: "plan" }>;

/**
 * Runs the planning steps of one broadcast in a delivery: each cuts one stretch of a shard into
 * batches; the next stretch is a step of its own. Their plans are recorded in one ledger request
 * (one commit for all) and their batches queued together, five a message, so that no message
 * but the last goes part-full. If any of it fails, every step is delivered again; steps are
 * idempotent.
 */
async function planSteps(env: Env, messages: Message<BroadcastTask>[]): Promise<void> {
	const tasks = messages.map((m) => m.body as PlanTask);
	try {
		const ledger = env.BROADCAST.getByName((tasks[0] as PlanTask).id);
		const cuts = await Promise.all(
			tasks.map(async (task) => {
				const known = await ledger.plan(task.shard, task.after);
				return (
					known.plan ??
					rosterShard(env, task.shard).ranges(
						task.after,
						known.filter,
						known.startedAt,
						BATCH_SIZE,
						BATCHES_PER_STEP,
					)
				);
			}),
		);
		// Idempotent: a redelivered step gets the plan recorded first, and the packs it made.
		const recorded = await ledger.recordPlans(
			tasks.map((task, i) => ({ shard: task.shard, after: task.after, plan: cuts[i] as Plan })),
			BATCH_SIZE,
		);
		await queueBatches(
			env,
			tasks.map((task, i) => ({ task, plan: recorded[i] as RecordedPlan })),
		);
	} catch (error) {
		console.error(`Broadcast planning failed, retried: ${error}`);
		for (const message of messages) settle(message, "retry");
		return;
	}
	for (const message of messages) settle(message, "ack");
}

/**
 * Queues recorded plans' batches of one broadcast, five a message, then the steps after them.
 * The steps' batches take turns, so that each chunk of calls reads every shard: a roster object
 * left idle for 10 s is evicted (hibernated), and one read in the first window only and again in
 * the next would be started afresh just then; reads of many shards also run side by side.
 */
async function queueBatches(
	env: Env,
	steps: { task: PlanTask; plan: RecordedPlan }[],
): Promise<void> {
	const ofSteps: Batch[][] = steps.map(({ task, plan }) => [
		...plan.ranges.map((run) => ({
			key: batchKey(task.shard, run),
			pieces: [{ shard: task.shard, run }],
		})),
		...plan.packs,
	]);
	const batches = interleave(ofSteps);
	const id = (steps[0] as { task: PlanTask }).task.id;
	const tasks: BroadcastTask[] = [];
	for (let i = 0; i < batches.length; i += BATCHES_PER_MESSAGE) {
		tasks.push({ kind: "batches", id, batches: batches.slice(i, i + BATCHES_PER_MESSAGE) });
	}
	for (const { task, plan } of steps) {
		const last = plan.ranges.at(-1);
		if (plan.more && last) tasks.push({ ...task, after: last.to });
	}
	for (let i = 0; i < tasks.length; i += SEND_BATCH_MAX) {
		await env.BROADCAST_QUEUE.sendBatch(
			tasks.slice(i, i + SEND_BATCH_MAX).map((body) => ({ body })),
		);
	}
}

/** The lists' items taken in turn: the first of each list, then the second of each, and so on. */
function interleave<T>(lists: T[][]): T[] {
	const longest = Math.max(0, ...lists.map((l) => l.length));
	return Array.from({ length: longest }, (_, i) =>
		lists.flatMap((l) => (i < l.length ? [l[i] as T] : [])),
	).flat();
}

/** A task the queue gave up on: its batches are recorded as dead (unless sent) and logged. */
async function buryTask(env: Env, task: BroadcastTask): Promise<void> {
	const batches = batchesOf(task);
	const what =
		task.kind === "plan"
			? `planning step of shard ${task.shard}`
			: `batch${batches.length > 1 ? "es" : ""} ${batches.map((b) => b.key).join(", ")}`;
	console.error(`Broadcast ${task.id}: ${what} ended in the dead-letter queue`);
	const ledger = env.BROADCAST.getByName(task.id);
	for (const b of batches) await ledger.deadLetter(b.key, "dead letter");
}

/**
 * The broadcast queue's consumer: planning steps cut the roster into batches; each batch is one
 * paced `broadcast_message` call, claimed in the ledger before and recorded after, so a
 * redelivered batch is never sent twice. Retries back off; exhausted batches go to the
 * dead-letter queue, whose consumer records and logs them.
 */
import { subscribersOf } from "../runtime/guarded-api";
import { senderFromEnv } from "../runtime/viber";
import { createViberApi, isRetryable, type ViberApi } from "../viber/client";
import { ViberApiError } from "../viber/errors";
import { type BeginResult, batchKey } from "./ledger";
import { reserveSlot, sleepUntil } from "./pacer";
import { registerBroadcastToken } from "./receipts";
import { rosterShard } from "./roster-client";
import { BATCH_SIZE, BATCHES_PER_STEP, type BroadcastTask, SEND_BATCH_MAX } from "./tasks";

/** How long a claim on a batch lasts: far longer than one call, pacing wait excluded. */
const LEASE_MS = 60_000;
/** Longest backoff between deliveries of a failing message. */
const MAX_DELAY_S = 300;

/** The dead-letter queue's name ends with this; its messages are recorded, not retried. */
export const DEAD_LETTER_SUFFIX = "-dlq";

/** Seconds before redelivering a message that failed `attempts` times: 1, 2, 4, … s. */
export function retryDelaySeconds(attempts: number): number {
	return Math.min(MAX_DELAY_S, 2 ** Math.max(0, attempts - 1));
}

/** A failure after which the call certainly did not reach users: safe to send again. */
function broadcastApi(env: Env): ViberApi {
	// One try per delivery: the queue's redelivery with backoff does the retrying.
	return createViberApi({
		token: env.VIBER_AUTH_TOKEN,
		baseUrl: env.VIBER_API_URL,
		sender: senderFromEnv(env),
		retry: { attempts: 1 },
	});
}

/** Handles one batch of the broadcast queue or its dead-letter queue. */
export async function consumeBroadcasts(
	batch: MessageBatch<BroadcastTask>,
	env: Env,
): Promise<void> {
	const dead = batch.queue.endsWith(DEAD_LETTER_SUFFIX);
	await Promise.all(
		batch.messages.map(async (message) => {
			try {
				if (dead) await buryTask(env, message.body);
				else if (message.body.kind === "plan") await planStep(env, message.body);
				else if (!(await sendBatch(env, message.body))) {
					message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
					return;
				}
				message.ack();
			} catch (error) {
				console.error(`Broadcast task failed (attempt ${message.attempts}), retried: ${error}`);
				message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
			}
		}),
	);
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

/**
 * Sends one batch at most once. Returns false when it should be delivered again later (the
 * call certainly did not go out, or another delivery holds the claim).
 */
async function sendBatch(
	env: Env,
	task: Extract<BroadcastTask, { kind: "batch" }>,
): Promise<boolean> {
	const ledger = env.BROADCAST.getByName(task.id);
	// The RPC type of a message union is too deep for the Rpc helper types; the value is plain data.
	const begun = (await ledger.begin(task.key, Date.now(), LEASE_MS)) as unknown as BeginResult;
	if (begun.action !== "send") {
		if (begun.action === "unknown") {
			console.error(
				`Broadcast ${task.id} batch ${task.key}: claimed, never recorded; not sent again`,
			);
		}
		return begun.action !== "wait";
	}
	let ids: string[];
	let slot: number | undefined;
	try {
		// The roster again, at send time: users who left since the broadcast started are dropped.
		const lists = await Promise.all(
			task.pieces.map((p) => rosterShard(env, p.shard).idsIn(p.run, begun.filter, begun.startedAt)),
		);
		ids = lists.flat();
		// The slot is taken last, so the call leaves as close to its time as can be.
		slot = ids.length > 0 ? await reserveSlot(env) : undefined;
		if (slot !== undefined && slot - Date.now() > LEASE_MS / 2) {
			await ledger.extend(task.key, slot + LEASE_MS);
		}
	} catch (error) {
		await ledger.release(task.key, String(error));
		throw error;
	}
	const skipped = task.pieces.reduce((n, p) => n + p.run.count, 0) - ids.length;
	if (ids.length === 0) {
		await ledger.finish(task.key, { sent: 0, skipped, failed: [] });
		return true;
	}
	await sleepUntil(slot);
	let answer: Awaited<ReturnType<ViberApi["broadcastMessage"]>>;
	try {
		answer = await broadcastApi(env).broadcastMessage(ids, begun.message);
	} catch (error) {
		if (isRetryable(error)) {
			await ledger.release(task.key, String(error));
			return false;
		}
		// An answer that broke off after Viber's 200 went out; so did a call with a malformed answer.
		const refused = error instanceof ViberApiError ? error.status : undefined;
		const failed = refused === undefined ? [] : ids.map(() => ({ status: refused }));
		await ledger.finish(task.key, { sent: ids.length - failed.length, skipped, failed });
		console.error(`Broadcast ${task.id} batch ${task.key}: ${error}`);
		return true;
	}
	const token = answer.message_tokens[0];
	const failed = answer.failed_list;
	await ledger.finish(task.key, { sent: ids.length - failed.length, skipped, token, failed });
	// Best effort after the record: a lost update is learnt again from the next broadcast.
	const subscribers = subscribersOf(env);
	const followUps = [
		...(token ? [registerBroadcastToken(env, token, task.id)] : []),
		...failed.map((f) => subscribers.rejected(f.receiver, f.status)),
	];
	for (const result of await Promise.allSettled(followUps)) {
		if (result.status === "rejected") console.error(`Broadcast follow-up failed: ${result.reason}`);
	}
	return true;
}

/** A task the queue gave up on: its batch is recorded as dead and logged. */
async function buryTask(env: Env, task: BroadcastTask): Promise<void> {
	const what = task.kind === "plan" ? `planning step of shard ${task.shard}` : `batch ${task.key}`;
	console.error(`Broadcast ${task.id}: ${what} ended in the dead-letter queue`);
	if (task.kind === "batch")
		await env.BROADCAST.getByName(task.id).deadLetter(task.key, "dead letter");
}

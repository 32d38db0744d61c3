/**
 * The batches of one queue delivery: claimed in the ledger (one request per broadcast), checked
 * against the roster, timed by the pacer in one request, called together at their time and
 * recorded together after, so a redelivered batch is never sent twice.
 */
import { subscribersOf } from "../runtime/guarded-api";
import { senderFromEnv } from "../runtime/viber";
import { createViberApi, isRetryable, type ViberApi } from "../viber/client";
import { ViberApiError } from "../viber/errors";
import type { FailedReceiver } from "../viber/schemas/responses";
import type { BatchOutcome, BeginResult } from "./ledger";
import { departInGroups, reserveSlots } from "./pacer";
import { registerBroadcastToken } from "./receipts";
import { rosterShard } from "./roster-client";
import type { BroadcastTask } from "./tasks";

/** How long a claim on a batch lasts: far longer than one call, pacing wait excluded. */
const LEASE_MS = 60_000;

export type BatchTask = Extract<BroadcastTask, { kind: "batch" }>;

/** A batch claimed for its call, with the receivers still subscribed at claim time. */
export interface Claim {
	task: BatchTask;
	begun: Extract<BeginResult, { action: "send" }>;
	ids: string[];
	skipped: number;
}

/** A message's outcome: done (ack), to be delivered again later, or a claimed batch to call. */
export type Step = "ack" | "retry" | Claim;

function broadcastApi(env: Env): ViberApi {
	// One try per delivery: the queue's redelivery with backoff does the retrying.
	return createViberApi({
		token: env.VIBER_AUTH_TOKEN,
		baseUrl: env.VIBER_API_URL,
		sender: senderFromEnv(env),
		retry: { attempts: 1 },
	});
}

const ledgerOf = (env: Env, claim: { task: BatchTask }) => env.BROADCAST.getByName(claim.task.id);

/**
 * Claims batches, one ledger request per broadcast, and reads each one's receivers. Each
 * promise: a claim to call, "ack" when there is nothing to call (sent before, or everyone
 * left), "retry" while another delivery holds the claim.
 */
export function claimBatches(env: Env, tasks: BatchTask[]): Promise<Step>[] {
	const claims = new Map<string, Promise<BeginResult[]>>();
	for (const [id, ofId] of Map.groupBy(tasks, (t) => t.id)) {
		const keys = ofId.map((t) => t.key);
		// The RPC type of a message union is too deep for the Rpc helper types; the value is plain data.
		const begun = env.BROADCAST.getByName(id).beginMany(keys, Date.now(), LEASE_MS);
		claims.set(id, begun as unknown as Promise<BeginResult[]>);
	}
	return tasks.map(async (task) => {
		const sameId = tasks.filter((t) => t.id === task.id);
		const begun = (await claims.get(task.id))?.[sameId.indexOf(task)];
		if (!begun) throw new Error(`batch ${task.key}: no claim`);
		if (begun.action !== "send") {
			if (begun.action === "unknown") {
				console.error(
					`Broadcast ${task.id} batch ${task.key}: claimed, never recorded; not sent again`,
				);
			}
			return begun.action === "wait" ? "retry" : "ack";
		}
		let ids: string[];
		try {
			// The roster again, at send time: users who left since the broadcast started are dropped.
			const lists = await Promise.all(
				task.pieces.map((p) =>
					rosterShard(env, p.shard).idsIn(p.run, begun.filter, begun.startedAt),
				),
			);
			ids = lists.flat();
		} catch (error) {
			await ledgerOf(env, { task }).release(task.key, String(error));
			throw error;
		}
		const skipped = task.pieces.reduce((n, p) => n + p.run.count, 0) - ids.length;
		if (ids.length > 0) return { task, begun, ids, skipped };
		await ledgerOf(env, { task }).finish(task.key, { sent: 0, skipped, failed: [] });
		return "ack";
	});
}

/**
 * Makes the claimed batches' calls, paced: their times come from one request to the pacer, the
 * calls of one time leave together and are recorded together. `settle` hears of each batch's
 * end: "ack", or "retry" when its call certainly did not go out (the claim is given back).
 */
export async function callBatches(
	env: Env,
	claims: Claim[],
	settle: (claim: Claim, step: "ack" | "retry") => void,
): Promise<void> {
	const giveBack = async (group: Claim[], error: unknown) => {
		console.error(`Broadcast calls not timed, retried: ${error}`);
		await Promise.allSettled(group.map((c) => ledgerOf(env, c).release(c.task.key, String(error))));
		for (const claim of group) settle(claim, "retry");
	};
	let slots: (number | undefined)[];
	try {
		slots = await reserveSlots(env, claims.length);
	} catch (error) {
		return giveBack(claims, error);
	}
	await departInGroups(env, claims, slots, {
		fail: giveBack,
		// A claim that waits for a time far ahead is kept that long (and the call then made).
		onTime: async (at, group) => {
			if (at - Date.now() <= LEASE_MS / 2) return;
			await Promise.all(group.map((c) => ledgerOf(env, c).extend(c.task.key, at + LEASE_MS)));
		},
		go: async (group) => {
			const answers = await Promise.all(group.map((claim) => call(env, claim)));
			const done = group.flatMap((claim, i) => {
				const answer = answers[i];
				if (answer) return [{ claim, ...answer }];
				settle(claim, "retry");
				return [];
			});
			try {
				await record(env, done);
			} catch (error) {
				// Delivered again, the batches find their claims: waited for, then "unknown", never resent.
				console.error(`Broadcast calls made but not recorded: ${error}`);
				for (const { claim } of done) settle(claim, "retry");
				return;
			}
			for (const { claim } of done) settle(claim, "ack");
		},
	});
}

/** What a call ended with: its outcome to record, and the receivers Viber refused. */
interface Answer {
	outcome: BatchOutcome;
	rejected: FailedReceiver[];
}

/** One batch's call; undefined when it certainly did not go out (the claim is given back). */
async function call(env: Env, claim: Claim): Promise<Answer | undefined> {
	const { task, begun, ids, skipped } = claim;
	try {
		const answer = await broadcastApi(env).broadcastMessage(ids, begun.message);
		const rejected = answer.failed_list;
		const failed = rejected.map((f) => ({ status: f.status }));
		const token = answer.message_tokens[0];
		return { outcome: { sent: ids.length - failed.length, skipped, token, failed }, rejected };
	} catch (error) {
		if (isRetryable(error)) {
			await ledgerOf(env, claim).release(task.key, String(error));
			return undefined;
		}
		// An answer that broke off after Viber's 200 went out; so did a call with a malformed answer.
		const refused = error instanceof ViberApiError ? error.status : undefined;
		const failed = refused === undefined ? [] : ids.map(() => ({ status: refused }));
		console.error(`Broadcast ${task.id} batch ${task.key}: ${error}`);
		return { outcome: { sent: ids.length - failed.length, skipped, failed }, rejected: [] };
	}
}

/** Records the outcomes of calls that left together (one request per broadcast), then their follow-ups. */
async function record(env: Env, done: (Answer & { claim: Claim })[]): Promise<void> {
	for (const [id, ofId] of Map.groupBy(done, (d) => d.claim.task.id)) {
		await env.BROADCAST.getByName(id).finishMany(
			ofId.map(({ claim, outcome }) => ({ key: claim.task.key, outcome })),
		);
	}
	// Best effort after the record: a lost update is learnt again from the next broadcast.
	const subscribers = subscribersOf(env);
	const followUps = done.flatMap(({ claim, outcome, rejected }) => [
		...(outcome.token ? [registerBroadcastToken(env, outcome.token, claim.task.id)] : []),
		...rejected.map((f) => subscribers.rejected(f.receiver, f.status)),
	]);
	for (const result of await Promise.allSettled(followUps)) {
		if (result.status === "rejected") console.error(`Broadcast follow-up failed: ${result.reason}`);
	}
}

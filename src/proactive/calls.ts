/**
 * The batches of one queue delivery: claimed in the ledger (one request per broadcast), timed by
 * the pacer in one request, checked against the roster at their time, called together and
 * recorded together after, so a redelivered batch is never sent twice.
 */
import { subscribersOf } from "../runtime/guarded-api";
import { senderFromEnv } from "../runtime/viber";
import {
	createViberApi,
	isRetryable,
	MAX_BROADCAST_RECEIVERS,
	type ViberApi,
} from "../viber/client";
import { ViberApiError } from "../viber/errors";
import { JsonText, stringifyJson } from "../viber/json";
import { prepareMessage } from "../viber/limits";
import { BroadcastResponseSchema, type FailedReceiver } from "../viber/schemas/responses";
import type { BatchOutcome, BeginResult } from "./ledger";
import { departInGroups, LATE_MS, reportAnswers, type Slot, SOON_MS, takeSlots } from "./pacer";
import { registerBroadcastTokens } from "./receipts";
import { rosterShard } from "./roster-client";
import type { Batch } from "./tasks";

/**
 * Batches whose receivers are read and times reserved together, before their calls leave. The
 * calls a window later follow a chunk's answers, so a smaller chunk lets them go sooner after
 * their own twin; a larger one costs fewer requests (50 measured best in `bench/broadcast.mjs`).
 */
const CHUNK = 50;

/** How long a claim on a batch lasts: far longer than one call, pacing wait excluded. */
const LEASE_MS = 60_000;

/** A batch of one broadcast. */
export type BatchTask = Batch & { id: string };

export interface CallOptions {
	/** Register each call's token for `isBroadcastToken` (see `tellsBroadcastReceipts`). */
	registerTokens: boolean;
	/** Batches read and timed together (default `CHUNK`). */
	chunk?: number;
}

/** A batch claimed for its call. */
export interface Claim {
	task: BatchTask;
	begun: Extract<BeginResult, { action: "send" }>;
}

/** A message's outcome: done (ack), to be delivered again later, or a claimed batch to call. */
export type Step = "ack" | "retry" | Claim;

/** A claimed batch's receivers still subscribed at its time: as JSON text, and how many. */
interface Receivers {
	json: string;
	count: number;
	skipped: number;
}

/** Receivers, and when they were read. */
type ReadReceivers = Receivers & { readAt: number };

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
 * Claims batches, one ledger request per broadcast. Each promise: a claim to call, "ack" when
 * there is nothing to call (sent before), "retry" while another delivery holds the claim.
 */
export function claimBatches(env: Env, tasks: BatchTask[]): Promise<Step>[] {
	const claims = new Map<string, Promise<BeginResult[]>>();
	for (const [id, ofId] of Map.groupBy(tasks, (t) => t.id)) {
		const keys = ofId.map((t) => t.key);
		// The RPC type of a message union is too deep for the Rpc helper types; the value is plain data.
		const begun = env.BROADCAST.getByName(id).beginMany(keys, Date.now(), LEASE_MS);
		claims.set(id, begun as unknown as Promise<BeginResult[]>);
	}
	// Each task's place among its broadcast's keys, which is its place in the ledger's answer.
	const seen = new Map<string, number>();
	const places = tasks.map((t) => {
		const place = seen.get(t.id) ?? 0;
		seen.set(t.id, place + 1);
		return place;
	});
	return tasks.map(async (task, i) => {
		const begun = (await claims.get(task.id))?.[places[i] as number];
		if (!begun) throw new Error(`batch ${task.key}: no claim`);
		if (begun.action === "send") return { task, begun };
		if (begun.action === "unknown") {
			console.error(
				`Broadcast ${task.id} batch ${task.key}: claimed, never recorded; not sent again`,
			);
		}
		return begun.action === "wait" ? "retry" : "ack";
	});
}

/**
 * The roster again, shortly before the batches' calls: users who left since the broadcast
 * started, or since the batch was queued, are dropped. One request per shard and broadcast.
 */
async function receiversOf(env: Env, claims: Claim[]): Promise<Receivers[]> {
	const pieces = claims.flatMap((claim) => claim.task.pieces.map((piece) => ({ claim, piece })));
	const lists = new Map<(typeof pieces)[number], { count: number; json: string }>();
	const asks = Map.groupBy(pieces, (p) => `${p.claim.task.id} ${p.piece.shard}`);
	await Promise.all(
		[...asks.values()].map(async (ask) => {
			const { piece, claim } = ask[0] as (typeof pieces)[number];
			const { filter, startedAt } = claim.begun;
			const runs = ask.map((p) => p.piece.run);
			const answers = await rosterShard(env, piece.shard).idsInMany(runs, filter, startedAt);
			for (const [i, p] of ask.entries())
				lists.set(p, answers[i] as { count: number; json: string });
		}),
	);
	const byClaim = Map.groupBy(pieces, (p) => p.claim);
	return claims.map((claim) => {
		const own = (byClaim.get(claim) ?? []).map(
			(p) => lists.get(p) as { count: number; json: string },
		);
		const count = own.reduce((n, l) => n + l.count, 0);
		const queued = claim.task.pieces.reduce((n, p) => n + p.run.count, 0);
		// Pieces of one batch are joined as JSON text: `[a,b]` and `[c]` make `[a,b,c]`.
		const parts = own.filter((l) => l.count > 0).map((l) => l.json.slice(1, -1));
		return { json: `[${parts.join(",")}]`, count, skipped: queued - count };
	});
}

/**
 * Makes the claimed batches' calls, paced. Their receivers are read first, so that a call
 * leaves at its time rather than a roster read after it; a call that waits for a later time
 * has them read (again) just before it (`departInGroups`' `soon`). The times come from one request
 * to the pacer; the calls of one time leave together and are recorded together. `settle` hears
 * of each batch's end: "ack", or "retry" when its call certainly did not go out (the claim is
 * given back).
 */
export async function callBatches(
	env: Env,
	claims: Claim[],
	options: CallOptions,
	settle: (claim: Claim, step: "ack" | "retry") => void,
): Promise<void> {
	const giveBack = async (group: Claim[], error: unknown) => {
		console.error(`Broadcast calls not made, retried: ${error}`);
		await Promise.allSettled(group.map((c) => ledgerOf(env, c).release(c.task.key, String(error))));
		for (const claim of group) settle(claim, "retry");
	};
	const receivers = new Map<Claim, ReadReceivers>();
	const api = broadcastApi(env);
	// A broadcast's message, checked and serialized once for all its calls.
	const messages = new Map<string, string>();
	const messageOf = ({ task, begun }: Claim) => {
		let text = messages.get(task.id);
		if (text === undefined) {
			text = stringifyJson(prepareMessage(begun.message, { sender: senderFromEnv(env) }));
			messages.set(task.id, text);
		}
		return text;
	};
	/** Reads the receivers of the claims not read within `SOON_MS`. */
	const read = async (group: Claim[]) => {
		const since = Date.now() - SOON_MS;
		const stale = group.filter((c) => (receivers.get(c)?.readAt ?? -1) < since);
		if (stale.length === 0) return;
		const lists = await receiversOf(env, stale);
		const readAt = Date.now();
		for (const [i, claim] of stale.entries()) {
			receivers.set(claim, { ...(lists[i] as Receivers), readAt });
		}
	};
	const answered = new Map<Claim, Promise<unknown>>();
	/** Calls the group's batches that still have receivers, and records them all. */
	const go = async (group: Claim[], slots: (Slot | undefined)[] = []) => {
		const calls = Promise.all(
			group.map((claim) =>
				callNow(env, api, claim, receivers.get(claim) as Receivers, messageOf(claim)),
			),
		);
		const heard = calls.catch(() => {});
		for (const claim of group) answered.set(claim, heard);
		const answers = await calls;
		// The pacer lets the calls a window later go a window after these answers (they reached
		// Viber by the last of them, if at all): best effort.
		const now = Date.now();
		const reported = reportAnswers(
			env,
			slots.flatMap((slot) => (slot ? [{ ...slot, answered: now }] : [])),
		).catch((error) => console.error(`Broadcast answers not reported to the pacer: ${error}`));
		const done = group.flatMap((claim, i) => {
			const answer = answers[i];
			if (answer) return [{ claim, ...answer }];
			settle(claim, "retry");
			return [];
		});
		try {
			await Promise.all([record(env, done, options), reported]);
		} catch (error) {
			// Delivered again, the batches find their claims: waited for, then "unknown", never resent.
			console.error(`Broadcast calls made but not recorded: ${error}`);
			for (const { claim } of done) settle(claim, "retry");
			return;
		}
		for (const { claim } of done) settle(claim, "ack");
	};
	// In chunks: a chunk's calls are on their way while the next chunk's receivers are read and
	// its times taken. The next chunk leaves once calls that left at once are answered, so that
	// no more than a chunk is on its way at a time (a call then reaches Viber close to its time),
	// and no request to the pacer stands between one chunk's answers and the next one's calls.
	// Once a chunk's times lie ahead, the chunks after it take their times first and are read
	// only shortly before them (`soon`): reading them now would be done again and hold up the
	// calls that go now.
	const departures: Promise<void>[] = [];
	let onTheirWay: { chunk: Claim[]; departing: Promise<unknown> } | undefined;
	let ahead = false;
	const size = options.chunk ?? CHUNK;
	for (let i = 0; i < claims.length; i += size) {
		const chunk = claims.slice(i, i + size);
		try {
			if (!ahead) await read(chunk);
		} catch (error) {
			departures.push(giveBack(chunk, error));
			continue;
		}
		// Batches everyone left need no time: recorded at once (those read yet).
		const empty = chunk.filter((c) => receivers.get(c)?.count === 0);
		const toCall = chunk.filter((c) => receivers.get(c)?.count !== 0);
		if (empty.length > 0) departures.push(go(empty));
		let slots: (Slot | undefined)[];
		try {
			slots = await takeSlots(env, toCall.length);
		} catch (error) {
			departures.push(giveBack(toCall, error));
			continue;
		}
		// Its times then lie back by up to the wait for those answers: `departInGroups` lets it
		// go if that is within `LATE_MS`, else keeps or retakes its slots.
		if (onTheirWay) {
			const { chunk: earlier, departing } = onTheirWay;
			await Promise.all(earlier.map((c) => answered.get(c) ?? departing.catch(() => {})));
		}
		const departing = departInGroups(env, toCall, slots, {
			fail: giveBack,
			// A claim that waits for a time far ahead is kept that long (and the call then made).
			onTime: async (at, group) => {
				if (at - Date.now() <= LEASE_MS / 2) return;
				await Promise.all(group.map((c) => ledgerOf(env, c).extend(c.task.key, at + LEASE_MS)));
			},
			soon: read,
			go,
		});
		departures.push(departing);
		const atOnce = slots.every((slot) => slot === undefined || slot.at <= Date.now() + LATE_MS);
		onTheirWay = atOnce ? { chunk: toCall, departing } : undefined;
		ahead = !atOnce;
	}
	await Promise.all(departures);
}

/** What a call ended with: its outcome to record, and the receivers Viber refused. */
interface Answer {
	outcome: BatchOutcome;
	rejected: FailedReceiver[];
}

/**
 * One batch's call, to its receivers (none: no call); undefined when it certainly did not go out
 * (the claim is given back).
 */
async function callNow(
	env: Env,
	api: ViberApi,
	claim: Claim,
	receivers: Receivers,
	message: string,
): Promise<Answer | undefined> {
	const { task } = claim;
	const { count, skipped } = receivers;
	if (count === 0) return { outcome: { sent: 0, skipped, failed: [] }, rejected: [] };
	if (count > MAX_BROADCAST_RECEIVERS) {
		// Planning never makes one; were it to, it is given back and ends dead, never counted sent.
		const error = `batch of ${count} receivers, over Viber's ${MAX_BROADCAST_RECEIVERS}`;
		console.error(`Broadcast ${task.id} batch ${task.key}: ${error}`);
		await ledgerOf(env, claim).release(task.key, error);
		return undefined;
	}
	try {
		const body = new JsonText(`${message.slice(0, -1)},"broadcast_list":${receivers.json}}`);
		const answer = await api.call("broadcast_message", body, BroadcastResponseSchema);
		const rejected = answer.failed_list ?? [];
		const failed = rejected.map((f) => ({ status: f.status }));
		const token = answer.message_token;
		return { outcome: { sent: count - failed.length, skipped, token, failed }, rejected };
	} catch (error) {
		if (isRetryable(error)) {
			await ledgerOf(env, claim).release(task.key, String(error));
			return undefined;
		}
		// An answer that broke off after Viber's 200 went out; so did a call with a malformed answer.
		const refused = error instanceof ViberApiError ? error.status : undefined;
		const failed = Array.from({ length: refused === undefined ? 0 : count }, () => ({
			status: refused as number,
		}));
		console.error(`Broadcast ${task.id} batch ${task.key}: ${error}`);
		return { outcome: { sent: count - failed.length, skipped, failed }, rejected: [] };
	}
}

/** Records the outcomes of calls that left together (one request per broadcast), then their follow-ups. */
async function record(
	env: Env,
	done: (Answer & { claim: Claim })[],
	options: CallOptions,
): Promise<void> {
	for (const [id, ofId] of Map.groupBy(done, (d) => d.claim.task.id)) {
		await env.BROADCAST.getByName(id).finishMany(
			ofId.map(({ claim, outcome }) => ({ key: claim.task.key, outcome })),
		);
	}
	// Best effort after the record: a lost update is learnt again from the next broadcast.
	const subscribers = subscribersOf(env);
	const tokens = options.registerTokens
		? done.flatMap(({ claim, outcome }) =>
				outcome.token ? [{ token: outcome.token, broadcastId: claim.task.id }] : [],
			)
		: [];
	const followUps = [
		...(tokens.length > 0 ? [registerBroadcastTokens(env, tokens)] : []),
		...done.flatMap(({ rejected }) =>
			rejected.map((f) => subscribers.rejected(f.receiver, f.status)),
		),
	];
	for (const result of await Promise.allSettled(followUps)) {
		if (result.status === "rejected") console.error(`Broadcast follow-up failed: ${result.reason}`);
	}
}

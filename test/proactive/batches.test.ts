import { createMessageBatch, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { Bot } from "../../src/framework/bot";
import { broadcastStats } from "../../src/proactive/broadcast";
import { callBatches, claimBatches } from "../../src/proactive/calls";
import { consumeBroadcasts } from "../../src/proactive/consumer";
import { isBroadcastToken, tellsBroadcastReceipts } from "../../src/proactive/receipts";
import { applyToRoster } from "../../src/proactive/roster-client";
import { shardCount, shardOf } from "../../src/proactive/shard";
import type { BroadcastTask } from "../../src/proactive/tasks";
import { broadcastTokens, callsWithText, deliver, settled } from "../helpers/broadcast";
import { TOKEN } from "../helpers/callbacks";
import { captureErrors } from "../helpers/console";
import { fakeViber } from "../helpers/fake-viber";
import { rosterShardOf, seedRoster } from "../helpers/roster";

const QUEUE = "viber-broadcasts";

/**
 * A broadcast whose one batch (the users of one shard) is planned but not queued, so the test
 * hands it to the consumer itself, as often and whenever it likes.
 */
async function plannedBatch(country: string, text: string, users = 40) {
	const ids = await seedRoster(users, country);
	// The fullest shard, so that a test can take a user out and still have some left.
	const byShard = Map.groupBy(ids, (id) => shardOf(id, shardCount(env)));
	const [shard, members] = [...byShard].sort((a, b) => b[1].length - a[1].length)[0] as [
		number,
		string[],
	];
	const inShard = members.sort();
	const id = `test-${country}`;
	const ledger = env.BROADCAST.getByName(id);
	const filter = { country };
	await ledger.create({
		id,
		message: { type: "text", text },
		filter,
		startedAt: Date.now(),
		shards: 1,
	});
	const cut = await rosterShardOf(inShard[0] as string).ranges("", filter, Date.now(), 300, 1);
	// One shard of one: its short run is packed into a batch of its own at once.
	const [pack] = (await ledger.recordPlan(shard, "", cut, 300)).packs;
	if (!pack) throw new Error("no batch planned");
	const task: Extract<BroadcastTask, { kind: "batch" }> = { kind: "batch", id, ...pack };
	return { id, task, inShard, ledger };
}

/** A broadcast to `country` whose ledger exists, and its first planning step of every shard. */
async function unplannedBroadcast(id: string, country: string) {
	const shards = shardCount(env);
	await env.BROADCAST.getByName(id).create({
		id,
		message: { type: "text", text: `plan ${country}` },
		filter: { country },
		startedAt: Date.now(),
		shards,
	});
	const steps: BroadcastTask[] = Array.from({ length: shards }, (_, shard) => ({
		kind: "plan",
		id,
		shard,
		after: "",
	}));
	return { id, steps };
}

const pacer = () => env.PACER.getByName("broadcast");

/** How many times the bot's pacer has handed out. */
const taken = () =>
	runInDurableObject(pacer(), (_, state) =>
		Number(state.storage.sql.exec("SELECT n FROM counter").toArray()[0]?.n ?? 0),
	);

/** Makes the bot's pacer's next time `at`, with no call in its ring; returns `taken()`. */
const nextTimeAt = (at: number) =>
	runInDurableObject(pacer(), (_, state) => {
		const n = Number(state.storage.sql.exec("SELECT n FROM counter").toArray()[0]?.n ?? 0);
		state.storage.sql.exec("DELETE FROM ring");
		state.storage.sql.exec(
			"INSERT OR REPLACE INTO counter (singleton, n, last) VALUES (1, ?, ?)",
			n,
			at,
		);
		return n;
	});

describe("a broadcast batch", () => {
	const errors = captureErrors();
	it("is sent once even when the queue delivers it again", async () => {
		const { id, task, inShard } = await plannedBatch("C1", "again C1");
		const first = await deliver(QUEUE, [task]);
		const second = await deliver(QUEUE, [task], 2);
		expect(first.explicitAcks).toEqual(["m0"]);
		expect(second.explicitAcks).toEqual(["m0"]);
		expect(await callsWithText("again C1")).toEqual([inShard]);
		expect(await broadcastStats(env, id)).toMatchObject({ sent: inShard.length, calls: 1 });
	});

	it("is not sent again when a delivery died between the call and its record", async () => {
		const { id, task, inShard, ledger } = await plannedBatch("C2", "crash C2");
		// A delivery claimed the batch (and may have called Viber), then died: its claim ran out.
		await ledger.begin(task.key, Date.now() - 120_000, 60_000);
		const result = await deliver(QUEUE, [task], 2);
		expect(result.explicitAcks).toEqual(["m0"]);
		expect(await callsWithText("crash C2")).toEqual([]);
		expect(await broadcastStats(env, id)).toMatchObject({ unknown: inShard.length, sent: 0 });
		await vi.waitFor(() => errors.logged(/claimed, never recorded; not sent again/));
	});

	it("waits while another delivery holds the claim", async () => {
		const { task, ledger } = await plannedBatch("C3", "busy C3");
		await ledger.begin(task.key, Date.now(), 60_000);
		const result = await deliver(QUEUE, [task], 2);
		expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
		expect(await callsWithText("busy C3")).toEqual([]);
	});

	it("leaves out a user who unsubscribed after the broadcast started", async () => {
		const { id, task, inShard } = await plannedBatch("C4", "late C4");
		const [leaver, ...rest] = inShard as [string, ...string[]];
		await applyToRoster(env, { userId: leaver, state: "unsubscribed", version: 5 });
		await deliver(QUEUE, [task]);
		expect(await callsWithText("late C4")).toEqual([rest]);
		expect(await broadcastStats(env, id)).toMatchObject({ sent: rest.length, skipped: 1 });
	});

	it("is read shortly before a time ahead, so users who left while it waited are left out", async () => {
		const batches = [
			await plannedBatch("D1", "wait D1"),
			await plannedBatch("D2", "wait D2"),
			await plannedBatch("D3", "wait D3"),
		];
		// The pacer's next times lie 3 s ahead: the first batch is read, takes its time and waits;
		// the two after it (a chunk each) take theirs without a read.
		const before = await nextTimeAt(Date.now() + 3_000);
		const steps = await Promise.all(
			claimBatches(
				env,
				batches.map(({ task }) => ({ ...task })),
			),
		);
		const claims = steps.filter((step) => typeof step === "object");
		expect(claims).toHaveLength(3);
		const ended: string[] = [];
		const calling = callBatches(env, claims, { registerTokens: false, chunk: 1 }, (claim, step) =>
			ended.push(`${claim.task.id} ${step}`),
		);
		await vi.waitFor(async () => expect(await taken()).toBe(before + 3));
		const leavers = batches.map(({ inShard }) => inShard[0] as string);
		for (const userId of leavers) {
			await applyToRoster(env, { userId, state: "unsubscribed", version: 5 });
		}
		await calling;
		expect(ended.sort()).toEqual(["test-D1 ack", "test-D2 ack", "test-D3 ack"]);
		for (const { inShard, id } of batches) {
			expect(await callsWithText(`wait ${id.slice(-2)}`)).toEqual([inShard.slice(1)]);
		}
	});

	it("takes its time while the chunk before is on its way, and leaves once that is answered", async () => {
		const [first, second] = [
			await plannedBatch("E1", "next E1"),
			await plannedBatch("E2", "next E2"),
		];
		// The pacer's next times are now, so both chunks go at once, one after the other.
		const before = await nextTimeAt(Date.now() - 60_000);
		await fakeViber.fault({
			token: TOKEN,
			endpoint: "broadcast_message",
			receiver: first.inShard[0],
			delayMs: 1_500,
		});
		const claims = (await Promise.all(claimBatches(env, [first.task, second.task]))).filter(
			(step) => typeof step === "object",
		);
		const calling = callBatches(env, claims, { registerTokens: false, chunk: 1 }, () => {});
		// While the first call waits for its answer, the second chunk holds its time already but
		// has not gone.
		await vi.waitFor(async () => expect(await taken()).toBe(before + 2));
		expect(await callsWithText("next E1")).toHaveLength(1);
		expect(await callsWithText("next E2")).toEqual([]);
		await calling;
		expect(await callsWithText("next E2")).toEqual([second.inShard]);
	});

	it("goes once when one delivery holds it twice, beside another broadcast's batch", async () => {
		const a = await plannedBatch("C6", "pair C6");
		const b = await plannedBatch("C7", "pair C7");
		const reserved = await taken();
		const result = await deliver(QUEUE, [a.task, b.task, a.task]);
		// The second copy finds the first's claim and waits; both batches are called, once each.
		expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
		expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m2"]);
		expect(await callsWithText("pair C6")).toEqual([a.inShard]);
		expect(await callsWithText("pair C7")).toEqual([b.inShard]);
		// One time from the pacer per call made, taken for the delivery at once.
		expect((await taken()) - reserved).toBe(2);
	});

	it("goes in a message with others, which is delivered again while one of them must be", async () => {
		const { id, task, inShard } = await plannedBatch("C8", "many C8");
		const batch = { key: task.key, pieces: task.pieces };
		// The same batch twice in one message: the second finds the first's claim and must wait.
		const message: BroadcastTask = { kind: "batches", id, batches: [batch, batch] };
		const first = await deliver(QUEUE, [message]);
		expect(first.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
		expect(first.explicitAcks).toEqual([]);
		// Delivered again, the batch sent the first time is skipped: the message is acked.
		const second = await deliver(QUEUE, [message], 2);
		expect(second.explicitAcks).toEqual(["m0"]);
		expect(await callsWithText("many C8")).toEqual([inShard]);
	});

	it("registers its call's token for the webhook only for a bot that handles receipts", async () => {
		const a = await plannedBatch("C12", "tokens C12");
		const batchOf = (task: typeof a.task) =>
			createMessageBatch<BroadcastTask>(QUEUE, [
				{ id: "m0", timestamp: new Date(), attempts: 1, body: task },
			]);
		await consumeBroadcasts(batchOf(a.task), env, { registerTokens: true });
		const [tokenA] = await broadcastTokens(a.id);
		expect(await isBroadcastToken(env, tokenA as string)).toBe(true);
		// The test worker's bot handles no receipts: nothing to tell apart, no write per shard.
		const b = await plannedBatch("C13", "tokens C13");
		await deliver(QUEUE, [b.task]);
		const [tokenB] = await broadcastTokens(b.id);
		expect(tokenB).toBeDefined();
		expect(await isBroadcastToken(env, tokenB as string)).toBe(false);
	});

	it("registers tokens for bots with receipt handlers that leave broadcasts' receipts out", () => {
		const bot = (options = {}) => new Bot(options);
		expect(tellsBroadcastReceipts(bot())).toBe(false);
		const texts = bot();
		texts.on("message:text", () => {});
		expect(tellsBroadcastReceipts(texts)).toBe(false);
		const seen = bot();
		seen.on("seen", () => {});
		expect(tellsBroadcastReceipts(seen)).toBe(true);
		const all = bot({ broadcastReceiptHandlers: true });
		all.on("delivered", () => {});
		expect(tellsBroadcastReceipts(all)).toBe(false);
		// A catch-all middleware may act on receipts too.
		const catchAll = bot();
		catchAll.use((_ctx, next) => next());
		expect(tellsBroadcastReceipts(catchAll)).toBe(true);
	});

	it("is planned once when a delivery of planning steps comes again", async () => {
		const ids = await seedRoster(50, "C14");
		const { id, steps } = await unplannedBroadcast("test-plan-again", "C14");
		const shards = steps.length;
		expect((await deliver(QUEUE, steps)).explicitAcks).toHaveLength(shards);
		expect((await deliver(QUEUE, steps, 2)).explicitAcks).toHaveLength(shards);
		const stats = await settled(id);
		expect(stats).toMatchObject({ queued: ids.length, sent: ids.length, unknown: 0 });
		const calls = await callsWithText("plan C14");
		expect(calls.flat().sort()).toEqual([...ids].sort());
	});

	it("is queued five a message, in turn with the batches of the other shards' steps", async () => {
		// 610 users in each of shards 0 and 1: each step cuts two runs of 300, and the two short
		// runs of 10 are packed into a fifth batch, which the last step to report (shard 15's)
		// queues. The steps of one delivery queue all five together, a batch of each step in
		// turn, so that the calls of every window read every shard.
		const seeded = [0, 0];
		const ids = await seedRoster(1220, "C15", (userId) => {
			const shard = shardOf(userId, shardCount(env));
			if (shard > 1 || (seeded[shard] as number) >= 610) return false;
			seeded[shard] = (seeded[shard] as number) + 1;
			return true;
		});
		const { id, steps } = await unplannedBroadcast("test-pack-messages", "C15");
		const shards = steps.length;
		const sent = vi.spyOn(env.BROADCAST_QUEUE, "sendBatch");
		try {
			expect((await deliver(QUEUE, steps)).explicitAcks).toHaveLength(shards);
			const queued = sent.mock.calls.flatMap(([messages]) =>
				[...messages].map((m) => m.body as BroadcastTask),
			);
			const shardsOf = (task: BroadcastTask) =>
				task.kind === "batches"
					? task.batches.map((b) =>
							b.pieces
								.map((p) => p.shard)
								.sort()
								.join("+"),
						)
					: [];
			expect(queued.map(shardsOf)).toEqual([["0", "1", "0+1", "0", "1"]]);
		} finally {
			sent.mockRestore();
		}
		expect(await settled(id)).toMatchObject({ queued: ids.length, sent: ids.length });
	});

	it("ends in the dead-letter queue's record and log when it keeps failing", async () => {
		const { id, task, inShard } = await plannedBatch("C5", "dead C5");
		const result = await deliver(`${QUEUE}-dlq`, [task], 9);
		expect(result.explicitAcks).toEqual(["m0"]);
		expect(await broadcastStats(env, id)).toMatchObject({ dead: inShard.length, done: true });
		// A dead batch is not sent by a late redelivery either.
		await deliver(QUEUE, [task], 3);
		expect(await callsWithText("dead C5")).toEqual([]);
		await vi.waitFor(() => errors.logged(/batch tail:0 ended in the dead-letter queue/));
	});
});

describe("the pacer", () => {
	it("never lets a 10-second window hold more than the limit", async () => {
		const pacer = env.PACER.getByName("pacer-test");
		const start = Date.now();
		const times: number[] = [];
		for (let i = 0; i < 23; i++) times.push(...(await pacer.take(5)).map((s) => s.at));
		for (const [i, t] of times.entries()) {
			const inWindow = times.filter((u) => u >= t && u < t + 10_000);
			expect(inWindow.length, `window from call ${i}`).toBeLessThanOrEqual(5);
		}
		// Not slower than needed: 23 calls at 5 per window take 4 windows (plus margins).
		expect((times.at(-1) as number) - start).toBeLessThan(4 * 10_000 + 4 * 1_100);
		expect((times.at(-1) as number) - start).toBeGreaterThanOrEqual(4 * 10_000);
	});
});

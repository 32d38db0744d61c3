#!/usr/bin/env node
/**
 * Black box of issue 7, as a user runs it: `wrangler dev --test-scheduled` of the bot in
 * `src/index.ts` (the demo's `0 9 * * *` job broadcasts a morning text to every subscriber), with
 * `VIBER_API_URL` pointing at a fake Viber API in this process. 600 users write (10 of them get
 * status 6 on the echo), 40 of them unsubscribe, 20 more only open the chat; then the cron fires
 * twice. The fake fails the first three `broadcast_message` calls of each broadcast (HTTP 500,
 * status 12, a connection dropped before answering) and a quarter of the later ones, and in the
 * first broadcast puts 5 subscribers in `failed_list` with status 6. Checks: each broadcast's answered calls cover exactly the expected
 * users once each, no call holds over 300 ids or any excluded user; the second leaves out the 5.
 * Exits 1 when an invariant fails.
 *
 * Usage: npm run blackbox:broadcast -- [--seed 7] [--wait 120]
 * Ports: 8790 (bot), 8791 (fake API), 8799 (inspector).
 */
import { createHash } from "node:crypto";
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import {
	answerJson,
	callbackBody,
	finish,
	listen,
	readBody,
	startBot,
} from "./blackbox/harness.mjs";

const { values: args } = parseArgs({
	options: { seed: { type: "string", default: "7" }, wait: { type: "string", default: "120" } },
});
const WAIT_MS = Number(args.wait) * 1000;
const TOKEN = "blackbox-broadcast-token-0123456789";
const [BOT_PORT, API_PORT, INSPECTOR_PORT] = [8790, 8791, 8799];
const CRON = "0 9 * * *";

// ---- who does what ------------------------------------------------------------------------
const writers = Array.from({ length: 600 }, (_, i) => `bb-user-${String(i).padStart(3, "0")}=`);
const refusedEcho = new Set(writers.slice(0, 10)); // status 6 on the echo's send_message
const leavers = new Set(writers.slice(10, 50)); // write, then unsubscribe
const openers = Array.from({ length: 20 }, (_, i) => `bb-opener-${i}=`); // only open the chat
const subscribed = writers.filter((u) => !refusedEcho.has(u) && !leavers.has(u));
const failedSix = new Set(subscribed.slice(100, 105)); // failed_list status 6 in broadcast 1

// ---- the fake Viber API -------------------------------------------------------------------
let random = Number(args.seed) >>> 0; // mulberry32: the same faults for the same seed
function nextRandom() {
	random = (random + 0x6d2b79f5) >>> 0;
	let t = random;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const FAULTS = ["http 500", "status 12", "dropped"];
const fake = { phase: 0, echoes: new Map(), calls: [], faults: 0, tokens: new Set() };
let messageToken = 6_000_000_000_000_000_000n;

const apiServer = await listen(API_PORT, async (req, res) => {
	const text = await readBody(req);
	fake.tokens.add(req.headers["x-viber-auth-token"]);
	const endpoint = req.url.split("/").pop();
	let body = {};
	try {
		body = JSON.parse(text);
	} catch {}
	if (endpoint === "send_message") {
		fake.echoes.set(body.receiver, (fake.echoes.get(body.receiver) ?? 0) + 1);
		if (refusedEcho.has(body.receiver))
			return answerJson(res, { status: 6, status_message: "notSubscribed" });
		return answerJson(res, `{"status":0,"status_message":"ok","message_token":${messageToken++}}`);
	}
	if (endpoint !== "broadcast_message") return answerJson(res, { status: 0, status_message: "ok" });
	const ids = body.broadcast_list ?? [];
	const call = { phase: fake.phase, ids, outcome: "ok" };
	fake.calls.push(call);
	// 550 users make only a few calls: the first three of each broadcast fail, one of each kind,
	// so every kind is met; after that a quarter of the calls fail.
	const nth = fake.calls.filter((c) => c.phase === fake.phase).length - 1;
	if (nth < FAULTS.length || nextRandom() < 0.25) {
		call.outcome = FAULTS[nth < FAULTS.length ? nth : fake.faults++ % FAULTS.length];
		if (call.outcome === "dropped") return req.socket.destroy();
		if (call.outcome === "http 500") return answerJson(res, "oops", 500);
		return answerJson(res, { status: 12, status_message: "tooManyRequests" });
	}
	const failed = fake.phase === 1 ? ids.filter((id) => failedSix.has(id)) : [];
	const failedList = failed.map((receiver) => ({
		receiver,
		status: 6,
		status_message: "notSubscribed",
	}));
	answerJson(
		res,
		`{"status":0,"status_message":"ok","message_token":${messageToken++},"failed_list":${JSON.stringify(failedList)}}`,
	);
});

const bot = await startBot({
	name: "broadcast",
	botPort: BOT_PORT,
	apiPort: API_PORT,
	inspectorPort: INSPECTOR_PORT,
	token: TOKEN,
	extra: ["--test-scheduled"],
	limitMs: 600_000,
	servers: [apiServer],
});

// ---- driving it ---------------------------------------------------------------------------
const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
const problems = [];

/** Posts signed callbacks, 20 in flight; every one must be answered 200. */
async function postAll(bodies) {
	let next = 0;
	await Promise.all(
		Array.from({ length: 20 }, async () => {
			while (next < bodies.length) {
				const answer = await bot.post(bodies[next++], agent);
				if (answer.status !== 200) problems.push(`webhook answered ${answer.status}`);
			}
		}),
	);
}

async function until(test, ms) {
	const deadline = Date.now() + ms;
	while (!test() && Date.now() < deadline) await sleep(250);
	return test();
}

/** The id the demo's job gives its broadcast (src/proactive/job-context.ts, deriveBroadcastId). */
function broadcastId(scheduledTime) {
	const seed = `cron:${CRON}:${scheduledTime}:0`;
	const digest = createHash("sha256").update(`${seed}\u00000`).digest();
	return `b-${digest.subarray(0, 12).toString("hex")}`;
}
async function ledger(id) {
	const bearer = bot.sign("viber-bot admin v1");
	const { status, body } = await bot.get(`/admin/broadcasts/${id}`, {
		headers: { authorization: `Bearer ${bearer}` },
	});
	return status === 200 ? JSON.parse(body) : { status };
}

/** Fires the cron at `time` and waits until the answered calls cover `expected`; returns figures. */
async function broadcast(phase, time, expected, excluded) {
	fake.phase = phase;
	const started = performance.now();
	const cron = encodeURIComponent(CRON).replace(/%20/g, "+");
	const fired = await bot.get(`/cdn-cgi/handler/scheduled?cron=${cron}&time=${time}`, {
		timeoutMs: 30_000,
	});
	if (fired.status !== 200)
		problems.push(`scheduled handler answered ${fired.status}: ${fired.body}`);
	const mine = () => fake.calls.filter((c) => c.phase === phase);
	const covered = () =>
		new Set(
			mine()
				.filter((c) => c.outcome === "ok")
				.flatMap((c) => c.ids),
		);
	const complete = await until(() => expected.every((u) => covered().has(u)), WAIT_MS);
	const seconds = (performance.now() - started) / 1000;
	await sleep(5_000); // room for a batch sent twice to show up
	const calls = mine();
	const answered = calls.filter((c) => c.outcome === "ok");
	const times = new Map();
	for (const id of answered.flatMap((c) => c.ids)) times.set(id, (times.get(id) ?? 0) + 1);
	const expectedSet = new Set(expected);
	const figures = {
		broadcast: phase,
		complete,
		seconds: Number(seconds.toFixed(1)),
		calls: calls.length,
		faults: Object.fromEntries(FAULTS.map((f) => [f, calls.filter((c) => c.outcome === f).length])),
		answeredCalls: answered.length,
		largestCall: Math.max(0, ...calls.map((c) => c.ids.length)),
		covered: [...times.keys()].filter((u) => expectedSet.has(u)).length,
		expected: expected.length,
		twice: [...times.values()].filter((n) => n > 1).length,
		unexpected: [...times.keys()].filter((u) => !expectedSet.has(u)).length,
		excludedInAnyCall: calls.flatMap((c) => c.ids).filter((u) => excluded.has(u)).length,
		ledger: await ledger(broadcastId(time)),
	};
	const ok =
		complete &&
		figures.largestCall <= 300 &&
		figures.covered === expected.length &&
		figures.twice === 0 &&
		figures.unexpected === 0 &&
		figures.excludedInAnyCall === 0 &&
		figures.ledger.done === true &&
		figures.ledger.dead === 0;
	if (!ok) problems.push(`broadcast ${phase} broke an invariant`);
	return figures;
}

const t0 = performance.now();
await postAll(writers.map((u) => callbackBody.text(u, `hello from ${u}`)));
const echoed = await until(() => writers.every((u) => fake.echoes.has(u)), 60_000);
console.log(
	`600 users wrote in ${((performance.now() - t0) / 1000).toFixed(1)} s; echoes reached the fake for ${
		writers.filter((u) => fake.echoes.has(u)).length
	} (all: ${echoed}), sent more than once for ${[...fake.echoes.values()].filter((n) => n > 1).length}`,
);
if (!echoed) problems.push("not every writer was echoed");
await postAll([...leavers].map((u) => callbackBody.unsubscribed(u)));
await postAll(openers.map((u) => callbackBody.conversationStarted(u)));
await sleep(3_000); // the Subscribers record the state changes in the roster as they handle them

const excluded = new Set([...refusedEcho, ...leavers, ...openers]);
const first = await broadcast(1, Date.UTC(2026, 11, 3, 9), subscribed, excluded);
console.log(JSON.stringify(first));
await sleep(2_000); // the failed_list follow-ups reach the Subscribers and the roster
const second = await broadcast(
	2,
	Date.UTC(2026, 11, 4, 9),
	subscribed.filter((u) => !failedSix.has(u)),
	new Set([...excluded, ...failedSix]),
);
console.log(JSON.stringify(second));
if (fake.tokens.size !== 1 || !fake.tokens.has(TOKEN))
	problems.push("a call came without the token");

console.log(
	`broadcast black box (seed ${args.seed}): 550 expected in broadcast 1, covered ${first.covered} ` +
		`(${first.twice} twice) in ${first.seconds} s over ${first.calls} calls, ${first.calls - first.answeredCalls} faulted; ` +
		`545 expected in broadcast 2, covered ${second.covered} (${second.twice} twice) in ${second.seconds} s over ${second.calls} calls, ` +
		`${second.calls - second.answeredCalls} faulted; excluded users in any call: ${first.excludedInAnyCall + second.excludedInAnyCall}; ` +
		`largest call ${Math.max(first.largestCall, second.largestCall)} ids`,
);
finish(problems);

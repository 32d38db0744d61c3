#!/usr/bin/env node
/**
 * Broadcast benchmark: roster → queue → consumer → a fast fake Viber API, on Miniflare running
 * the `wrangler deploy --dry-run` bundle (plain workerd has no queue broker).
 *   1. 100,000 subscribers, pacing off: time to the last call, and workerd's memory along the way.
 *   2. 300,000 subscribers (1,000 calls), pacing on (500 / 10 s): time against the 10 s floor
 *      that Viber's limit sets, and the most calls seen in any 10 s window.
 * Each run also checks every user got the message once and no call held over 300 ids.
 * Baseline, measured in the same run: the same number of calls posted straight to the fake API.
 *
 * Usage: node bench/broadcast.mjs [--users 100000] [--paced-users 300000] [--only off|on]
 * Ports: 8770 (fake Viber API), 8771 (the worker).
 */
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const { values: args } = parseArgs({
	options: {
		users: { type: "string", default: "100000" },
		"paced-users": { type: "string", default: "300000" },
		only: { type: "string" },
	},
});
const TOKEN = "bench-token-0123456789";
const FAKE_PORT = 8770;
const WORKER_PORT = 8771;
const OUT = ".wrangler/bench-broadcast";
process.env.VIBER_AUTH_TOKEN ??= TOKEN; // wrangler.toml requires the secret to be set
const configured = unstable_getMiniflareWorkerOptions("wrangler.toml").workerOptions;

// ---- the fake Viber API: answers broadcast_message at once and records what it got ----
const fake = {
	calls: [],
	ids: new Map(),
	maxList: 0,
	reset() {
		this.calls = [];
		this.ids = new Map();
		this.maxList = 0;
	},
};
let token = 1n;
const server = createServer((req, res) => {
	let body = "";
	req.on("data", (chunk) => {
		body += chunk;
	});
	req.on("end", () => {
		const json = JSON.parse(body);
		const list = json.broadcast_list ?? [];
		fake.calls.push(performance.now());
		fake.maxList = Math.max(fake.maxList, list.length);
		for (const id of list) fake.ids.set(id, (fake.ids.get(id) ?? 0) + 1);
		token += 1n;
		res.writeHead(200, { "content-type": "application/json" });
		res.end(
			`{"status":0,"status_message":"ok","message_token":${5000000000000000000n + token},"failed_list":[]}`,
		);
	});
});
await new Promise((resolve) => server.listen(FAKE_PORT, "127.0.0.1", resolve));

// ---- the bundle, as `wrangler deploy` would upload it ----
execFileSync(
	"npx",
	["wrangler", "deploy", "bench/broadcast-entry.ts", "--dry-run", "--outdir", OUT],
	{
		stdio: ["ignore", "ignore", "inherit"],
		env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
	},
);

function workerdRss() {
	// Miniflare runs workerd as a child of this process.
	try {
		const pids = execFileSync("pgrep", ["-P", String(process.pid)])
			.toString()
			.trim()
			.split("\n");
		return pids.reduce((sum, pid) => {
			const status = readFileSync(`/proc/${pid}/status`, "utf8");
			return sum + Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
		}, 0);
	} catch {
		return 0;
	}
}

/** workerd's CPU seconds so far (user + system), from /proc. */
function workerdCpu() {
	try {
		const pids = execFileSync("pgrep", ["-P", String(process.pid)])
			.toString()
			.trim()
			.split("\n");
		return pids.reduce((sum, pid) => {
			const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
			return sum + (Number(fields[11]) + Number(fields[12])) / 100;
		}, 0);
	} catch {
		return 0;
	}
}

async function startProfile() {
	const targets = await (await fetch("http://127.0.0.1:8790/json/list")).json();
	console.log(targets.map((t) => t.id ?? t.url));
	const target = targets.find((t) => /core:user/.test(t.webSocketDebuggerUrl)) ?? targets[0];
	const ws = new WebSocket(target.webSocketDebuggerUrl);
	await new Promise((r) => ws.addEventListener("open", r));
	let n = 0;
	const pending = new Map();
	ws.addEventListener("message", (e) => {
		const m = JSON.parse(e.data);
		if (m.id && pending.has(m.id)) pending.get(m.id)(m.result);
	});
	const send = (method, params = {}) =>
		new Promise((r) => {
			const id = ++n;
			pending.set(id, r);
			ws.send(JSON.stringify({ id, method, params }));
		});
	await send("Profiler.enable");
	await send("Profiler.setSamplingInterval", { interval: 200 });
	await send("Profiler.start");
	return async () => {
		const { profile } = await send("Profiler.stop");
		const self = new Map();
		const dt = new Map();
		for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
		const byId = new Map(profile.nodes.map((x) => [x.id, x]));
		for (const [id, us] of dt) {
			const node = byId.get(id);
			const f = node.callFrame;
			const key = `${f.functionName || "(anon)"} ${f.url.split("/").pop()}:${f.lineNumber}`;
			self.set(key, (self.get(key) ?? 0) + us);
		}
		const total = [...self.values()].reduce((a, b) => a + b, 0);
		console.log(`profile total ${(total / 1e6).toFixed(2)} s`);
		for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${(us / 1e3).toFixed(0).padStart(7)} ms ${k}`);
		ws.close();
	};
}

async function run(users, paced) {
	const mf = new Miniflare(
		convertV4MiniflareOptions({
			scriptPath: `${OUT}/broadcast-entry.js`,
			modules: true,
			modulesRoot: OUT,
			compatibilityDate: "2026-11-01",
			compatibilityFlags: ["nodejs_compat"],
			// The bindings, queues and consumer settings exactly as wrangler.toml declares them.
			durableObjects: configured.durableObjects,
			queueProducers: configured.queueProducers,
			queueConsumers: configured.queueConsumers,
			bindings: {
				...configured.bindings,
				VIBER_AUTH_TOKEN: TOKEN,
				VIBER_API_URL: `http://127.0.0.1:${FAKE_PORT}/pa`,
				BROADCAST_CALLS_PER_10S: paced ? "500" : "0",
			},
			host: "127.0.0.1",
			port: WORKER_PORT,
			...(process.env.BENCH_PROFILE ? { inspectorPort: 8790 } : {}),
			cf: false,
		}),
	);
	const base = (await mf.ready).toString().replace(/\/$/, "");
	try {
		const seedStart = performance.now();
		const steps = [];
		for (let from = 0; from < users; from += 1000) steps.push(from);
		for (let i = 0; i < steps.length; i += 8) {
			await Promise.all(
				steps.slice(i, i + 8).map((from) =>
					fetch(`${base}/bench/seed`, {
						method: "POST",
						body: JSON.stringify({ from, count: Math.min(1000, users - from) }),
					}).then((r) => r.text()),
				),
			);
		}
		const seedSeconds = (performance.now() - seedStart) / 1000;
		fake.reset();
		const bearer = createHmac("sha256", TOKEN).update("viber-bot admin v1").digest("hex");
		const headers = { authorization: `Bearer ${bearer}`, "content-type": "application/json" };
		const rss = [workerdRss()];
		const cpu0 = workerdCpu();
		const t0 = performance.now();
		const profiler = process.env.BENCH_PROFILE ? await startProfile() : undefined;
		const started = await fetch(`${base}/admin/broadcasts`, {
			method: "POST",
			headers,
			body: JSON.stringify({ text: "Good morning, replace_me_with_user_name!" }),
		});
		const { id } = await started.json();
		let stats;
		// The progress endpoint costs the worker CPU (a look at every receipt shard): it is read
		// once every user was reached, and every 2 s in case some never are; RSS every 250 ms.
		let lastLook = performance.now();
		for (;;) {
			await new Promise((r) => setTimeout(r, 250));
			rss.push(workerdRss());
			if (fake.ids.size < users && performance.now() - lastLook < 2_000) continue;
			lastLook = performance.now();
			stats = await (await fetch(`${base}/admin/broadcasts/${id}`, { headers })).json();
			if (stats.done) break;
			if (performance.now() - t0 > 300_000) throw new Error(`timed out: ${JSON.stringify(stats)}`);
		}
		const cpu = workerdCpu() - cpu0;
		if (process.env.BENCH_TRACE) {
			const buckets = new Map();
			for (const c of fake.calls) {
				const b = Math.floor((c - t0) / 200);
				buckets.set(b, (buckets.get(b) ?? 0) + 1);
			}
			console.log([...buckets].sort((a, b) => a[0] - b[0]).map(([b, n]) => `${(b * 0.2).toFixed(1)}:${n}`).join(" "));
		}
		if (profiler) await profiler();
		const lastCall = Math.max(...fake.calls);
		const seconds = (lastCall - t0) / 1000;
		const dupes = [...fake.ids.values()].filter((n) => n > 1).length;
		let maxWindow = 0;
		const times = [...fake.calls].sort((a, b) => a - b);
		for (let i = 0, j = 0; i < times.length; i++) {
			while (times[i] - times[j] >= 10_000) j++;
			maxWindow = Math.max(maxWindow, i - j + 1);
		}
		return {
			users,
			seedSeconds,
			seconds,
			calls: fake.calls.length,
			reached: fake.ids.size,
			dupes,
			maxList: fake.maxList,
			maxWindow,
			stats,
			rss,
			cpu,
			firstCall: (Math.min(...fake.calls) - t0) / 1000,
			call500: ((fake.calls[499] ?? 0) - t0) / 1000,
		};
	} finally {
		await mf.dispose();
	}
}

async function baseline(calls) {
	const list = Array.from({ length: 300 }, (_, i) => `baseline-${i}`);
	const body = JSON.stringify({ type: "text", text: "x", broadcast_list: list });
	const t0 = performance.now();
	for (let i = 0; i < calls; i += 10) {
		await Promise.all(
			Array.from({ length: Math.min(10, calls - i) }, () =>
				fetch(`http://127.0.0.1:${FAKE_PORT}/pa/broadcast_message`, { method: "POST", body }).then(
					(r) => r.text(),
				),
			),
		);
	}
	return (performance.now() - t0) / 1000;
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
function report(title, r, extra) {
	const rssStart = r.rss[0];
	const rssMax = Math.max(...r.rss);
	const rssMid = r.rss[Math.floor(r.rss.length / 2)];
	console.log(`\n${title}`);
	console.log(`  seeded ${r.users} users in ${r.seedSeconds.toFixed(1)} s (not timed)`);
	console.log(
		`  broadcast: ${r.seconds.toFixed(2)} s to the last call; ${r.calls} calls, ${r.reached} users reached, ${r.dupes} twice, at most ${r.maxList} ids a call`,
	);
	console.log(
		`  ledger: queued ${r.stats.queued}, sent ${r.stats.sent}, unknown ${r.stats.unknown}, dead ${r.stats.dead}`,
	);
	console.log(`  most calls in any 10 s window: ${r.maxWindow}`);
	console.log(
		`  first call at ${r.firstCall.toFixed(2)} s, 500th at ${r.call500.toFixed(2)} s; workerd CPU ${r.cpu.toFixed(2)} s`,
	);
	console.log(
		`  workerd RSS: ${mb(rssStart)} at start, ${mb(rssMid)} midway, ${mb(rssMax)} at most, ${mb(r.rss.at(-1))} at the end`,
	);
	console.log(`  ${extra}`);
}

try {
	if (args.only !== "on") {
		const users = Number(args.users);
		const r = await run(users, false);
		const base = await baseline(r.calls);
		report(
			`Pacing off, ${users} subscribers`,
			r,
			`baseline: the same ${r.calls} calls straight to the fake API took ${base.toFixed(2)} s; ratio ${(r.seconds / base).toFixed(1)}x (target: under 15 s in all)`,
		);
	}
	if (args.only !== "off") {
		const users = Number(args["paced-users"]);
		const r = await run(users, true);
		const floor = 10 * Math.floor((r.calls - 1) / 500);
		report(
			`Pacing on (500 / 10 s), ${users} subscribers`,
			r,
			`floor set by Viber's limit: ${floor} s; ratio ${(r.seconds / floor).toFixed(3)} (target: within 10 %, never over 500 a window)`,
		);
	}
} finally {
	server.close();
}

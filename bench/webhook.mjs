#!/usr/bin/env node
/**
 * Load test of POST /webhook on this machine, against `wrangler dev` (bot) and the fake Viber
 * API (second `wrangler dev`), both on 127.0.0.1. Prints requests/s and latency percentiles for
 *   - GET /health                 (baseline: the runtime and Hono, nothing of ours)
 *   - signed text messages        (verify, parse, Subscriber, inbox; the echo is sent afterwards)
 *   - signed delivered receipts   (the same path, but no handler runs and nothing is sent)
 *   - wrong signatures            (rejected with 403 before parsing)
 * and each one's ratio to the baseline measured in the same run.
 *
 * Usage: npm run bench:dev -- [--seconds 10] [--connections 10] [--bot-port 8787] [--emulator-port 8788]
 * (or BOT_PORT / EMULATOR_PORT). It refuses to start when a port is taken, e.g. by `npm run dev`:
 * it would measure those servers instead.
 */
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { freePort, isPortFree } from "../scripts/dev/net.mjs";
import { assertPortsFree, choosePorts, PortError } from "../scripts/dev/ports.ts";

let args;
let ports;
try {
	({ values: args } = parseArgs({
		options: {
			seconds: { type: "string", default: "10" },
			connections: { type: "string", default: "10" },
			"bot-port": { type: "string" },
			"emulator-port": { type: "string" },
		},
	}));
	ports = choosePorts(args, process.env);
	await assertPortsFree(ports, isPortFree, "npm run bench:dev");
} catch (error) {
	if (!(error instanceof PortError) && !/^ERR_PARSE_ARGS_/.test(error.code)) throw error;
	console.error(`npm run bench:dev: ${error.message}`);
	process.exit(2);
}
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const TOKEN = "bench-token-0123456789";
const BOT = `http://127.0.0.1:${ports.bot}`;
const FAKE = `http://127.0.0.1:${ports.emulator}`;

const children = [];
function start(name, argv) {
	const child = spawn(
		"npx",
		["wrangler", "dev", "--ip", "127.0.0.1", "--log-level", "error", ...argv],
		{
			env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
			stdio: ["ignore", "ignore", "inherit"],
			detached: true,
		},
	);
	children.push(child);
	child.on("exit", (code) => code && console.error(`${name} exited with ${code}`));
}
function stopAll() {
	for (const child of children) {
		try {
			process.kill(-child.pid, "SIGTERM");
		} catch {}
	}
}
process.on("exit", stopAll);
process.on("SIGINT", () => process.exit(130));

async function waitFor(url) {
	for (let i = 0; i < 120; i++) {
		try {
			if ((await fetch(url)).status < 500) return;
		} catch {}
		await sleep(500);
	}
	throw new Error(`${url} did not come up`);
}

let seq = 0n;
/** A signed callback: a text message (the demo bot echoes it) or a `delivered` receipt (no handler). */
function signedCallback(kind, valid) {
	seq += 1n;
	const user = `bench-user-${seq % 500n}=`;
	const token = (5_000_000_000_000_000_000n + seq).toString();
	const head = `"timestamp":${Date.now()},"message_token":${token}`;
	const body =
		kind === "text"
			? `{"event":"message",${head},"sender":{"id":"${user}","name":"Bench"},"message":{"type":"text","text":"load ${seq}"}}`
			: `{"event":"delivered",${head},"user_id":"${user}"}`;
	const sig = createHmac("sha256", valid ? TOKEN : "wrong-key")
		.update(body)
		.digest("hex");
	return {
		body,
		headers: { "content-type": "application/json", "x-viber-content-signature": sig },
	};
}

/** Runs `CONNECTIONS` loops of sequential requests for `SECONDS`; returns figures. */
async function load(label, makeRequest, expectStatus) {
	const latencies = [];
	let errors = 0;
	const deadline = performance.now() + SECONDS * 1000;
	await Promise.all(
		Array.from({ length: CONNECTIONS }, async () => {
			while (performance.now() < deadline) {
				const { url, init } = makeRequest();
				const t0 = performance.now();
				try {
					const res = await fetch(url, init);
					await res.arrayBuffer();
					if (res.status !== expectStatus) errors++;
				} catch {
					errors++;
				}
				latencies.push(performance.now() - t0);
			}
		}),
	);
	latencies.sort((a, b) => a - b);
	const pct = (p) =>
		latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
	return {
		label,
		requests: latencies.length,
		rps: latencies.length / SECONDS,
		p50: pct(50),
		p99: pct(99),
		errors,
	};
}

// Fresh state each run; each runtime in a folder of its own (two cannot share one).
rmSync(".wrangler/bench", { recursive: true, force: true });
start("emulator", [
	"-c",
	"emulator/wrangler.toml",
	"--port",
	String(ports.emulator),
	"--inspector-port",
	String(await freePort()),
	"--persist-to",
	".wrangler/bench/emulator",
	// The bot's sends to the bench's made-up users succeed, as before Viber's account rules.
	"--var",
	"FAKE_OTHER_TOKENS:true",
]);
start("bot", [
	"--port",
	String(ports.bot),
	"--inspector-port",
	String(await freePort()),
	"--var",
	`VIBER_AUTH_TOKEN:${TOKEN}`,
	"--var",
	`VIBER_API_URL:${FAKE}/pa`,
	"--persist-to",
	".wrangler/bench-state",
]);
await waitFor(`${BOT}/health`);
await waitFor(`${FAKE}/api/state`);

const health = () => ({ url: `${BOT}/health`, init: {} });
const signed =
	(valid, kind = "text") =>
	() => {
		const { body, headers } = signedCallback(kind, valid);
		return { url: `${BOT}/webhook`, init: { method: "POST", headers, body } };
	};
await load("warm-up", signed(true), 200);

const results = [
	await load("GET /health (baseline)", health, 200),
	await load("POST /webhook signed text", signed(true), 200),
	await load("POST /webhook signed receipt", signed(true, "receipt"), 200),
	await load("POST /webhook bad signature", signed(false), 403),
];
const base = results[0].rps;
console.log(
	`\n${CONNECTIONS} connections, ${SECONDS} s each, wrangler dev on 127.0.0.1 (${new Date().toISOString()})`,
);
console.log("scenario                          req/s    p50 ms   p99 ms  errors  vs baseline");
for (const r of results) {
	console.log(
		`${r.label.padEnd(32)} ${r.rps.toFixed(0).padStart(6)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.errors).padStart(7)}  ${(r.rps / base).toFixed(2)}x`,
	);
}
stopAll();
process.exit(0);

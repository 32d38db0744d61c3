#!/usr/bin/env node
/**
 * Black-box hostile run against `wrangler dev` on 127.0.0.1: the bot of `src/index.ts`, with a
 * tiny fake Viber API in this process. Sends generated hostile requests (random and damaged
 * bodies, wrong and foreign signatures, huge numbers, deep nesting, invalid UTF-8, over-size
 * bodies, wrong methods and paths, genuine callbacks), then 5 MB chunked uploads at 20 in flight,
 * and counts answers >= 500, requests unanswered after 5 s, broken connections, and unsigned
 * POSTs to /webhook answered 200. Then makes the API answer 307 to another port and checks that the
 * token never reaches it. Exits 1 if any count that must be 0 is not.
 *
 * Usage: npm run hostile -- [--requests 10000] [--big 200] [--seed 20261203]
 * Ports: 8750 (bot), 8751 (fake API), 8752 (where the 307 points), 8759 (inspector).
 */
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { callbackBody, listen, signedCallback, signWith, startDev } from "./blackbox/harness.mjs";
import { hostileRequests } from "./hostile/requests.mjs";

const { values: args } = parseArgs({
	options: {
		requests: { type: "string", default: "10000" },
		big: { type: "string", default: "200" },
		seed: { type: "string", default: "20261203" },
	},
});
const TOTAL = Number(args.requests);
const BIG = Math.min(Number(args.big), TOTAL);
const SEED = Number(args.seed);
const TOKEN = "hostile-token-0123456789";
const [BOT_PORT, API_PORT, ELSEWHERE_PORT, INSPECTOR_PORT] = [8750, 8751, 8752, 8759];
const IN_FLIGHT = 20;
const ANSWER_WITHIN_MS = 5_000;

// ---- the fake Viber API, and the server a redirect points to ------------------------------
const api = { mode: "ok", calls: [] };
const elsewhere = [];
const apiServer = await listen(API_PORT, (req, res) => {
	let body = "";
	req.on("data", (d) => {
		body += d;
	});
	req.on("end", () => {
		api.calls.push({ path: req.url, token: req.headers["x-viber-auth-token"], body });
		if (api.mode === "redirect") {
			res.writeHead(307, { location: `http://127.0.0.1:${ELSEWHERE_PORT}${req.url}` });
			return res.end();
		}
		res.writeHead(200, { "content-type": "application/json" });
		res.end('{"status":0,"status_message":"ok","message_token":5000000000000000001}');
	});
});
const elsewhereServer = await listen(ELSEWHERE_PORT, (req, res) => {
	elsewhere.push({ path: req.url, token: req.headers["x-viber-auth-token"] });
	req.resume();
	res.end('{"status":0,"status_message":"ok","message_token":1}');
});

// ---- wrangler dev -----------------------------------------------------------------------
startDev({
	port: BOT_PORT,
	inspectorPort: INSPECTOR_PORT,
	persistTo: ".wrangler/hostile",
	token: TOKEN,
	apiUrl: `http://127.0.0.1:${API_PORT}/pa`,
	limitMs: 600_000, // bounded: whatever happens, the run ends within 10 minutes
	servers: [apiServer, elsewhereServer],
});

// ---- sending ----------------------------------------------------------------------------
const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

/** Sends one request; resolves with its status, "unanswered" after 5 s, or "broken". */
function send({ method, path, headers, body, chunked }) {
	return new Promise((resolve) => {
		const started = performance.now();
		const done = (status) => {
			clearTimeout(timer);
			resolve({ status, ms: performance.now() - started });
		};
		const req = http.request({ host: "127.0.0.1", port: BOT_PORT, method, path, headers, agent });
		const timer = setTimeout(() => {
			req.destroy();
			done("unanswered");
		}, ANSWER_WITHIN_MS);
		req.on("response", (res) => {
			res.resume();
			res.on("end", () => done(res.statusCode));
			res.on("error", () => done("broken"));
		});
		// A keep-alive socket the server closed as it was reused: the request never reached it.
		req.on("error", (e) => {
			const stale = req.reusedSocket && ["ECONNRESET", "EPIPE"].includes(e.code);
			done(stale ? "stale" : `broken ${e.code ?? e.message}`);
		});
		if (!body) return req.end();
		if (!chunked) return req.end(body);
		let offset = 0;
		const write = () => {
			while (offset < body.length) {
				const piece = body.subarray(offset, offset + 64 * 1024);
				offset += piece.length;
				if (!req.write(piece)) return req.once("drain", write);
			}
			req.end();
		};
		write();
	});
}

async function run(label, requests) {
	const figures = {
		label,
		sent: 0,
		byStatus: {},
		ms: [],
		unsignedAccepted: 0,
		staleSockets: 0,
		failed: [],
	};
	let next = 0;
	await Promise.all(
		Array.from({ length: IN_FLIGHT }, async () => {
			while (next < requests.length) {
				const request = requests[next++];
				let { status, ms } = await send(request);
				if (status === "stale") {
					// What Node's docs advise: retry once on a fresh socket.
					figures.staleSockets++;
					({ status, ms } = await send(request));
				}
				figures.sent++;
				figures.byStatus[status] = (figures.byStatus[status] ?? 0) + 1;
				figures.ms.push(ms);
				if (typeof status !== "number" || status >= 500) {
					figures.failed.push(
						`${status}: ${request.method} ${request.path.slice(0, 40)} ${request.label}`,
					);
				}
				const webhook = request.method === "POST" && request.path.split("?")[0] === "/webhook";
				if (status === 200 && webhook && !request.signed) figures.unsignedAccepted++;
			}
		}),
	);
	return figures;
}

function summary(f) {
	const ms = f.ms.sort((a, b) => a - b);
	const pct = (p) => Math.round(ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0);
	const count = (test) =>
		Object.entries(f.byStatus)
			.filter(([s]) => test(s))
			.reduce((n, [, c]) => n + c, 0);
	return {
		...f,
		ms: undefined,
		p50: pct(0.5),
		p99: pct(0.99),
		max: pct(1),
		fiveHundreds: count((s) => Number(s) >= 500),
		unanswered: count((s) => s === "unanswered"),
		broken: count((s) => s.startsWith("broken")),
	};
}

const sign = signWith(TOKEN);

async function waitUp() {
	for (let i = 0; i < 120; i++) {
		const { status } = await send({ method: "GET", path: "/health" });
		if (status === 200) return;
		await sleep(500);
	}
	throw new Error("wrangler dev did not come up");
}

/** A signed text message from a fresh user: the demo bot echoes it with send_message. */
function textFrom(user, text) {
	return { ...signedCallback(sign, callbackBody.text(user, text)), signed: true };
}

await waitUp();
const started = performance.now();
const { small, big } = hostileRequests({ seed: SEED, small: TOTAL - BIG, big: BIG, sign });
const results = [await run("hostile requests", small), await run("5 MB chunked uploads", big)];
const seconds = (performance.now() - started) / 1000;
const lines = results.map(summary);
for (const { failed, ...line } of lines) {
	console.log(JSON.stringify(line));
	for (const f of failed.slice(0, 20)) console.log(`  ${f}`);
}

// A 307 from the API: the echo is refused, once, and nothing reaches the other port.
api.mode = "redirect";
const user = `redirect-user-${Date.now()}=`;
const before = api.calls.length;
const answer = await send(textFrom(user, "where does my token go"));
for (let i = 0; i < 50 && !api.calls.slice(before).some((c) => c.body.includes(user)); i++) {
	await sleep(100);
}
await sleep(2_000); // room for a retry or a followed redirect to show up
const sends = api.calls.slice(before).filter((c) => c.body.includes(user)).length;
api.mode = "ok";

const total = lines.reduce((n, l) => n + l.sent, 0);
const sum = (key) => lines.reduce((n, l) => n + l[key], 0);
const failures = {
	">=500": sum("fiveHundreds"),
	"unanswered after 5 s": sum("unanswered"),
	"broken connections": sum("broken"),
	"stale keep-alive sockets (retried once)": sum("staleSockets"),
	"unsigned answered 200": sum("unsignedAccepted"),
	"requests reaching the 307's target": elsewhere.length,
};
console.log(
	`hostile run (seed ${SEED}): ${total} requests in ${seconds.toFixed(1)} s against wrangler dev; ` +
		Object.entries(failures)
			.map(([k, v]) => `${k}: ${v}`)
			.join(", "),
);
console.log(
	`307 from the API: webhook answered ${answer.status}, send_message tried ${sends} time(s) ` +
		`(once per handler attempt, never followed), ${elsewhere.length} request(s) reached 127.0.0.1:${ELSEWHERE_PORT}`,
);
const mustBeZero = Object.entries(failures).filter(([k]) => !k.startsWith("stale"));
const ok = mustBeZero.every(([, n]) => n === 0) && sends >= 1 && answer.status === 200;
process.exit(ok ? 0 : 1);

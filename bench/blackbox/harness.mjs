/** Shared pieces of the black-box runs: `wrangler dev` of the real bot, fake APIs, signed callbacks. */
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { rmSync } from "node:fs";
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/** An HTTP server on 127.0.0.1:`port`; resolves once it listens. */
export function listen(port, handler) {
	const server = http.createServer(handler);
	return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/** The whole body of a request, as text. */
export function readBody(req) {
	return new Promise((resolve) => {
		let body = "";
		req.on("data", (d) => {
			body += d;
		});
		req.on("end", () => resolve(body));
		req.on("error", () => resolve(body));
	});
}

/** Answers `value` as JSON with HTTP `status`. */
export function answerJson(res, value, status = 200) {
	res.writeHead(status, { "content-type": "application/json" });
	res.end(typeof value === "string" ? value : JSON.stringify(value));
}

/**
 * Starts `wrangler dev` of the bot in `src/index.ts` on 127.0.0.1 with the given token and API
 * URL, plus any extra flags. Everything it started is killed (and `fresh` state removed) when
 * this process exits; the run is stopped after `limitMs` whatever happens.
 */
export function startDev({
	port,
	inspectorPort,
	persistTo,
	token,
	apiUrl,
	fresh,
	extra = [],
	limitMs,
	servers = [],
}) {
	if (fresh) rmSync(persistTo, { recursive: true, force: true });
	// This Node runs wrangler, whatever `node` is on PATH (wrangler needs 22).
	const child = spawn(
		process.execPath,
		[
			"node_modules/wrangler/bin/wrangler.js",
			"dev",
			"--ip=127.0.0.1",
			`--port=${port}`,
			`--inspector-port=${inspectorPort}`,
			"--log-level=error",
			"--show-interactive-dev-session=false",
			`--persist-to=${persistTo}`,
			`--var=VIBER_AUTH_TOKEN:${token}`,
			`--var=VIBER_API_URL:${apiUrl}`,
			...extra,
		],
		{
			env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
			stdio: ["ignore", "ignore", "inherit"],
			detached: true,
		},
	);
	const stop = () => {
		try {
			process.kill(-child.pid, "SIGTERM");
		} catch {}
		for (const server of servers) server.close();
		if (fresh) rmSync(persistTo, { recursive: true, force: true });
	};
	process.on("exit", stop);
	process.on("SIGINT", () => process.exit(130));
	setTimeout(() => {
		console.error(`black-box run: over ${limitMs / 1000} s, stopped`);
		process.exit(2);
	}, limitMs).unref();
	child.on("exit", (code) => {
		console.error(`wrangler dev exited (${code})`);
		process.exit(2);
	});
	return child;
}

/** One request to 127.0.0.1:`port`; resolves with `{ status, body }`, or a status string on failure. */
export function request(
	port,
	{ method = "GET", path = "/", headers = {}, body, agent, timeoutMs = 5_000 },
) {
	return new Promise((resolve) => {
		const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent });
		const timer = setTimeout(() => {
			req.destroy();
			resolve({ status: "unanswered", body: "" });
		}, timeoutMs);
		req.on("response", (res) => {
			let text = "";
			res.on("data", (d) => {
				text += d;
			});
			res.on("end", () => {
				clearTimeout(timer);
				resolve({ status: res.statusCode, body: text });
			});
		});
		req.on("error", (e) => {
			clearTimeout(timer);
			resolve({ status: `broken ${e.code ?? e.message}`, body: "", reused: req.reusedSocket });
		});
		req.end(body);
	});
}

/** Waits for `GET /health` to answer 200 (wrangler dev takes a while to come up). */
export async function waitUp(port, tries = 240) {
	for (let i = 0; i < tries; i++) {
		const { status } = await request(port, { path: "/health", timeoutMs: 2_000 });
		if (status === 200) return;
		await sleep(500);
	}
	throw new Error("wrangler dev did not come up");
}

/** HMAC-SHA256 of the body keyed by the token, hex: Viber's `X-Viber-Content-Signature`. */
export const signWith = (token) => (body) => createHmac("sha256", token).update(body).digest("hex");

let counter = 0;
/** A fresh 19-digit message token, past 2^53 like Viber's. */
export function newMessageToken() {
	counter += 1;
	return (
		5_000_000_000_000_000_000n +
		BigInt(Date.now()) * 1000n +
		BigInt(counter % 1000)
	).toString();
}

/** Callback bodies shaped like Viber's, as exact JSON text, with a fresh timestamp and token. */
export const callbackBody = {
	text: (user, text) =>
		`{"event":"message","timestamp":${Date.now()},"message_token":${newMessageToken()},"sender":{"id":${JSON.stringify(user)},"name":"H","language":"en","country":"UK","api_version":8},"message":{"type":"text","text":${JSON.stringify(text)}}}`,
	unsubscribed: (user) =>
		`{"event":"unsubscribed","timestamp":${Date.now()},"message_token":${newMessageToken()},"user_id":${JSON.stringify(user)}}`,
	conversationStarted: (user) =>
		`{"event":"conversation_started","timestamp":${Date.now()},"message_token":${newMessageToken()},"type":"open","context":"ctx","user":{"id":${JSON.stringify(user)},"name":"H","language":"en","country":"UK","api_version":8},"subscribed":false}`,
};

/** A signed POST /webhook request for a callback body, ready for `request`. */
export function signedCallback(sign, body) {
	const headers = { "content-type": "application/json", "x-viber-content-signature": sign(body) };
	return { method: "POST", path: "/webhook", headers, body };
}

/**
 * Starts a fresh `wrangler dev` of the bot (state in `.wrangler/blackbox-<name>-<pid>`, removed
 * on exit) against a fake API on `apiPort`, waits until it serves, and returns ways to reach it.
 */
export async function startBot({
	name,
	botPort,
	apiPort,
	inspectorPort,
	token,
	extra,
	limitMs,
	servers,
}) {
	startDev({
		port: botPort,
		inspectorPort,
		persistTo: `.wrangler/blackbox-${name}-${process.pid}`,
		fresh: true,
		token,
		apiUrl: `http://127.0.0.1:${apiPort}/pa`,
		extra,
		limitMs,
		servers,
	});
	await waitUp(botPort);
	const sign = signWith(token);
	return {
		sign,
		/** Posts a signed callback body to `/webhook`, retrying once on a stale keep-alive socket. */
		post: async (body, agent) => {
			const req = { ...signedCallback(sign, body), agent };
			const answer = await request(botPort, req);
			return answer.reused ? request(botPort, req) : answer;
		},
		get: (path, options = {}) => request(botPort, { path, ...options }),
	};
}

/** Prints each broken invariant and exits: 0 when there is none, 1 otherwise. */
export function finish(problems) {
	for (const p of problems) console.log(`FAILED: ${p}`);
	process.exit(problems.length === 0 ? 0 : 1);
}

#!/usr/bin/env node
/**
 * Black box of issue 8's sends, under `wrangler dev` of the bot in `src/index.ts` with a fake
 * Viber API in this process:
 * - an echo whose `send_message` answer breaks off after HTTP 200 (status line and headers sent,
 *   the socket destroyed mid-body) must reach the API exactly once, retries included;
 * - for contrast, a connection dropped before any answer may be tried again (figure only);
 * - a 307 from the API must not carry the token (or anything) to where `Location` points.
 * Waits 15 s per case for the Subscriber's retries. Exits 1 when an invariant fails.
 *
 * Usage: npm run blackbox:once -- [--wait 15]
 * Ports: 8792 (bot), 8793 (fake API), 8794 (where the 307 points), 8798 (inspector).
 */
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

const { values: args } = parseArgs({ options: { wait: { type: "string", default: "15" } } });
const WAIT_MS = Number(args.wait) * 1000;
const TOKEN = "blackbox-once-token-0123456789";
const [BOT_PORT, API_PORT, ELSEWHERE_PORT, INSPECTOR_PORT] = [8792, 8793, 8794, 8798];

// ---- the fake Viber API, and the listener a redirect points to ----------------------------
/** send_message calls by echoed text; how each text is answered. */
const sends = new Map();
const behaviour = new Map();
const elsewhere = [];
let messageToken = 7_000_000_000_000_000_000n;

const apiServer = await listen(API_PORT, async (req, res) => {
	const raw = await readBody(req);
	if (!req.url.endsWith("/send_message"))
		return answerJson(res, { status: 0, status_message: "ok" });
	let text = "";
	try {
		text = JSON.parse(raw).text ?? "";
	} catch {}
	const n = (sends.get(text) ?? 0) + 1;
	sends.set(text, n);
	const ok = `{"status":0,"status_message":"ok","message_token":${messageToken++},"chat_hostname":"SN-CHAT-01_"}`;
	switch (behaviour.get(text)) {
		case "cut after 200": {
			// The status line and headers go out, then half the body, then the connection dies.
			res.writeHead(200, { "content-type": "application/json", "content-length": ok.length });
			res.write(ok.slice(0, 20));
			return setTimeout(() => req.socket.destroy(), 50);
		}
		case "dropped before answer":
			if (n === 1) return req.socket.destroy();
			return answerJson(res, ok);
		case "redirect":
			res.writeHead(307, { location: `http://127.0.0.1:${ELSEWHERE_PORT}${req.url}` });
			return res.end();
		default:
			return answerJson(res, ok);
	}
});
const elsewhereServer = await listen(ELSEWHERE_PORT, (req, res) => {
	elsewhere.push({ path: req.url, token: req.headers["x-viber-auth-token"] });
	req.resume();
	answerJson(res, { status: 0, status_message: "ok", message_token: 1 });
});

const bot = await startBot({
	name: "once",
	botPort: BOT_PORT,
	apiPort: API_PORT,
	inspectorPort: INSPECTOR_PORT,
	token: TOKEN,
	limitMs: 300_000,
	servers: [apiServer, elsewhereServer],
});

/** One user writes `text` (answered as `how` by the fake); returns the webhook's status and the sends seen after the wait. */
async function scenario(how) {
	const run = Date.now();
	const text = `${how} ${run}`;
	behaviour.set(text, how);
	const answer = await bot.post(callbackBody.text(`once-${run}=`, text));
	for (let i = 0; i < 100 && !sends.has(text); i++) await sleep(100);
	await sleep(WAIT_MS); // the Subscriber's retries, if any, land within this
	return { how, webhook: answer.status, sendMessageCalls: sends.get(text) ?? 0 };
}

const problems = [];
const cut = await scenario("cut after 200");
if (cut.webhook !== 200 || cut.sendMessageCalls !== 1)
	problems.push("an answer cut off after HTTP 200 must mean exactly one send_message");
const dropped = await scenario("dropped before answer");
if (dropped.webhook !== 200 || dropped.sendMessageCalls < 1)
	problems.push("no send after a dropped connection");
const redirect = await scenario("redirect");
if (redirect.webhook !== 200 || redirect.sendMessageCalls < 1)
	problems.push("the redirect case sent nothing");
const leaked = elsewhere.filter((r) => r.token !== undefined).length;
if (elsewhere.length !== 0)
	problems.push(`${elsewhere.length} request(s) followed the 307 (${leaked} with the token)`);

for (const figures of [cut, dropped, redirect]) console.log(JSON.stringify(figures));
console.log(
	`once black box: answer cut off after HTTP 200 -> send_message called ${cut.sendMessageCalls} time(s) in ${args.wait} s (must be 1); ` +
		`connection dropped before any answer -> ${dropped.sendMessageCalls} call(s) (a retry is allowed); ` +
		`307 from the API -> ${redirect.sendMessageCalls} send_message attempt(s) at the fake, ` +
		`${elsewhere.length} request(s) reached 127.0.0.1:${ELSEWHERE_PORT}, ${leaked} carrying the token`,
);
finish(problems);

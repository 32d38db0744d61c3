#!/usr/bin/env node
/**
 * `npm run dev`: the bot and the local Viber emulator together, the webhook registered, the chat
 * URL printed. Nothing from outside is needed: without a `.dev.vars`, a local token is used.
 * Options: see `USAGE` below and the README's "Quick start".
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
// Node 22 strips the types of these pure modules; the CLI reads .dev.vars with the same parser.
import { LOCAL_DEV_TOKEN, parseDevVars } from "./cli/dev-vars.ts";
import { freePort, isPortFree } from "./dev/net.mjs";
import { BuildWatch } from "./dev/output.ts";
import { assertPortsFree, choosePorts, PortError } from "./dev/ports.ts";
import { say, showLine, startWrangler, stopAll } from "./dev/processes.mjs";
import { startBotProxy } from "./dev/proxy.mjs";

const USAGE = `Usage: npm run dev -- [options]
  --bot-port <n>       the bot's port (default 8787; or BOT_PORT)
  --emulator-port <n>  the emulator's and chat page's port (default 8788; or EMULATOR_PORT)
  --persist-to <dir>   local state, each worker in a folder of its own (default .wrangler/dev)
  --real               no emulator: the bot alone, with .dev.vars' token, for the real Viber
  --verbose            every line wrangler prints, unfiltered
  -h, --help           this help`;

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const fail = (message, code = 1) => {
	process.stderr.write(`npm run dev: ${message}\n`);
	stop(code);
};
const children = [];
let stopping = false;
function stop(code = 0) {
	stopping = true;
	stopAll(children);
	process.exit(code);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
// Even on a crash of this script, wrangler and workerd must not outlive it (they hold the ports).
process.on("exit", () => stopAll(children));

let values;
let ports;
try {
	({ values } = parseArgs({
		options: {
			"bot-port": { type: "string" },
			"emulator-port": { type: "string" },
			"persist-to": { type: "string", default: ".wrangler/dev" },
			real: { type: "boolean", default: false },
			verbose: { type: "boolean", default: false },
			help: { type: "boolean", short: "h", default: false },
		},
	}));
	if (values.help) {
		console.log(USAGE);
		process.exit(0);
	}
	ports = choosePorts(values, process.env);
	await assertPortsFree(
		values.real ? { bot: ports.bot } : ports,
		isPortFree,
		values.real ? "npm run dev -- --real" : "npm run dev",
	);
} catch (error) {
	if (error instanceof PortError) fail(error.message, 2);
	if (!/^ERR_PARSE_ARGS_/.test(error.code)) throw error;
	fail(`${error.message} (npm run dev -- --help lists the options)`, 2);
}

const devVarsFile = join(root, ".dev.vars");
const devVars = existsSync(devVarsFile) ? parseDevVars(readFileSync(devVarsFile, "utf8")) : {};
if (values.real && !(devVars.VIBER_AUTH_TOKEN || process.env.VIBER_AUTH_TOKEN)) {
	fail("--real needs your bot's token: put VIBER_AUTH_TOKEN=... in .dev.vars", 2);
}
/** The emulator takes the bot's real token too, so `.dev.vars` can stay as it is. */
const token = devVars.VIBER_AUTH_TOKEN || LOCAL_DEV_TOKEN;
const persist = (name) => resolve(root, values["persist-to"], name);
const bot = `http://127.0.0.1:${ports.bot}`;
const emulator = `http://127.0.0.1:${ports.emulator}`;
// wrangler serves the bot on a port of its own; ports.bot is the proxy in front (./dev/proxy.mjs).
const inner = { bot: await freePort(), botInspector: await freePort() };

const watch = new BuildWatch();
let botReady = false;
const proxy = await startBotProxy({
	port: ports.bot,
	target: inner.bot,
	brokenBuild: () => (watch.failure ? watch.message() : undefined),
	onRefused: (method, path) =>
		say("bot", `${method} ${path.split("?")[0]} answered 503: the bot does not build`),
}).catch((error) => fail(`cannot listen on ${bot}: ${error.message}`));

function run(source, cwd, args) {
	const child = startWrangler({
		root,
		cwd,
		args,
		onLine(line, stream) {
			const change = source === "bot" ? watch.see(line) : undefined;
			showLine(source, line, stream, values.verbose);
			// wrangler neither serves nor watches a bot whose first build failed.
			if (change === "failed" && !botReady) {
				// A moment for the error's own lines to be printed first.
				setTimeout(
					() => fail("the bot does not build (the error is above): fix it, then npm run dev again"),
					500,
				);
			} else if (change === "failed") {
				proxy.failPending(watch.message());
				say("bot", "does not build: requests get a 503 with the error until you fix it");
			}
			if (change === "fixed") say("bot", "builds again");
		},
		onExit(code, signal) {
			if (!stopping) fail(`the ${source}'s wrangler dev exited (${signal ?? code})`);
		},
	});
	children.push(child);
}

/** Waits until `url` answers (wrangler dev can take a while on a busy machine). */
async function waitFor(url, what) {
	for (let waited = 0; waited < 180_000; waited += 250) {
		try {
			if ((await fetch(url)).status < 500) return;
		} catch {}
		await sleep(250);
	}
	fail(`${what} did not start at ${url} within 3 minutes`);
}

const botArgs = ["--port", String(inner.bot), "--inspector-port", String(inner.botInspector)];
if (values.real) {
	run("bot", root, [...botArgs, "--persist-to", persist("real")]);
	await waitFor(`http://127.0.0.1:${inner.bot}/health`, "The bot");
	botReady = true;
	console.log(
		`\n  The bot, for real Viber: ${bot}/webhook (token from .dev.vars; VIBER_API_URL from .dev.vars, else wrangler.toml)`,
	);
	console.log(`  Expose it over HTTPS, e.g.: cloudflared tunnel --url ${bot}`);
	console.log("  then: npm run viber -- webhook set https://<your-tunnel>/webhook\n");
} else {
	// The emulator runs in its own folder, so wrangler checks its types against its own file.
	run("emulator", join(root, "emulator"), [
		"--port",
		String(ports.emulator),
		"--inspector-port",
		String(await freePort()),
		"--persist-to",
		persist("emulator"),
		"--var",
		`VIBER_AUTH_TOKEN:${token}`,
		"--var",
		"ACCEPT_ANY_TOKEN:false",
	]);
	run("bot", root, [
		...botArgs,
		"--persist-to",
		persist("bot"),
		"--var",
		`VIBER_AUTH_TOKEN:${token}`,
		"--var",
		`VIBER_API_URL:${emulator}/pa`,
	]);
	await waitFor(`${emulator}/api/state`, "The emulator");
	await waitFor(`http://127.0.0.1:${inner.bot}/health`, "The bot");
	botReady = true;

	// What a developer would do once with the real Viber: set the webhook. The emulator calls it.
	const res = await fetch(`${emulator}/pa/set_webhook`, {
		method: "POST",
		headers: { "content-type": "application/json", "x-viber-auth-token": token },
		body: JSON.stringify({ url: `${bot}/webhook`, send_name: true, send_photo: true }),
	});
	const answer = await res.json();
	if (answer.status !== 0) {
		fail(`set_webhook failed: status ${answer.status} ${answer.status_message}`);
	}
	console.log(`\n  Webhook set: ${bot}/webhook`);
	console.log(`  Chat with your bot: ${emulator}/`);
	console.log(
		`  Run a cron job: the chat page's Cron panel, or curl "${bot}/cdn-cgi/handler/scheduled?cron=0+9+*+*+*"\n`,
	);
}

#!/usr/bin/env node
/**
 * `npm run dev`: the bot and the local Viber emulator together, the webhook registered, the chat
 * URL printed. Nothing from outside is needed: without a `.dev.vars`, a local token is used.
 *
 * Options: --bot-port 8787 --emulator-port 8788 --persist-to .wrangler/dev (state of both workers,
 * each in a folder of its own: two runtimes cannot share one)
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
// The CLI's parser, so that both read .dev.vars alike (Node 22 strips the types).
import { parseDevVars } from "./cli/dev-vars.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
	options: {
		"bot-port": { type: "string", default: "8787" },
		"emulator-port": { type: "string", default: "8788" },
		"persist-to": { type: "string", default: ".wrangler/dev" },
	},
});
const botPort = Number(values["bot-port"]);
const emulatorPort = Number(values["emulator-port"]);
const bot = `http://127.0.0.1:${botPort}`;
const emulator = `http://127.0.0.1:${emulatorPort}`;

/** The token from .dev.vars when there is one; a local one otherwise (the emulator takes any). */
function devToken() {
	const file = join(root, ".dev.vars");
	const vars = existsSync(file) ? parseDevVars(readFileSync(file, "utf8")) : {};
	return vars.VIBER_AUTH_TOKEN || "local-dev-token";
}
const token = devToken();

// Wrangler wants Node 22: the project's own (node_modules/.bin/node) comes first on PATH.
const env = {
	...process.env,
	PATH: `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH}`,
	CLOUDFLARE_CF_FETCH_ENABLED: "false",
	WRANGLER_SEND_METRICS: "false",
};
const children = [];

function start(name, args) {
	const persist = join(values["persist-to"], name);
	const child = spawn("wrangler", ["dev", "--ip", "127.0.0.1", "--persist-to", persist, ...args], {
		cwd: root,
		env,
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	const prefix = (stream, out) => {
		let rest = "";
		stream.on("data", (chunk) => {
			const lines = (rest + chunk).split("\n");
			rest = lines.pop() ?? "";
			for (const line of lines) if (line.trim()) out.write(`[${name}] ${line}\n`);
		});
	};
	prefix(child.stdout, process.stdout);
	prefix(child.stderr, process.stderr);
	child.on("exit", (code, signal) => {
		if (!stopping) {
			console.error(`[${name}] exited (${signal ?? code}); stopping`);
			stop(1);
		}
	});
	children.push(child);
}

let stopping = false;
function stop(code = 0) {
	stopping = true;
	for (const child of children) {
		try {
			process.kill(-child.pid, "SIGTERM");
		} catch {}
	}
	process.exit(code);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

async function waitFor(url, what) {
	for (let i = 0; i < 240; i++) {
		try {
			if ((await fetch(url)).status < 500) return;
		} catch {}
		await sleep(250);
	}
	console.error(`${what} did not start at ${url}`);
	stop(1);
}

start("emulator", [
	"-c",
	"emulator/wrangler.toml",
	"--port",
	String(emulatorPort),
	"--inspector-port",
	String(emulatorPort + 1442),
	"--var",
	`VIBER_AUTH_TOKEN:${token}`,
	"--var",
	"ACCEPT_ANY_TOKEN:false",
]);
start("bot", [
	"--port",
	String(botPort),
	"--inspector-port",
	String(botPort + 1442),
	"--var",
	`VIBER_AUTH_TOKEN:${token}`,
	"--var",
	`VIBER_API_URL:${emulator}/pa`,
]);
await waitFor(`${emulator}/api/state`, "The emulator");
await waitFor(`${bot}/health`, "The bot");

// What a developer would do once with the real Viber: set the webhook. The emulator calls it.
const res = await fetch(`${emulator}/pa/set_webhook`, {
	method: "POST",
	headers: { "content-type": "application/json", "x-viber-auth-token": token },
	body: JSON.stringify({ url: `${bot}/webhook`, send_name: true, send_photo: true }),
});
const answer = await res.json();
if (answer.status !== 0) {
	console.error(`set_webhook failed: status ${answer.status} ${answer.status_message}`);
	stop(1);
}
console.log(`\n  Webhook set: ${bot}/webhook`);
console.log(`  Chat with your bot: ${emulator}/\n`);

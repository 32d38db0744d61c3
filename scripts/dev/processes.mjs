/** Runs `wrangler dev` processes for `npm run dev`, each line prefixed and filtered (./output.ts). */
import { spawn } from "node:child_process";
import { delimiter, join } from "node:path";
import { classify } from "./output.ts";

const color =
	process.env.FORCE_COLOR !== undefined ||
	(process.stdout.isTTY && process.env.NO_COLOR === undefined);
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
/** The bot's prefix stands out (cyan); the emulator's lines are all grey: they are context. */
const LABELS = { bot: paint("1;36", "bot      │"), emulator: paint("90", "emulator │") };

/** A line of `npm run dev`'s own, under the label of the process it is about. */
export function say(source, text, stream = process.stdout) {
	stream.write(`${LABELS[source]} ${text}\n`);
}

/** A process `wrangler dev` reports on: its lines are shown as ./output.ts says. */
export function showLine(source, line, stream, verbose) {
	const kind = verbose ? "loud" : classify(source, line);
	if (kind === "drop") return;
	const dim = kind === "quiet" || source === "emulator";
	stream.write(`${LABELS[source]} ${dim ? paint("90", line) : line}\n`);
}

/**
 * Starts `wrangler dev` in `cwd` with `args`; every complete line goes to `onLine(line, stream)`.
 * The child leads a process group of its own, so `stopAll` ends wrangler and its workerd.
 */
export function startWrangler({ root, cwd, args, onLine, onExit }) {
	const env = {
		...process.env,
		// Wrangler wants Node 22: the project's own (node_modules/.bin/node) comes first on PATH.
		PATH: `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH}`,
		CLOUDFLARE_CF_FETCH_ENABLED: "false",
		WRANGLER_SEND_METRICS: "false",
		FORCE_COLOR: color ? "1" : "0",
	};
	const child = spawn("wrangler", ["dev", "--ip", "127.0.0.1", ...args], {
		cwd,
		env,
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	for (const [from, to] of [
		[child.stdout, process.stdout],
		[child.stderr, process.stderr],
	]) {
		let rest = "";
		from.on("data", (chunk) => {
			const lines = (rest + chunk).split("\n");
			rest = lines.pop() ?? "";
			for (const line of lines) onLine(line, to);
		});
	}
	child.on("exit", onExit);
	return child;
}

/** Ends each child's process group (wrangler and the workerd it started). */
export function stopAll(children) {
	for (const child of children) {
		try {
			process.kill(-child.pid, "SIGTERM");
		} catch {}
	}
}

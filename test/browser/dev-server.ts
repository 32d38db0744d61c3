/** `scripts/dev.mjs` for the browser tests: started on the test's ports, stopped with its children. */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BOT_PORT = 18787;
export const EMULATOR_PORT = 18788;
export const START_TIMEOUT_MS = 60_000;

/** Starts `scripts/dev.mjs` and resolves with the chat URL it prints. */
export function startDev(persistTo: string): { child: ChildProcess; url: Promise<string> } {
	const child = spawn(
		process.execPath,
		[
			"scripts/dev.mjs",
			"--bot-port",
			String(BOT_PORT),
			"--emulator-port",
			String(EMULATOR_PORT),
			"--persist-to",
			persistTo,
		],
		{ cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] },
	);
	let output = "";
	const url = new Promise<string>((resolve, reject) => {
		const timer = setTimeout(
			() =>
				reject(
					new Error(`scripts/dev.mjs printed no chat URL in ${START_TIMEOUT_MS} ms:\n${output}`),
				),
			START_TIMEOUT_MS,
		);
		const read = (chunk: Buffer) => {
			output += chunk.toString();
			const match = /Chat with your bot: (http\S+)/.exec(output);
			if (match?.[1]) {
				clearTimeout(timer);
				resolve(match[1]);
			}
		};
		child.stdout?.on("data", read);
		child.stderr?.on("data", read);
		child.once("exit", (code, signal) => {
			clearTimeout(timer);
			reject(
				new Error(`scripts/dev.mjs exited (${signal ?? code}) before it was ready:\n${output}`),
			);
		});
	});
	return { child, url };
}

/** Stops dev.mjs and the wrangler processes it started (each in its own process group). */
export async function stopDev(child: ChildProcess): Promise<void> {
	if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	try {
		process.kill(-child.pid, "SIGTERM");
	} catch {
		return;
	}
	const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 10_000));
	if ((await Promise.race([exited, timeout])) === "timeout") {
		try {
			process.kill(-child.pid, "SIGKILL");
		} catch {}
	}
}

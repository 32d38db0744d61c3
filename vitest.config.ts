import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { build } from "esbuild";
import { defineConfig } from "vitest/config";

// Miniflare runs extra workers from pre-bundled JavaScript.
const OUT = ".wrangler/test";
const COMPATIBILITY = { compatibilityDate: "2026-11-01", compatibilityFlags: ["nodejs_compat"] };
/** The token of the test bot the emulator talks to in end-to-end tests (test/e2e-bot.ts). */
const E2E_TOKEN = "e2e-token-0123456789";
/** The token of your bot (`src/index.ts`) when the test kit (test/kit/) talks to it. */
const BOT_TOKEN = "kit-token-0123456789";

/**
 * A Viber emulator that posts every callback to `bot`, whatever the webhook URL says. The bot's
 * token gets Viber's account rules; other tokens (the unit tests') a bare fake API.
 */
const emulator = (name: string, token: string, bot: string) => ({
	name,
	modules: true,
	scriptPath: `${OUT}/viber-emulator.js`,
	...COMPATIBILITY,
	durableObjects: { EMULATOR: { className: "Emulator", useSQLite: true } },
	bindings: { VIBER_AUTH_TOKEN: token, ACCEPT_ANY_TOKEN: "true", FAKE_OTHER_TOKENS: "true" },
	outboundService: bot,
});

/** A bot worker as deployed, bundled from `script`; its Viber is `viber`. */
const bot = (name: string, script: string, token: string, viber: string) => ({
	name,
	modules: true,
	scriptPath: `${OUT}/${script}`,
	...COMPATIBILITY,
	durableObjects: {
		SUBSCRIBER: { className: "Subscriber", useSQLite: true },
		// Proactive messaging (wrangler.toml): roster, broadcast ledger, pacer, receipt counters.
		ROSTER: { className: "Roster", useSQLite: true },
		BROADCAST: { className: "BroadcastLedger", useSQLite: true },
		PACER: { className: "BroadcastPacer", useSQLite: true },
		RECEIPTS: { className: "BroadcastReceipts", useSQLite: true },
	},
	// Each bot its own broadcast queue and dead-letter queue (one consumer per queue).
	queueProducers: { BROADCAST_QUEUE: `${name}-broadcasts` },
	queueConsumers: {
		[`${name}-broadcasts`]: {
			maxBatchSize: 10,
			maxBatchTimeout: 1,
			maxRetries: 8,
			deadLetterQueue: `${name}-broadcasts-dlq`,
		},
		[`${name}-broadcasts-dlq`]: { maxBatchSize: 10, maxBatchTimeout: 1 },
	},
	// Add the vars and bindings your bot uses; VIBER_API_URL only has to look local.
	bindings: {
		VIBER_AUTH_TOKEN: token,
		VIBER_API_URL: "http://127.0.0.1:8788/pa",
		BOT_NAME: "Test Bot",
		BOT_AVATAR: "",
	},
	outboundService: viber,
});

/** Answers API calls with redirects and records who followed them (test/viber/redirect.test.ts). */
const REDIRECTOR_WORKER = {
	name: "redirector",
	modules: true,
	scriptPath: "test/helpers/redirector-worker.js",
	...COMPATIBILITY,
};

function bundle(entry: string, outfile: string) {
	return build({
		entryPoints: [entry],
		outfile: `${OUT}/${outfile}`,
		bundle: true,
		format: "esm",
		platform: "neutral",
		target: "es2024",
		external: ["cloudflare:*", "node:*"],
		logLevel: "warning",
	});
}

/**
 * wrangler.toml without `[secrets]`, in a folder without `.dev.vars`: the tests take their
 * tokens from the bindings below, never from a developer's `.dev.vars` or shell, and wrangler
 * has no missing secret to warn about.
 */
function testWranglerConfig(): string {
	const path = `${OUT}/wrangler.toml`;
	let inSecrets = false;
	const lines = readFileSync("wrangler.toml", "utf8")
		.split("\n")
		.filter((line) => {
			if (/^\s*\[/.test(line)) inSecrets = /^\s*\[secrets\]/.test(line);
			return !inSecrets;
		})
		.map((line) =>
			line.replace(/^(main\s*=\s*")([^"]+)"/, (_, key, main) => `${key}${relative(OUT, main)}"`),
		);
	mkdirSync(OUT, { recursive: true });
	writeFileSync(path, lines.join("\n"));
	return resolve(path);
}

export default defineConfig({
	test: {
		// The JSON report lets CI print a plain "N passed, N failed" line.
		reporters: ["default", ["json", { outputFile: `${OUT}/results.json` }]],
		projects: [
			{
				plugins: [
					cloudflareTest(async () => {
						await Promise.all([
							bundle("emulator/src/index.ts", "viber-emulator.js"),
							bundle("test/e2e-bot.ts", "e2e-bot.js"),
							bundle("src/index.ts", "bot.js"),
						]);
						return {
							main: "./test/worker.ts",
							wrangler: { configPath: testWranglerConfig() },
							// workerd's log of every uncaught exception, including the network faults and
							// refusals the tests provoke on purpose; failures still show in vitest's report.
							verbose: process.env.WORKERD_VERBOSE === "1",
							miniflare: {
								bindings: {
									VIBER_AUTH_TOKEN: "test-token-0123456789",
									VIBER_API_URL: "http://127.0.0.1:9/pa",
									// Not wrangler.toml's vars: a fork changes those.
									BOT_NAME: "Test Bot",
									BOT_AVATAR: "",
									E2E_TOKEN,
									BOT_TOKEN,
									// Overrides for the hostile suite (test/webhook/hostile.test.ts).
									HOSTILE_SEED: process.env.HOSTILE_SEED ?? "",
									HOSTILE_RUNS: process.env.HOSTILE_RUNS ?? "",
								},
								// Every outbound fetch of the bot under test reaches the emulator.
								outboundService: "viber-emulator",
								serviceBindings: {
									FAKE_VIBER: "viber-emulator",
									E2E_BOT: "e2e-bot",
									BOT_EMULATOR: "bot-emulator",
									REDIRECTOR: "redirector",
								},
								durableObjects: {
									E2E_SUBSCRIBER: { className: "Subscriber", scriptName: "e2e-bot" },
									BOT_SUBSCRIBER: { className: "Subscriber", scriptName: "bot" },
								},
								workers: [
									emulator("viber-emulator", E2E_TOKEN, "e2e-bot"),
									bot("e2e-bot", "e2e-bot.js", E2E_TOKEN, "viber-emulator"),
									emulator("bot-emulator", BOT_TOKEN, "bot"),
									bot("bot", "bot.js", BOT_TOKEN, "bot-emulator"),
									REDIRECTOR_WORKER,
								],
							},
						};
					}),
				],
				test: {
					name: "workers",
					include: ["test/**/*.test.ts"],
					exclude: ["test/browser/**"],
					// Above the test kit's own wait (test/kit/), so a slow bot fails with the kit's message.
					testTimeout: 15_000,
				},
			},
			{
				test: {
					name: "browser",
					include: ["test/browser/**/*.test.ts"],
					environment: "node",
					testTimeout: 120_000,
					hookTimeout: 120_000,
				},
			},
		],
	},
});

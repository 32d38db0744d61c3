import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { build } from "esbuild";
import { defineConfig } from "vitest/config";

// Miniflare runs extra workers from pre-bundled JavaScript.
const EMULATOR_BUNDLE = ".wrangler/test/viber-emulator.js";
const BOT_BUNDLE = ".wrangler/test/bot.js";
const COMPATIBILITY = { compatibilityDate: "2026-11-01", compatibilityFlags: ["nodejs_compat"] };
/** The bot that the emulator talks to in end-to-end tests: `src/index.ts` as deployed. */
const E2E_TOKEN = "e2e-token-0123456789";

const EMULATOR_WORKER = {
	name: "viber-emulator",
	modules: true,
	scriptPath: EMULATOR_BUNDLE,
	...COMPATIBILITY,
	durableObjects: { EMULATOR: { className: "Emulator", useSQLite: true } },
	// Its own bot's token gets Viber's account rules; the unit tests' tokens a bare fake API.
	bindings: { VIBER_AUTH_TOKEN: E2E_TOKEN, ACCEPT_ANY_TOKEN: "true", FAKE_OTHER_TOKENS: "true" },
	// The emulator's callbacks go to the end-to-end bot, whatever the webhook URL says.
	outboundService: "e2e-bot",
};

const E2E_BOT_WORKER = {
	name: "e2e-bot",
	modules: true,
	scriptPath: BOT_BUNDLE,
	...COMPATIBILITY,
	durableObjects: { SUBSCRIBER: { className: "Subscriber", useSQLite: true } },
	bindings: {
		VIBER_AUTH_TOKEN: E2E_TOKEN,
		VIBER_API_URL: "http://127.0.0.1:8788/pa",
		BOT_NAME: "Demo Bot",
		BOT_AVATAR: "",
	},
	outboundService: "viber-emulator",
};

function bundle(entry: string, outfile: string) {
	return build({
		entryPoints: [entry],
		outfile,
		bundle: true,
		format: "esm",
		platform: "neutral",
		target: "es2024",
		external: ["cloudflare:*", "node:*"],
		logLevel: "warning",
	});
}

export default defineConfig({
	test: {
		// The JSON report lets CI print a plain "N passed, N failed" line.
		reporters: ["default", ["json", { outputFile: ".wrangler/test/results.json" }]],
		projects: [
			{
				plugins: [
					cloudflareTest(async () => {
						await Promise.all([
							bundle("emulator/src/index.ts", EMULATOR_BUNDLE),
							bundle("src/index.ts", BOT_BUNDLE),
						]);
						return {
							main: "./test/worker.ts",
							wrangler: { configPath: "./wrangler.toml" },
							miniflare: {
								bindings: {
									VIBER_AUTH_TOKEN: "test-token-0123456789",
									VIBER_API_URL: "http://127.0.0.1:9/pa",
									E2E_TOKEN,
								},
								// Every outbound fetch of the bot under test reaches the emulator.
								outboundService: "viber-emulator",
								serviceBindings: { FAKE_VIBER: "viber-emulator", E2E_BOT: "e2e-bot" },
								workers: [EMULATOR_WORKER, E2E_BOT_WORKER],
							},
						};
					}),
				],
				test: { name: "workers", include: ["test/**/*.test.ts"], exclude: ["test/browser/**"] },
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

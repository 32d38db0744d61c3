import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { build } from "esbuild";
import { defineConfig } from "vitest/config";

// The fake Viber API runs as a second worker; Miniflare wants it pre-bundled.
const FAKE_VIBER_BUNDLE = ".wrangler/test/fake-viber.js";

export default defineConfig({
	plugins: [
		cloudflareTest(async () => {
			await build({
				entryPoints: ["emulator/src/index.ts"],
				outfile: FAKE_VIBER_BUNDLE,
				bundle: true,
				format: "esm",
				platform: "neutral",
				target: "es2024",
				logLevel: "warning",
			});
			return {
				main: "./test/worker.ts",
				wrangler: { configPath: "./wrangler.toml" },
				miniflare: {
					bindings: {
						VIBER_AUTH_TOKEN: "test-token-0123456789",
						VIBER_API_URL: "http://127.0.0.1:9/pa",
					},
					outboundService: "fake-viber",
					serviceBindings: { FAKE_VIBER: "fake-viber" },
					workers: [
						{
							name: "fake-viber",
							modules: true,
							scriptPath: FAKE_VIBER_BUNDLE,
							compatibilityDate: "2026-11-01",
							compatibilityFlags: ["nodejs_compat"],
						},
					],
				},
			};
		}),
	],
	test: { include: ["test/**/*.test.ts"] },
});

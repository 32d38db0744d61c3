// Bindings only the tests have (vitest.config.ts): the emulator and the end-to-end bot.
declare namespace Cloudflare {
	interface Env {
		FAKE_VIBER: Fetcher;
		E2E_BOT: Fetcher;
		REDIRECTOR: Fetcher;
		E2E_TOKEN: string;
		HOSTILE_SEED: string;
		HOSTILE_RUNS: string;
	}
}

// Bindings only the tests have (vitest.config.ts): the emulators and the bots they talk to.
declare namespace Cloudflare {
	interface Env {
		/** The emulator that plays Viber for the worker under test and the end-to-end bot. */
		FAKE_VIBER: Fetcher;
		/** The end-to-end bot (test/e2e-bot.ts): test/worker.ts as a worker of its own. */
		E2E_BOT: Fetcher;
		/** Answers API calls with redirects (test/helpers/redirector-worker.js). */
		REDIRECTOR: Fetcher;
		E2E_TOKEN: string;
		E2E_SUBSCRIBER: DurableObjectNamespace<import("./worker").Subscriber>;
		/** The emulator that plays Viber for your bot (`src/index.ts`), driven by the test kit. */
		BOT_EMULATOR: Fetcher;
		BOT_TOKEN: string;
		BOT_SUBSCRIBER: DurableObjectNamespace<import("../src/index").Subscriber>;
		/** Overrides for the hostile suite (test/webhook/hostile.test.ts), from the environment. */
		HOSTILE_SEED: string;
		HOSTILE_RUNS: string;
	}
}

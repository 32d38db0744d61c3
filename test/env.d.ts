// Bindings only the tests have (vitest.config.ts): the emulators, and your bot for the test kit.
declare namespace Cloudflare {
	interface Env {
		/** The emulator that plays Viber for the worker under test (test/worker.ts). */
		FAKE_VIBER: Fetcher;
		/** The emulator that plays Viber for your bot (`src/index.ts`), driven by the test kit. */
		BOT_EMULATOR: Fetcher;
		BOT_TOKEN: string;
		BOT_SUBSCRIBER: DurableObjectNamespace<import("../src/index").Subscriber>;
	}
}

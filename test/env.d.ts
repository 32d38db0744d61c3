// Bindings only the tests have (vitest.config.ts): the emulators and the bots they talk to.
declare namespace Cloudflare {
	interface Env {
		/** The emulator that plays Viber for the test bot (test/worker.ts). */
		FAKE_VIBER: Fetcher;
		E2E_BOT: Fetcher;
		E2E_TOKEN: string;
		E2E_SUBSCRIBER: DurableObjectNamespace<import("./worker").Subscriber>;
		/** The emulator that plays Viber for your bot (`src/index.ts`), driven by the test kit. */
		BOT_EMULATOR: Fetcher;
		BOT_TOKEN: string;
		BOT_SUBSCRIBER: DurableObjectNamespace<import("../src/index").Subscriber>;
	}
}

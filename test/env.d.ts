/** Test-only bindings that vitest.config.ts adds beside the ones `wrangler types` generates. */
declare namespace Cloudflare {
	interface Env {
		/** The fake Viber API worker (emulator/src), reached directly for its `/_fake/` controls. */
		FAKE_VIBER: Fetcher;
	}
}

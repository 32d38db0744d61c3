/**
 * The emulator worker: the chat page's files, and everything else handed to the one
 * `Emulator` Durable Object that keeps the state.
 */
import { NetworkFault } from "./faults";

export { Emulator } from "./emulator";

const STATEFUL = /^\/(pa|api|_fake)\//;

export default {
	async fetch(request, env) {
		const { pathname } = new URL(request.url);
		if (!STATEFUL.test(pathname)) {
			return env.ASSETS ? env.ASSETS.fetch(request) : new Response("Not Found", { status: 404 });
		}
		try {
			return await env.EMULATOR.getByName("emulator").fetch(request);
		} catch (error) {
			// A scripted dropped connection: let it escape, so the caller's fetch rejects.
			if (error instanceof Error && error.message.startsWith(NetworkFault.MESSAGE))
				throw new NetworkFault();
			throw error;
		}
	},
} satisfies ExportedHandler<EmulatorEnv>;

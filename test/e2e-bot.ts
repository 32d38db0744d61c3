/**
 * The end-to-end bot: the worker under test (test/worker.ts) as a worker of its own, which the
 * emulator talks to (vitest.config.ts). While a test captures them (helpers/console.ts), its
 * console.error lines are kept for the test to claim instead of printed.
 */
import worker from "./worker";

export {
	BroadcastLedger,
	BroadcastPacer,
	BroadcastReceipts,
	Roster,
	Subscriber,
} from "./worker";

let captured: string[] | undefined;
const print = console.error.bind(console);
console.error = (...args: unknown[]) => {
	if (captured) captured.push(args.map(String).join(" "));
	else print(...args);
};

export default {
	// proactive: cron jobs and the broadcast queue
	scheduled: worker.scheduled,
	queue: worker.queue,
	fetch(request, env, ctx) {
		if (new URL(request.url).pathname !== "/__test/errors") return worker.fetch(request, env, ctx);
		// Each call hands over what was captured so far; POST and GET go on capturing, DELETE stops.
		const lines = captured ?? [];
		captured = request.method === "DELETE" ? undefined : [];
		return Response.json(lines);
	},
} satisfies ExportedHandler<Env>;

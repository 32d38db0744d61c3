/**
 * What reached the inside of the worker: every call on the Subscriber namespace and its objects,
 * and every event a bot handled. The namespace is a recording stand-in, so that thousands of
 * requests run in-process in milliseconds; the same requests through the real worker and its real
 * Durable Objects run in hostile.test.ts too.
 */
import { Bot } from "../../../src/framework/bot";

export type Reached = { target: string; method: string };

/**
 * Any property is a method that records its call and resolves to `{}` (not a thenable). The
 * arguments are structured-cloned, as an RPC call to a Durable Object would.
 */
function recorder(
	reached: Reached[],
	target: (args: unknown[]) => string,
	result: (name: string) => unknown,
) {
	return new Proxy(
		{},
		{
			get: (_, method) =>
				method === "then"
					? undefined
					: (...args: unknown[]) => {
							structuredClone(args);
							reached.push({ target: target(args), method: String(method) });
							return result(target(args));
						},
		},
	);
}

/** `env` with a `SUBSCRIBER` namespace whose objects only record what was asked of them. */
export function recordingEnv(env: Env, reached: Reached[]): Env {
	const object = (name: string) =>
		recorder(
			reached,
			() => name,
			() => Promise.resolve({}),
		);
	const namespace = recorder(
		reached,
		(args) => `namespace:${String(args[0])}`,
		(name) => object(name.slice("namespace:".length)),
	);
	return { ...env, SUBSCRIBER: namespace as Env["SUBSCRIBER"] };
}

/** A bot that records each event it handles (those about no user run in the worker itself). */
export function recordingBot(reached: Reached[]): Bot {
	const bot = new Bot();
	bot.use((ctx) => {
		reached.push({ target: "bot", method: ctx.event.event });
	});
	return bot;
}

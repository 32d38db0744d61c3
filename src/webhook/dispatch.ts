/** Hands a verified callback to the one place that handles it, and shapes Viber's answer. */

import { Context } from "../framework/context";
import { countBroadcastReceipt } from "../proactive/receipts";
import { guardedApi, subscribersOf } from "../runtime/guarded-api";
import { viberFromEnv } from "../runtime/viber";
import type { AnyBot } from "../subscriber/subscriber";
import { type Callback, userIdOf } from "../viber/callback";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

/**
 * `webhook` is answered here. An event about a user goes to that user's Subscriber, which
 * answers at once (and with the welcome message for `conversation_started`). An event about
 * no user runs the handlers after the response.
 */
export async function dispatch(
	callback: Callback,
	env: Env,
	waitUntil: (promise: Promise<unknown>) => void,
	bot: AnyBot,
): Promise<Response> {
	if (callback.event === "webhook") return new Response("ok");
	const userId = userIdOf(callback);
	if (userId === undefined) {
		const api = guardedApi(viberFromEnv(env), subscribersOf(env));
		waitUntil(
			bot
				.handle(new Context(callback, { api }), 1, false)
				.catch((error) => console.error(String(error))),
		);
		return new Response("ok");
	}
	// proactive: a broadcast's receipts are counted in its stats, waking no user object
	if ((await countBroadcastReceipt(env, callback)) && !bot.broadcastReceiptHandlers) {
		return new Response("ok");
	}
	const result = await env.SUBSCRIBER.getByName(userId).receive(userId, callback);
	if (result.welcome) return new Response(result.welcome, { headers: JSON_HEADERS });
	return new Response("ok");
}

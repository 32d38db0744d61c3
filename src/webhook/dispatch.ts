/** Hands a verified callback to the one place that handles it, and shapes Viber's answer. */

import { Context } from "../framework/context";
import { isBroadcastToken, receiptOf, recordReceipt } from "../proactive/receipts";
import { guardedApi, subscribersOf } from "../runtime/guarded-api";
import { viberFromEnv } from "../runtime/viber";
import type { AnyBot } from "../subscriber/subscriber";
import { type Callback, userIdOf } from "../viber/callback";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

/**
 * A signed callback older than this runs nothing. Viber resends for up to an hour; the window
 * adds an hour of margin and, with `MAX_CLOCK_SKEW_MS`, ends well inside the 3 h for which
 * the Subscriber remembers a callback's key, so a replay is refused here or recognised there.
 */
export const REPLAY_WINDOW_MS = 2 * 60 * 60 * 1000;
/** How far ahead of our clock a timestamp may be: clocks disagree, by far less than this. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Why a signed callback is too old or too new to run, or undefined when it is fresh. */
export function staleness(callback: Callback, now: number): string | undefined {
	const ts = callback.timestamp;
	// Every event Viber documents has one; one without cannot show it is fresh.
	if (ts === undefined) return "it has no timestamp";
	if (ts < now - REPLAY_WINDOW_MS)
		return `its timestamp is ${Math.round((now - ts) / 60_000)} min old`;
	if (ts > now + MAX_CLOCK_SKEW_MS)
		return `its timestamp is ${Math.round((ts - now) / 1000)} s ahead`;
	return undefined;
}

/**
 * `webhook` is answered here. A callback outside the replay window is answered 200 (so that a
 * late resend stops) and logged, and nothing else happens. A receipt goes to its user's receipts
 * shard, batched, and to the user's Subscriber only if the bot handles receipts. Any other event
 * about a user goes to that user's Subscriber, which answers when the handlers are done or after
 * `HANDLER_BUDGET_MS` (with the welcome message for `conversation_started`). An event about no
 * user runs the handlers after the response.
 */
export async function dispatch(
	callback: Callback,
	env: Env,
	waitUntil: (promise: Promise<unknown>) => void,
	bot: AnyBot,
): Promise<Response> {
	if (callback.event === "webhook") return new Response("ok");
	const stale = staleness(callback, Date.now());
	if (stale) {
		const token = callback.message_token ?? "none";
		console.warn(`Ignored a signed "${callback.event}" callback (token ${token}): ${stale}`);
		return new Response("ok");
	}
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
	const receipt = receiptOf(callback);
	if (receipt) {
		// Every receipt is kept by its user's receipts shard; the user's object wakes only for the
		// bot's receipt handlers (for a broadcast's receipts, only if the bot asked for that).
		const stored = recordReceipt(env, receipt, waitUntil);
		stored.catch(() => {}); // awaited below: no unhandled rejection meanwhile
		const handled =
			bot.mayHandle(callback.event) &&
			(bot.broadcastReceiptHandlers || !(await isBroadcastToken(env, receipt.token)));
		if (!handled) {
			await stored;
			return new Response("ok");
		}
		await Promise.all([env.SUBSCRIBER.getByName(userId).receive(userId, callback), stored]);
		return new Response("ok");
	}
	const result = await env.SUBSCRIBER.getByName(userId).receive(userId, callback);
	if (result.welcome) return new Response(result.welcome, { headers: JSON_HEADERS });
	return new Response("ok");
}

/**
 * Viber's rules about the bot's account, checked before a send: a webhook must be set, and a
 * receiver must be a user who subscribed (viber-api.md §2.1, §2.2, §3.5, §6.1).
 */
import { type Rejection, reject } from "./rules";
import type { EmulatorStore } from "./store";

/** Viber's own wording for status 6. */
export const NOT_SUBSCRIBED = "notSubscribed";

/**
 * Status 10 (webhookNotSet) when the bot has no webhook: Viber opens the 1-on-1 chat only once
 * one is set, and refuses sends until then.
 *
 * @example webhookRefusal(store, token) // { status: 10, message: "webhookNotSet: ..." } or undefined
 */
export function webhookRefusal(store: EmulatorStore, token: string): Rejection | undefined {
	if (store.webhook(token)) return undefined;
	return reject(10, "no webhook is set: call set_webhook before sending");
}

/**
 * Whether Viber knows `id` as a user of this bot, for `get_user_details`: status 5 for an id the
 * bot never met, 6 for one a test marked unsubscribed. With `strict` off (a bare fake API for
 * unit tests) an unknown id is taken as a user.
 *
 * @example knownUserRefusal(store, token, "3SQNc4FPUQmysaM/AQEhXg==", true)
 */
export function knownUserRefusal(
	store: EmulatorStore,
	token: string,
	id: string,
	strict: boolean,
): Rejection | undefined {
	if (store.isMarkedUnsubscribed(token, id)) return { status: 6, message: NOT_SUBSCRIBED };
	if (!strict || store.user(token, id)) return undefined;
	return reject(5, `${id} is no user of this bot: ids come from its callbacks`);
}

/**
 * Whether `id` may be messaged, for `send_message`, `broadcast_message`'s `failed_list` and
 * `get_online`: as `knownUserRefusal`, and status 6 for a user who has not subscribed (only
 * opened the chat, or left).
 *
 * @example subscriptionRefusal(store, token, "3SQNc4FPUQmysaM/AQEhXg==", true)
 */
export function subscriptionRefusal(
	store: EmulatorStore,
	token: string,
	id: string,
	strict: boolean,
): Rejection | undefined {
	const unknown = knownUserRefusal(store, token, id, strict);
	if (unknown) return unknown;
	const user = store.user(token, id);
	return !user || user.subscribed ? undefined : { status: 6, message: NOT_SUBSCRIBED };
}

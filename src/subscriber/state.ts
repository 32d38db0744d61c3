/** Subscription state by the rules of viber-api.md §3.5. */
import type { Callback } from "../viber/schemas/callbacks";

/**
 * - `unknown`: never heard of (may still be subscribed from before this bot kept state)
 * - `subscribed`: may be messaged at any time
 * - `not_subscribed`: opened the chat but did not subscribe; only a welcome message reaches them
 * - `unsubscribed`: left; nothing may be sent
 * - `gone`: Viber says the user is not registered any more
 */
export type SubscriptionState =
	| "unknown"
	| "subscribed"
	| "not_subscribed"
	| "unsubscribed"
	| "gone";

/**
 * States in the order they win a tie (two signals stamped the same millisecond): leaving beats
 * staying, so a message and an `unsubscribed` at once leave the user unsubscribed.
 */
const TIE_ORDER: readonly SubscriptionState[] = [
	"unknown",
	"not_subscribed",
	"subscribed",
	"unsubscribed",
	"gone",
];

/** A SQL expression ranking the state in `expr` by `TIE_ORDER` (higher wins a tie). */
export function stateRankSql(expr: string): string {
	return `instr('|${TIE_ORDER.join("|")}|', '|' || ${expr} || '|')`;
}

/** The state an inbound event implies, or undefined when it says nothing about it. */
export function stateAfter(callback: Callback): SubscriptionState | undefined {
	switch (callback.event) {
		case "subscribed":
		case "message": // a first message subscribes silently: no `subscribed` callback follows
			return "subscribed";
		case "conversation_started":
			return callback.subscribed ? "subscribed" : "not_subscribed";
		case "unsubscribed":
			return "unsubscribed";
		default:
			return undefined;
	}
}

/** Whether Viber allows sending to a user in this state (it answers status 6 otherwise). */
export function canReceive(state: SubscriptionState): boolean {
	return state === "subscribed" || state === "unknown";
}

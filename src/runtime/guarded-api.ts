/** `ctx.api`: the Viber client whose sends go through the receivers' Subscribers. */
import type { BotApi } from "../framework/api";
import { refusedByRoster } from "../proactive/roster-client";
import type { ViberApi } from "../viber/client";
import type { OutgoingMessage } from "../viber/schemas/messages";
import type { FailedReceiver, SentMessage, UserDetailsResponse } from "../viber/schemas/responses";

/** The Subscriber of each user, as far as sending to them goes. */
export interface Subscribers {
	/** Sends to one user unless they unsubscribed (then `NotSubscribedError`, no API call). */
	send(receiver: string, message: OutgoingMessage): Promise<SentMessage>;
	/** Whether the user may be messaged, as far as their Subscriber knows. */
	mayReceive(receiver: string): Promise<boolean>;
	/** Tells the user's Subscriber the status Viber gave for a message to them. */
	rejected(receiver: string, status: number): Promise<void>;
	/** proactive: those of many users who may not be messaged, from the roster in one go. */
	refusedAmong?(receivers: string[]): Promise<Set<string>>;
	/** The user's `get_user_details` answer, cached 12 h by their Subscriber. */
	userDetails(id: string): Promise<UserDetailsResponse>;
}

const refusedLocally = (receiver: string): FailedReceiver => ({
	receiver,
	status: 6,
	status_message: "not sent: the user unsubscribed or has not subscribed",
});

/**
 * Sends go through the receivers' Subscribers: users who unsubscribed are left out without
 * asking Viber (a broadcast lists them in `failed_list` with status 6), and what Viber refuses
 * is reported back. User details come from the user's Subscriber, which asks Viber at most once
 * per 12 h. Everything else goes straight to Viber.
 */
export function guardedApi(raw: ViberApi, subscribers: Subscribers): BotApi {
	return {
		sendMessage: (receiver, message) => subscribers.send(receiver, message),
		broadcastMessage: async (receivers, message) => {
			const refusedSet = await subscribers.refusedAmong?.(receivers);
			const allowed = refusedSet
				? receivers.map((id) => !refusedSet.has(id))
				: await Promise.all(receivers.map((id) => subscribers.mayReceive(id)));
			const refused = receivers.filter((_, i) => !allowed[i]);
			const result = await raw.broadcastMessage(
				receivers.filter((_, i) => allowed[i]),
				message,
			);
			await Promise.all(result.failed_list.map((f) => subscribers.rejected(f.receiver, f.status)));
			return { ...result, failed_list: [...refused.map(refusedLocally), ...result.failed_list] };
		},
		getAccountInfo: () => raw.getAccountInfo(),
		getUserDetails: (id) => subscribers.userDetails(id),
		getOnline: (ids) => raw.getOnline(ids),
		setWebhook: (options) => raw.setWebhook(options),
		removeWebhook: () => raw.removeWebhook(),
	};
}

/** Every user's Subscriber Durable Object, reached over RPC. */
export function subscribersOf(env: Env): Subscribers {
	const stub = (id: string) => env.SUBSCRIBER.getByName(id);
	return {
		send: (receiver, message) => stub(receiver).send(receiver, message),
		mayReceive: (receiver) => stub(receiver).mayReceive(),
		rejected: (receiver, status) => stub(receiver).rejected(receiver, status),
		refusedAmong: (receivers) => refusedByRoster(env, receivers),
		userDetails: (id) => stub(id).userDetails(id),
	};
}

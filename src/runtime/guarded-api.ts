/** `ctx.api`: the Viber client whose `sendMessage` goes through the receiver's Subscriber. */
import type { BotApi } from "../framework/api";
import type { ViberApi } from "../viber/client";
import type { OutgoingMessage } from "../viber/schemas/messages";
import type { SendMessageResponse } from "../viber/schemas/responses";

export type SendToUser = (
	receiver: string,
	message: OutgoingMessage,
) => Promise<SendMessageResponse>;
/** Tells a user's Subscriber the status Viber gave for a message to them. */
export type Rejected = (receiver: string, status: number) => Promise<void>;

/**
 * Every call goes straight to Viber except `sendMessage`, which `sendToUser` routes through the
 * receiver's Subscriber: it refuses users who unsubscribed and records what was sent. A
 * broadcast's `failed_list` is reported to the Subscribers it names.
 */
export function guardedApi(raw: ViberApi, sendToUser: SendToUser, rejected: Rejected): BotApi {
	return {
		sendMessage: sendToUser,
		broadcastMessage: async (receivers, message) => {
			const result = await raw.broadcastMessage(receivers, message);
			await Promise.all(result.failed_list.map((f) => rejected(f.receiver, f.status)));
			return result;
		},
		getAccountInfo: () => raw.getAccountInfo(),
		getUserDetails: (id) => raw.getUserDetails(id),
		getOnline: (ids) => raw.getOnline(ids),
		setWebhook: (options) => raw.setWebhook(options),
		removeWebhook: () => raw.removeWebhook(),
	};
}

/** Sends through the receiver's Subscriber Durable Object. */
export function sendViaSubscriber(env: Env): SendToUser {
	return (receiver, message) => env.SUBSCRIBER.getByName(receiver).send(receiver, message);
}

/** Reports a rejection to the receiver's Subscriber Durable Object. */
export function rejectedViaSubscriber(env: Env): Rejected {
	return (receiver, status) => env.SUBSCRIBER.getByName(receiver).rejected(receiver, status);
}

/** `ctx.api`: the Viber client whose `sendMessage` goes through the receiver's Subscriber. */
import type { BotApi } from "../framework/api";
import type { ViberApi } from "../viber/client";
import type { OutgoingMessage } from "../viber/schemas/messages";
import type { SendMessageResponse } from "../viber/schemas/responses";

export type SendToUser = (
	receiver: string,
	message: OutgoingMessage,
) => Promise<SendMessageResponse>;

/**
 * Every call goes straight to Viber except `sendMessage`, which `sendToUser` routes through the
 * receiver's Subscriber: it refuses users who unsubscribed and records what was sent.
 */
export function guardedApi(raw: ViberApi, sendToUser: SendToUser): BotApi {
	return {
		sendMessage: sendToUser,
		broadcastMessage: (receivers, message) => raw.broadcastMessage(receivers, message),
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

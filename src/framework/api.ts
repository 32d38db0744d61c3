/** The API surface handlers see as `ctx.api`: the Viber client with guarded sends. */
import type { ViberApi } from "../viber/client";
import type { OutgoingMessage } from "../viber/schemas/messages";
import type { SentMessage } from "../viber/schemas/responses";

/**
 * `ctx.api`: every Viber endpoint. `sendMessage` and `broadcastMessage` refuse users who
 * unsubscribed, without asking Viber; `getUserDetails` answers from a 12-hour cache in the
 * user's Subscriber (Viber allows 2 calls per user per 12 h).
 */
export type BotApi = Pick<
	ViberApi,
	| "broadcastMessage"
	| "getAccountInfo"
	| "getUserDetails"
	| "getOnline"
	| "setWebhook"
	| "removeWebhook"
> & {
	sendMessage(receiver: string, message: OutgoingMessage): Promise<SentMessage>;
};

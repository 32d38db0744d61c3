/** The API surface handlers see as `ctx.api`: the Viber client with guarded sends. */
import type { ViberApi } from "../viber/client";
import type { OutgoingMessage } from "../viber/schemas/messages";
import type { SentMessage } from "../viber/schemas/responses";

/**
 * `ctx.api`: every Viber endpoint. `sendMessage` and `broadcastMessage` refuse users who
 * unsubscribed, without asking Viber.
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

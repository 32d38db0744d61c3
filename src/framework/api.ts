/** The API surface handlers see as `ctx.api`: the Viber client with guarded sends. */
import type { ViberApi } from "../viber/client";

/** `ctx.api`: every Viber endpoint; `sendMessage` refuses users who unsubscribed. */
export type BotApi = Pick<
	ViberApi,
	| "sendMessage"
	| "broadcastMessage"
	| "getAccountInfo"
	| "getUserDetails"
	| "getOnline"
	| "setWebhook"
	| "removeWebhook"
>;

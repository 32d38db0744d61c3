/** Schemas of the Viber API's answers (viber-api.md §2), after `parseJson` keeps tokens exact. */
import * as v from "valibot";
import { MessageTokenSchema } from "./callbacks";

// Objects are loose: Viber adds fields over time, and an unknown field must not fail a send.

/**
 * What every answer carries. A non-zero `status` is an error even with HTTP 200 (§1, §6).
 *
 * @example v.parse(ViberResponseSchema, { status: 0, status_message: "ok" })
 */
export const ViberResponseSchema = v.looseObject({
	status: v.pipe(v.number(), v.integer()),
	// Some error answers may omit it; the numeric status is what matters.
	status_message: v.optional(v.string(), ""),
});
export type ViberResponse = v.InferOutput<typeof ViberResponseSchema>;

const common = ViberResponseSchema.entries;

/**
 * The answer to `send_message` (§2.2). `message_token` is the exact decimal string.
 *
 * @example const { message_token } = await api.sendMessage(userId, { type: "text", text: "Hi" });
 */
export const SendMessageResponseSchema = v.looseObject({
	...common,
	message_token: MessageTokenSchema,
	chat_hostname: v.optional(v.string()),
	billing_status: v.optional(v.number()),
});
export type SendMessageResponse = v.InferOutput<typeof SendMessageResponseSchema>;

/** What a send tells the caller: the known fields of the answer, plain enough to cross RPC. */
export type SentMessage = {
	status: number;
	status_message: string;
	message_token: string;
	chat_hostname?: string;
	billing_status?: number;
};

/** Keeps the known fields of a send's answer. */
export function sentMessage(answer: SendMessageResponse): SentMessage {
	const { status, status_message, message_token, chat_hostname, billing_status } = answer;
	return { status, status_message, message_token, chat_hostname, billing_status };
}

/**
 * A receiver a broadcast did not reach, with the status a `send_message` would have had.
 *
 * @example if (failed.status === 6) markUnsubscribed(failed.receiver);
 */
export const FailedReceiverSchema = v.looseObject({
	receiver: v.string(),
	status: v.number(),
	status_message: v.optional(v.string(), ""),
});
export type FailedReceiver = v.InferOutput<typeof FailedReceiverSchema>;

/** The answer to one `broadcast_message` call: a send answer plus per-receiver failures (§2.3). */
export const BroadcastResponseSchema = v.looseObject({
	...SendMessageResponseSchema.entries,
	failed_list: v.optional(v.array(FailedReceiverSchema)),
});
export type BroadcastResponse = v.InferOutput<typeof BroadcastResponseSchema>;

/**
 * The answer to `set_webhook` (§2.1). `event_types` stays `string[]`: Viber adds new ones.
 *
 * @example const { event_types } = await api.setWebhook({ url: "https://bot.example.com/webhook" });
 */
export const SetWebhookResponseSchema = v.looseObject({
	...common,
	event_types: v.optional(v.array(v.string())),
});
export type SetWebhookResponse = v.InferOutput<typeof SetWebhookResponseSchema>;

/** A member of the bot account (deprecated by Viber, still sent). */
const AccountMemberSchema = v.looseObject({
	id: v.string(),
	name: v.optional(v.string()),
	avatar: v.optional(v.string()),
	role: v.optional(v.string()),
});

/**
 * The answer to `get_account_info` (§2.4): the bot's profile and the webhook currently set.
 *
 * @example const { webhook, subscribers_count } = await api.getAccountInfo();
 */
export const AccountInfoSchema = v.looseObject({
	...common,
	id: v.string(),
	name: v.string(),
	uri: v.optional(v.string()),
	icon: v.optional(v.string()),
	background: v.optional(v.string()),
	category: v.optional(v.string()),
	subcategory: v.optional(v.string()),
	location: v.optional(v.looseObject({ lon: v.number(), lat: v.number() })),
	country: v.optional(v.string()),
	webhook: v.optional(v.string()),
	event_types: v.optional(v.array(v.string())),
	subscribers_count: v.optional(v.number()),
	members: v.optional(v.array(AccountMemberSchema)),
});
export type AccountInfo = v.InferOutput<typeof AccountInfoSchema>;

/** A user's profile from `get_user_details` (§2.5); names and avatars depend on privacy settings. */
export const UserDetailsSchema = v.looseObject({
	id: v.string(),
	name: v.optional(v.string()),
	avatar: v.optional(v.string()),
	country: v.optional(v.string()),
	language: v.optional(v.string()),
	primary_device_os: v.optional(v.string()),
	api_version: v.optional(v.number()),
	viber_version: v.optional(v.string()),
	mcc: v.optional(v.number()),
	mnc: v.optional(v.number()),
	device_type: v.optional(v.string()),
});
export type UserDetails = v.InferOutput<typeof UserDetailsSchema>;

/**
 * The answer to `get_user_details` (§2.5). Viber allows 2 calls per user per 12 hours: cache it.
 *
 * @example const { user } = await api.getUserDetails(userId); // user.api_version
 */
export const UserDetailsResponseSchema = v.looseObject({
	...common,
	message_token: v.optional(MessageTokenSchema),
	user: UserDetailsSchema,
});
export type UserDetailsResponse = v.InferOutput<typeof UserDetailsResponseSchema>;

/**
 * `online_status` values and their names (§2.6): 1 comes with `last_online` (epoch ms).
 *
 * @example ONLINE_STATUS[user.online_status] // "offline"
 */
export const ONLINE_STATUS = {
	0: "online",
	1: "offline",
	2: "undisclosed",
	3: "tryLater",
	4: "unavailable",
} as const;

/** One user's presence from `get_online`. */
export const OnlineUserSchema = v.looseObject({
	id: v.string(),
	online_status: v.picklist([0, 1, 2, 3, 4]),
	online_status_message: v.optional(v.string()),
	last_online: v.optional(v.number()),
});
export type OnlineUser = v.InferOutput<typeof OnlineUserSchema>;

/**
 * The answer to `get_online` (§2.6).
 *
 * @example const { users } = await api.getOnline([a, b]); // users[0].online_status === 0
 */
export const GetOnlineResponseSchema = v.looseObject({
	...common,
	users: v.array(OnlineUserSchema),
});
export type GetOnlineResponse = v.InferOutput<typeof GetOnlineResponseSchema>;

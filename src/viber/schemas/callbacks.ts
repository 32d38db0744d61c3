/** Schemas of the callbacks Viber posts to the webhook (viber-api.md §3), after `parseJson`. */
import * as v from "valibot";

/** A `message_token` as `parseJson` leaves it: the exact decimal digits of a 64-bit integer. */
export const MessageTokenSchema = v.pipe(
	v.union([v.string(), v.number()]),
	v.transform(String),
	v.regex(/^\d{1,20}$/, "must be a non-negative integer"),
);

/** The user in `subscribed`, `conversation_started` and `client_status`, the sender of `message`. */
export const ViberUserSchema = v.looseObject({
	id: v.pipe(v.string(), v.nonEmpty()),
	name: v.optional(v.string()),
	avatar: v.optional(v.string()),
	country: v.optional(v.string()),
	language: v.optional(v.string()),
	api_version: v.optional(v.number()),
});
export type ViberUser = v.InferOutput<typeof ViberUserSchema>;

const envelope = {
	timestamp: v.number(),
	message_token: MessageTokenSchema,
	chat_hostname: v.optional(v.string()),
};

const inbound = { tracking_data: v.optional(v.string()) };
const media = v.string();

export const InboundTextSchema = v.looseObject({
	type: v.literal("text"),
	text: v.string(),
	...inbound,
});
export const InboundPictureSchema = v.looseObject({
	type: v.literal("picture"),
	media,
	text: v.optional(v.string()),
	thumbnail: v.optional(v.string()),
	...inbound,
});
export const InboundVideoSchema = v.looseObject({
	type: v.literal("video"),
	media,
	text: v.optional(v.string()),
	size: v.optional(v.number()),
	duration: v.optional(v.number()),
	thumbnail: v.optional(v.string()),
	...inbound,
});
export const InboundFileSchema = v.looseObject({
	type: v.literal("file"),
	media,
	file_name: v.optional(v.string()),
	// SDKs disagree on the name of the size field; Viber has been seen to send either.
	size: v.optional(v.number()),
	file_size: v.optional(v.number()),
	...inbound,
});
export const InboundStickerSchema = v.looseObject({
	type: v.literal("sticker"),
	sticker_id: v.number(),
	media: v.optional(v.string()),
	...inbound,
});
export const InboundContactSchema = v.looseObject({
	type: v.literal("contact"),
	contact: v.looseObject({
		name: v.optional(v.string()),
		phone_number: v.optional(v.string()),
		avatar: v.optional(v.string()),
	}),
	...inbound,
});
export const InboundUrlSchema = v.looseObject({ type: v.literal("url"), media, ...inbound });
export const InboundLocationSchema = v.looseObject({
	type: v.literal("location"),
	location: v.object({ lat: v.number(), lon: v.number() }),
	text: v.optional(v.string()),
	...inbound,
});
/** A message type this version does not know; `original_type` is what Viber sent. */
export const InboundUnknownSchema = v.looseObject({
	type: v.literal("unknown"),
	original_type: v.string(),
	...inbound,
});

export const InboundMessageSchema = v.variant("type", [
	InboundTextSchema,
	InboundPictureSchema,
	InboundVideoSchema,
	InboundFileSchema,
	InboundStickerSchema,
	InboundContactSchema,
	InboundUrlSchema,
	InboundLocationSchema,
	InboundUnknownSchema,
]);
export type InboundMessage = v.InferOutput<typeof InboundMessageSchema>;
export type InboundMessageType = InboundMessage["type"];
export const INBOUND_MESSAGE_TYPES = InboundMessageSchema.options.map(
	(o) => o.entries.type.literal,
);

export const WebhookCallbackSchema = v.looseObject({
	event: v.literal("webhook"),
	...envelope,
	message_token: v.optional(MessageTokenSchema),
});
export const SubscribedCallbackSchema = v.looseObject({
	event: v.literal("subscribed"),
	...envelope,
	user: ViberUserSchema,
});
export const UnsubscribedCallbackSchema = v.looseObject({
	event: v.literal("unsubscribed"),
	...envelope,
	user_id: v.pipe(v.string(), v.nonEmpty()),
});
export const ConversationStartedCallbackSchema = v.looseObject({
	event: v.literal("conversation_started"),
	...envelope,
	type: v.optional(v.string()),
	context: v.optional(v.string()),
	user: ViberUserSchema,
	subscribed: v.optional(v.boolean()),
});
export const MessageCallbackSchema = v.looseObject({
	event: v.literal("message"),
	...envelope,
	sender: ViberUserSchema,
	message: InboundMessageSchema,
});
const receipt = { ...envelope, user_id: v.pipe(v.string(), v.nonEmpty()) };
export const DeliveredCallbackSchema = v.looseObject({ event: v.literal("delivered"), ...receipt });
export const SeenCallbackSchema = v.looseObject({ event: v.literal("seen"), ...receipt });
export const FailedCallbackSchema = v.looseObject({
	event: v.literal("failed"),
	...receipt,
	desc: v.optional(v.string()),
});
export const ClientStatusCallbackSchema = v.looseObject({
	event: v.literal("client_status"),
	...envelope,
	user: ViberUserSchema,
	status: v.optional(v.looseObject({ type: v.optional(v.string()), code: v.optional(v.number()) })),
});
/** An event this version does not know; `original_event` is what Viber sent, `user_id` if found. */
export const UnknownCallbackSchema = v.looseObject({
	event: v.literal("unknown"),
	original_event: v.string(),
	timestamp: v.optional(v.number()),
	message_token: v.optional(MessageTokenSchema),
	user_id: v.optional(v.string()),
});

export const CallbackSchema = v.variant("event", [
	WebhookCallbackSchema,
	SubscribedCallbackSchema,
	UnsubscribedCallbackSchema,
	ConversationStartedCallbackSchema,
	MessageCallbackSchema,
	DeliveredCallbackSchema,
	SeenCallbackSchema,
	FailedCallbackSchema,
	ClientStatusCallbackSchema,
	UnknownCallbackSchema,
]);
export type Callback = v.InferOutput<typeof CallbackSchema>;
export type CallbackEvent = Callback["event"];
export type CallbackOf<E extends CallbackEvent> = Extract<Callback, { event: E }>;
export type MessageCallback = CallbackOf<"message">;
export const CALLBACK_EVENTS = CallbackSchema.options.map((o) => o.entries.event.literal);

/** Callbacks a bot may leave out with `set_webhook`'s `event_types` (§2.1). */
export const FILTERABLE_EVENTS: readonly string[] = [
	"delivered",
	"seen",
	"failed",
	"conversation_started",
];
/** Callbacks that always come, whatever `event_types` says (§2.1). */
export const MANDATORY_EVENTS: readonly string[] = ["message", "subscribed", "unsubscribed"];

/**
 * Schemas of the callbacks Viber posts to the webhook (viber-api.md §3), after `parseJson`.
 *
 * Liberal where Viber's docs and its traffic disagree, strict where it matters. Numbers may come
 * as JSON numbers or decimal strings (the docs show `"sticker_id": "40129"`, the SDKs read an
 * integer) and are always numbers after parsing; optional descriptive fields may be `null`
 * (read as absent); `language` is any tag (`"en"`, `"en-CA"`). Strict: the user ids, the
 * `message_token`, `event` and `message.type`, a finite `timestamp`, and the fields a message
 * type is made of (`text`, `media`, `location`).
 */
import * as v from "valibot";

/** A `message_token` as `parseJson` leaves it: the exact decimal digits of a 64-bit integer. */
export const MessageTokenSchema = v.pipe(
	v.union([v.string(), v.number()]),
	v.transform(String),
	v.regex(/^\d{1,20}$/, "must be a non-negative integer"),
);

/** A finite number, sent as a JSON number or as a decimal string (`"40129"`, `"-1.5"`); output a number. */
export const NumberishSchema = v.pipe(
	v.union([
		v.number(),
		v.pipe(v.string(), v.regex(/^\s*-?\d+(\.\d+)?\s*$/, "must be a number"), v.transform(Number)),
	]),
	v.finite("must be a finite number"),
);

/** `true`/`false`, also as the strings `"true"`/`"false"`; output a boolean. */
const BooleanishSchema = v.union([
	v.boolean(),
	v.pipe(
		v.picklist(["true", "false"]),
		v.transform((text) => text === "true"),
	),
]);

/** An optional field that may also be `null`, read as absent. */
function lenient<S extends v.GenericSchema>(schema: S) {
	return v.pipe(
		v.nullish(schema),
		v.transform((value: v.InferOutput<S> | null | undefined) => value ?? undefined),
	);
}

/** The user in `subscribed`, `conversation_started` and `client_status`, the sender of `message`. */
export const ViberUserSchema = v.looseObject({
	id: v.pipe(v.string(), v.nonEmpty()),
	name: lenient(v.string()),
	avatar: lenient(v.string()),
	country: lenient(v.string()),
	language: lenient(v.string()),
	api_version: lenient(NumberishSchema),
});
export type ViberUser = v.InferOutput<typeof ViberUserSchema>;

const envelope = {
	timestamp: NumberishSchema,
	message_token: MessageTokenSchema,
	chat_hostname: lenient(v.string()),
};

const inbound = { tracking_data: lenient(v.string()) };
const media = v.string();

export const InboundTextSchema = v.looseObject({
	type: v.literal("text"),
	text: v.string(),
	...inbound,
});
export const InboundPictureSchema = v.looseObject({
	type: v.literal("picture"),
	media,
	text: lenient(v.string()),
	thumbnail: lenient(v.string()),
	...inbound,
});
export const InboundVideoSchema = v.looseObject({
	type: v.literal("video"),
	media,
	text: lenient(v.string()),
	size: lenient(NumberishSchema),
	duration: lenient(NumberishSchema),
	thumbnail: lenient(v.string()),
	...inbound,
});
export const InboundFileSchema = v.looseObject({
	type: v.literal("file"),
	media,
	file_name: lenient(v.string()),
	// SDKs disagree on the name of the size field; Viber has been seen to send either.
	size: lenient(NumberishSchema),
	file_size: lenient(NumberishSchema),
	...inbound,
});
export const InboundStickerSchema = v.looseObject({
	type: v.literal("sticker"),
	/** A number; Viber's docs show it as a string (`"40129"`), which is read as the same number. */
	sticker_id: NumberishSchema,
	media: lenient(v.string()),
	...inbound,
});
export const InboundContactSchema = v.looseObject({
	type: v.literal("contact"),
	contact: v.looseObject({
		name: lenient(v.string()),
		phone_number: lenient(v.pipe(v.union([v.string(), v.number()]), v.transform(String))),
		avatar: lenient(v.string()),
	}),
	...inbound,
});
export const InboundUrlSchema = v.looseObject({ type: v.literal("url"), media, ...inbound });
export const InboundLocationSchema = v.looseObject({
	type: v.literal("location"),
	location: v.looseObject({ lat: NumberishSchema, lon: NumberishSchema }),
	text: lenient(v.string()),
	...inbound,
});
/**
 * A message type this version does not know; `original_type` is what Viber sent (`"unknown"`
 * when Viber itself sent the type `"unknown"`).
 */
export const InboundUnknownSchema = v.looseObject({
	type: v.literal("unknown"),
	original_type: v.optional(v.string(), "unknown"),
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
	type: lenient(v.string()),
	context: lenient(v.string()),
	user: ViberUserSchema,
	subscribed: lenient(BooleanishSchema),
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
	desc: lenient(v.string()),
});
export const ClientStatusCallbackSchema = v.looseObject({
	event: v.literal("client_status"),
	...envelope,
	user: ViberUserSchema,
	status: lenient(v.looseObject({ type: lenient(v.string()), code: lenient(NumberishSchema) })),
});
/**
 * An event this version does not know; `original_event` is what Viber sent (`"unknown"` when
 * Viber itself sent the event `"unknown"`), `user_id` if found.
 */
export const UnknownCallbackSchema = v.looseObject({
	event: v.literal("unknown"),
	original_event: v.optional(v.string(), "unknown"),
	timestamp: v.optional(NumberishSchema),
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

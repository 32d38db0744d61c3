/** Schemas of the messages a bot sends (viber-api.md §2.2, §5), without `receiver`. */
import * as v from "valibot";
import { KeyboardSchema, LIMITS, RichMediaSchema } from "./keyboard";

const maxChars = (max: number) => v.pipe(v.string(), v.maxLength(max));
const bytes = v.pipe(v.number(), v.integer(), v.minValue(0));
const media = v.pipe(v.string(), v.nonEmpty());

/**
 * Who the message appears to come from. `prepareMessage` fills in the bot's default.
 *
 * @example const sender: Sender = { name: "Pizza Bot", avatar: "https://example.com/bot.png" };
 */
export const SenderSchema = v.strictObject({
	name: maxChars(LIMITS.senderName),
	avatar: v.optional(v.string()),
});
export type Sender = v.InferOutput<typeof SenderSchema>;

/** Fields every outbound message may carry (§2.2). */
const common = {
	sender: v.optional(SenderSchema),
	tracking_data: v.optional(maxChars(LIMITS.trackingData)),
	min_api_version: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
	keyboard: v.optional(KeyboardSchema),
};

// Top-level objects are strict: a typo such as `trackingData` is an error naming the key, not a
// field that silently never reaches Viber.

/** @example const m: TextMessage = { type: "text", text: "Hello!" }; */
export const TextMessageSchema = v.strictObject({
	type: v.literal("text"),
	text: v.pipe(v.string(), v.nonEmpty(), v.maxLength(LIMITS.textLength)),
	...common,
});
export type TextMessage = v.InferOutput<typeof TextMessageSchema>;

/** `text` is the caption and may be `""`; `media` is a JPEG/PNG/GIF URL (§5.2). */
export const PictureMessageSchema = v.strictObject({
	type: v.literal("picture"),
	text: maxChars(LIMITS.pictureText),
	media,
	thumbnail: v.optional(v.string()),
	...common,
});
export type PictureMessage = v.InferOutput<typeof PictureMessageSchema>;

/** `media` is an MP4 URL, `size` its length in bytes (required by Viber), `duration` seconds (§5.3). */
export const VideoMessageSchema = v.strictObject({
	type: v.literal("video"),
	media,
	size: bytes,
	duration: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(LIMITS.videoDuration))),
	thumbnail: v.optional(v.string()),
	text: v.optional(v.string()),
	...common,
});
export type VideoMessage = v.InferOutput<typeof VideoMessageSchema>;

/** `file_name` must include the extension, or the user may not be able to open the file (§5.4). */
export const FileMessageSchema = v.strictObject({
	type: v.literal("file"),
	media,
	size: bytes,
	file_name: v.pipe(v.string(), v.nonEmpty(), v.maxLength(LIMITS.fileName)),
	...common,
});
export type FileMessage = v.InferOutput<typeof FileMessageSchema>;

/** @example const m: ContactMessage = { type: "contact", contact: { name: "Ann", phone_number: "+15555555555" } }; */
export const ContactMessageSchema = v.strictObject({
	type: v.literal("contact"),
	contact: v.strictObject({
		name: maxChars(LIMITS.contactName),
		phone_number: maxChars(LIMITS.contactPhone),
	}),
	...common,
});
export type ContactMessage = v.InferOutput<typeof ContactMessageSchema>;

/** Coordinates are numbers (old docs showed strings; numbers are what clients render). */
export const LocationMessageSchema = v.strictObject({
	type: v.literal("location"),
	location: v.strictObject({
		lat: v.pipe(v.number(), v.minValue(-LIMITS.latitude), v.maxValue(LIMITS.latitude)),
		lon: v.pipe(v.number(), v.minValue(-LIMITS.longitude), v.maxValue(LIMITS.longitude)),
	}),
	...common,
});
export type LocationMessage = v.InferOutput<typeof LocationMessageSchema>;

/** A link; also the way to send an animated GIF (§5.7). */
export const UrlMessageSchema = v.strictObject({
	type: v.literal("url"),
	media: v.pipe(v.string(), v.nonEmpty(), v.maxLength(LIMITS.urlLength)),
	...common,
});
export type UrlMessage = v.InferOutput<typeof UrlMessageSchema>;

/** @example const m: StickerMessage = { type: "sticker", sticker_id: 46105 }; */
export const StickerMessageSchema = v.strictObject({
	type: v.literal("sticker"),
	sticker_id: v.pipe(v.number(), v.integer()),
	...common,
});
export type StickerMessage = v.InferOutput<typeof StickerMessageSchema>;

/** A carousel; `alt_text` is shown by clients that cannot render it (§5.9). */
export const RichMediaMessageSchema = v.strictObject({
	type: v.literal("rich_media"),
	rich_media: RichMediaSchema,
	alt_text: v.optional(maxChars(LIMITS.altText)),
	...common,
});
export type RichMediaMessage = v.InferOutput<typeof RichMediaMessageSchema>;

/**
 * A keyboard on its own, with no visible message (§5.10). It has no `type`; the optional
 * `type?: undefined` only lets `switch (message.type)` compile over every message.
 *
 * @example const m: KeyboardMessage = { keyboard: { Type: "keyboard", Buttons: [{ ActionBody: "menu", Text: "Menu" }] } };
 */
export const KeyboardMessageSchema = v.strictObject({
	type: v.optional(v.undefined()),
	...common,
	keyboard: KeyboardSchema,
});
export type KeyboardMessage = v.InferOutput<typeof KeyboardMessageSchema>;

/** Every message `type` a bot can send, in the order the docs list them. */
export const MESSAGE_TYPES = [
	"text",
	"picture",
	"video",
	"file",
	"contact",
	"location",
	"url",
	"sticker",
	"rich_media",
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/**
 * Anything a bot can send, told apart by `type`; no `type` means a keyboard-only message.
 * Validate with `prepareMessage` (limits.ts), which also fills `sender` and `min_api_version`.
 *
 * @example const m: OutgoingMessage = { type: "text", text: "Pick one", keyboard: menu };
 */
export const OutgoingMessageSchema = v.variant("type", [
	TextMessageSchema,
	PictureMessageSchema,
	VideoMessageSchema,
	FileMessageSchema,
	ContactMessageSchema,
	LocationMessageSchema,
	UrlMessageSchema,
	StickerMessageSchema,
	RichMediaMessageSchema,
	// Matches only when `type` is absent, so it never catches a typed message.
	KeyboardMessageSchema,
]);
export type OutgoingMessage = v.InferOutput<typeof OutgoingMessageSchema>;

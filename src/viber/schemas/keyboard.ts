/** Schemas of Viber keyboards, rich-media carousels and their buttons (viber-api.md §5.9, §5.11, §5.12). */
import * as v from "valibot";

/**
 * Every documented Viber size and range limit, in one place: the schemas here and in `messages.ts`
 * read them, and `limits.ts` reads them for its cross-field checks and re-exports them.
 * (They live in this file because it is the root of the schema imports; `limits.ts` imports the
 * schemas, so keeping them there would make an import cycle.)
 *
 * @example if (text.length > LIMITS.textLength) splitText(text);
 */
export const LIMITS = {
	/** Bytes of JSON in any API request (§1, §2.8). */
	requestBytes: 30 * 1024,
	textLength: 7000,
	senderName: 28,
	trackingData: 4000,
	pictureText: 768,
	videoDuration: 180,
	fileName: 256,
	contactName: 28,
	contactPhone: 18,
	urlLength: 2000,
	altText: 7000,
	latitude: 90,
	longitude: 180,
	/** Android allows 250, iOS only 100 (§5.12); we enforce the larger, documented one. */
	actionBody: 250,
	buttonText: 250,
	gridColumns: 6,
	/** Rows of a rich-media card; old docs said 1–2 for keyboard buttons, newer clients allow 7. */
	gridRows: 7,
	richMediaCards: 6,
	customDefaultHeight: { min: 40, max: 70 },
	heightScale: { min: 20, max: 100 },
	textPadding: 12,
	textOpacity: 100,
	customTitle: 15,
	frameWidth: 10,
	frameRadius: 10,
} as const;

const int = (min: number, max: number) =>
	v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const maxChars = (max: number) => v.pipe(v.string(), v.maxLength(max));
const hex = v.pipe(v.string(), v.hexColor("must be a hex color such as #FFFFFF"));
const scaleType = v.picklist(["crop", "fill", "fit"]);

/** What a tap on a button does (§5.12); `share-phone` and `location-picker` need API level 3. */
export const ActionTypeSchema = v.picklist([
	"reply",
	"open-url",
	"location-picker",
	"share-phone",
	"none",
]);
export type ActionType = v.InferOutput<typeof ActionTypeSchema>;

/** How `open-url` opens inside Viber (API level 3; `send-to-bot` and `ActionReplyData` level 6). */
export const InternalBrowserSchema = v.looseObject({
	ActionButton: v.optional(
		v.picklist(["forward", "send", "open-externally", "send-to-bot", "none"]),
	),
	ActionPredefinedURL: v.optional(v.string()),
	TitleType: v.optional(v.picklist(["default", "domain"])),
	CustomTitle: v.optional(maxChars(LIMITS.customTitle)),
	Mode: v.optional(
		v.picklist(["fullscreen", "fullscreen-portrait", "fullscreen-landscape", "partial-size"]),
	),
	FooterType: v.optional(v.picklist(["default", "hidden"])),
	ActionReplyData: v.optional(v.string()),
});
export type InternalBrowser = v.InferOutput<typeof InternalBrowserSchema>;

/**
 * One keyboard or rich-media button (§5.12). Unknown keys pass through untouched, so fields Viber
 * adds later still reach it.
 *
 * @example const yes: Button = { ActionType: "reply", ActionBody: "yes", Text: "Yes", Columns: 3 };
 */
export const ButtonSchema = v.looseObject({
	Columns: v.optional(int(1, LIMITS.gridColumns)),
	Rows: v.optional(int(1, LIMITS.gridRows)),
	BgColor: v.optional(hex),
	Silent: v.optional(v.boolean()),
	BgMediaType: v.optional(v.picklist(["picture", "gif"])),
	BgMedia: v.optional(v.string()),
	BgMediaScaleType: v.optional(scaleType),
	ImageScaleType: v.optional(scaleType),
	BgLoop: v.optional(v.boolean()),
	ActionType: v.optional(ActionTypeSchema),
	ActionBody: v.pipe(v.string(), v.nonEmpty(), v.maxLength(LIMITS.actionBody)),
	Image: v.optional(v.string()),
	Text: v.optional(maxChars(LIMITS.buttonText)),
	TextVAlign: v.optional(v.picklist(["top", "middle", "bottom"])),
	TextHAlign: v.optional(v.picklist(["left", "center", "right"])),
	TextPaddings: v.optional(
		v.strictTuple([
			int(0, LIMITS.textPadding),
			int(0, LIMITS.textPadding),
			int(0, LIMITS.textPadding),
			int(0, LIMITS.textPadding),
		]),
	),
	TextOpacity: v.optional(int(0, LIMITS.textOpacity)),
	TextSize: v.optional(v.picklist(["small", "regular", "large"])),
	OpenURLType: v.optional(v.picklist(["internal", "external"])),
	OpenURLMediaType: v.optional(v.picklist(["not-media", "video", "gif", "picture"])),
	TextBgGradientColor: v.optional(hex),
	TextShouldFit: v.optional(v.boolean()),
	InternalBrowser: v.optional(InternalBrowserSchema),
	Map: v.optional(
		v.looseObject({
			Latitude: v.pipe(v.number(), v.minValue(-LIMITS.latitude), v.maxValue(LIMITS.latitude)),
			Longitude: v.pipe(v.number(), v.minValue(-LIMITS.longitude), v.maxValue(LIMITS.longitude)),
		}),
	),
	Frame: v.optional(
		v.looseObject({
			BorderWidth: v.optional(int(0, LIMITS.frameWidth)),
			BorderColor: v.optional(hex),
			CornerRadius: v.optional(int(0, LIMITS.frameRadius)),
		}),
	),
	MediaPlayer: v.optional(
		v.looseObject({
			Title: v.optional(v.string()),
			Subtitle: v.optional(v.string()),
			ThumbnailURL: v.optional(v.string()),
			Loop: v.optional(v.boolean()),
		}),
	),
});
export type Button = v.InferOutput<typeof ButtonSchema>;

/** What the user last shared to favorites, shown with the keyboard (API level 6). */
export const FavoritesMetadataSchema = v.looseObject({
	type: v.picklist(["gif", "link", "video"]),
	url: v.string(),
	title: v.string(),
	thumbnail: v.optional(v.string()),
	domain: v.optional(v.string()),
	width: v.optional(v.number()),
	height: v.optional(v.number()),
	alternativeUrl: v.optional(v.string()),
	alternativeText: v.optional(v.string()),
});
export type FavoritesMetadata = v.InferOutput<typeof FavoritesMetadataSchema>;

const buttons = v.pipe(v.array(ButtonSchema), v.nonEmpty());

/**
 * A custom keyboard (§5.11). `Type: "keyboard"` is required: Viber rejects a keyboard without it.
 *
 * @example const menu: Keyboard = { Type: "keyboard", Buttons: [{ ActionBody: "help", Text: "Help" }] };
 */
export const KeyboardSchema = v.looseObject({
	Type: v.literal("keyboard"),
	Buttons: buttons,
	BgColor: v.optional(hex),
	DefaultHeight: v.optional(v.boolean()),
	CustomDefaultHeight: v.optional(
		int(LIMITS.customDefaultHeight.min, LIMITS.customDefaultHeight.max),
	),
	HeightScale: v.optional(int(LIMITS.heightScale.min, LIMITS.heightScale.max)),
	ButtonsGroupColumns: v.optional(int(1, LIMITS.gridColumns)),
	ButtonsGroupRows: v.optional(int(1, LIMITS.gridRows)),
	InputFieldState: v.optional(v.picklist(["regular", "minimized", "hidden"])),
	FavoritesMetadata: v.optional(FavoritesMetadataSchema),
});
export type Keyboard = v.InferOutput<typeof KeyboardSchema>;

/**
 * A rich-media carousel (§5.9): buttons laid out into cards of
 * `ButtonsGroupColumns × ButtonsGroupRows` (default 6 × 7), 1 to 6 cards.
 *
 * @example const card: RichMedia = { Type: "rich_media", Buttons: [{ ActionBody: "buy", Text: "Buy", Rows: 7 }] };
 */
export const RichMediaSchema = v.looseObject({
	Type: v.literal("rich_media"),
	ButtonsGroupColumns: v.optional(int(1, LIMITS.gridColumns)),
	ButtonsGroupRows: v.optional(int(1, LIMITS.gridRows)),
	BgColor: v.optional(hex),
	HeightScale: v.optional(int(LIMITS.heightScale.min, LIMITS.heightScale.max)),
	Buttons: buttons,
});
export type RichMedia = v.InferOutput<typeof RichMediaSchema>;

/** Checks an outbound message against Viber's limits and API levels before anything is sent. */
import * as v from "valibot";
import { ViberLimitError } from "./errors";
import { type Button, LIMITS, type RichMedia } from "./schemas/keyboard";
import {
	MESSAGE_TYPES,
	type OutgoingMessage,
	OutgoingMessageSchema,
	type Sender,
} from "./schemas/messages";

export { LIMITS };

/**
 * The largest JSON body Viber accepts on any endpoint (§1): 30 KB.
 *
 * @example if (body.length > MAX_REQUEST_BYTES) ... // but see checkRequestSize: it counts bytes
 */
export const MAX_REQUEST_BYTES = LIMITS.requestBytes;

/**
 * Throws `ViberLimitError` (field `request`) when a request body is over 30 KB of UTF-8.
 *
 * @example checkRequestSize(JSON.stringify({ receiver, ...message }));
 */
export function checkRequestSize(body: string): void {
	// A UTF-16 code unit is at most 3 bytes of UTF-8: most bodies need no encoding to know.
	if (body.length * 3 <= MAX_REQUEST_BYTES) return;
	const size = new TextEncoder().encode(body).byteLength;
	if (size > MAX_REQUEST_BYTES) {
		throw new ViberLimitError(
			"request",
			`at most 30 KB (${MAX_REQUEST_BYTES} bytes) of JSON`,
			`This one is ${size} bytes; shorten the text, tracking_data or keyboard`,
		);
	}
}

/** A message ready for the wire: validated, with a sender and a `min_api_version`. */
export type PreparedMessage = OutgoingMessage & { sender: Sender; min_api_version: number };

type Requirement = { level: number; reason: string };

// API level per field, from the "API level" columns of §5.11/§5.12 and §2.9. `Silent` came with
// Viber 6.7, the same client release as rich media (level 2).
const BUTTON_LEVELS: [string, number][] = [
	["Silent", 2],
	["InternalBrowser", 3],
	["TextPaddings", 4],
	["BgMediaScaleType", 6],
	["ImageScaleType", 6],
	["TextShouldFit", 6],
	["Map", 6],
	["Frame", 6],
	["MediaPlayer", 6],
];
const KEYBOARD_LEVELS: [string, number][] = [
	["CustomDefaultHeight", 3],
	["HeightScale", 3],
	["ButtonsGroupColumns", 4],
	["ButtonsGroupRows", 4],
	["InputFieldState", 4],
	["FavoritesMetadata", 6],
];
/** `<s>` and `<font size=...>` in a button's Text need level 4 (§5.12). */
const LEVEL_4_MARKUP = /<s\s*>|<font\b[^>]*\bsize\s*=/i;

function raise(need: Requirement, level: number, reason: string): void {
	if (level > need.level) Object.assign(need, { level, reason });
}

function buttonNeeds(need: Requirement, button: Button): void {
	for (const [key, level] of BUTTON_LEVELS) {
		if (button[key] !== undefined) raise(need, level, key);
	}
	if (button.ActionType === "share-phone" || button.ActionType === "location-picker") {
		raise(need, 3, `${button.ActionType} button`);
	}
	if (button.Text !== undefined && LEVEL_4_MARKUP.test(button.Text)) {
		raise(need, 4, "<s> or <font size> in button Text");
	}
	if (button.InternalBrowser?.ActionButton === "send-to-bot") {
		raise(need, 6, "InternalBrowser.ActionButton send-to-bot");
	}
	if (button.InternalBrowser?.ActionReplyData !== undefined) {
		raise(need, 6, "InternalBrowser.ActionReplyData");
	}
}

function requirementOf(message: OutgoingMessage): Requirement {
	const need: Requirement = { level: 1, reason: "baseline" };
	if (message.type === "rich_media") {
		raise(need, 2, "rich_media");
		if (message.rich_media.HeightScale !== undefined) raise(need, 3, "HeightScale");
		for (const button of message.rich_media.Buttons) buttonNeeds(need, button);
	}
	if (message.keyboard) {
		for (const [key, level] of KEYBOARD_LEVELS) {
			if (message.keyboard[key] !== undefined) raise(need, level, key);
		}
		for (const button of message.keyboard.Buttons) buttonNeeds(need, button);
	}
	return need;
}

/**
 * The lowest `min_api_version` that covers every feature the message uses (§2.9). Viber does not
 * infer it: too low a value makes it answer status 14 or drop the feature silently.
 *
 * @example minApiVersionFor({ type: "text", text: "hi" }) // 1
 */
export function minApiVersionFor(message: OutgoingMessage): number {
	return requirementOf(message).level;
}

/** Rules that span several fields, which the schemas cannot see: §5.9 and §5.12. */
function checkButtons(buttons: Button[], path: string, inRichMedia: boolean): void {
	buttons.forEach((button, i) => {
		const at = `${path}.Buttons[${i}]`;
		const { Text, BgMedia, Image, BgColor, ActionType } = button;
		if (
			Text === undefined &&
			BgMedia === undefined &&
			Image === undefined &&
			BgColor === undefined
		) {
			throw new ViberLimitError(
				at,
				"one of Text, BgMedia, Image or BgColor",
				"Viber rejects a blank button",
			);
		}
		if (inRichMedia && (ActionType === "share-phone" || ActionType === "location-picker")) {
			throw new ViberLimitError(
				`${at}.ActionType`,
				"not share-phone or location-picker in rich media",
			);
		}
	});
}

function checkRichMedia(rich: RichMedia): void {
	const columns = rich.ButtonsGroupColumns ?? LIMITS.gridColumns;
	const rows = rich.ButtonsGroupRows ?? LIMITS.gridRows;
	let cells = 0;
	rich.Buttons.forEach((button, i) => {
		if (button.Columns !== undefined && button.Columns > columns) {
			throw new ViberLimitError(
				`rich_media.Buttons[${i}].Columns`,
				`at most ${columns} (ButtonsGroupColumns)`,
			);
		}
		if (button.Rows !== undefined && button.Rows > rows) {
			throw new ViberLimitError(
				`rich_media.Buttons[${i}].Rows`,
				`at most ${rows} (ButtonsGroupRows)`,
			);
		}
		cells += (button.Columns ?? columns) * (button.Rows ?? 1);
	});
	// Cells over card size is a lower bound on the card count (gaps only add cards), so this never
	// rejects a carousel Viber would accept.
	const cards = Math.ceil(cells / (columns * rows));
	if (cards > LIMITS.richMediaCards) {
		throw new ViberLimitError(
			"rich_media.Buttons",
			`at most ${LIMITS.richMediaCards} cards`,
			`These buttons fill at least ${cards} cards of ${columns}×${rows}`,
		);
	}
}

/**
 * Validates a message, fills in the default sender and the `min_api_version` its features need,
 * and throws `ViberLimitError` (nothing is sent) when a Viber limit or API level is broken.
 *
 * @example
 * prepareMessage({ type: "text", text: "Hi" }, { sender: { name: "Bot" } })
 * // { type: "text", text: "Hi", sender: { name: "Bot" }, min_api_version: 1 }
 */
export function prepareMessage(
	message: OutgoingMessage,
	defaults: { sender: Sender },
): PreparedMessage {
	if (typeof message !== "object" || message === null) {
		throw new ViberLimitError("message", "must be an object");
	}
	if (message.type === undefined && !("keyboard" in message)) {
		throw new ViberLimitError(
			"type",
			"required",
			`One of ${MESSAGE_TYPES.join(", ")}; only a keyboard-only message has none`,
		);
	}
	const sender = message.sender ?? defaults.sender;
	const result = v.safeParse(OutgoingMessageSchema, { ...message, sender });
	const first = result.issues?.[0];
	if (first) throw ViberLimitError.fromIssue(first);
	const parsed = result.output as OutgoingMessage;

	if (parsed.keyboard) checkButtons(parsed.keyboard.Buttons, "keyboard", false);
	if (parsed.type === "rich_media") {
		checkButtons(parsed.rich_media.Buttons, "rich_media", true);
		checkRichMedia(parsed.rich_media);
	}

	const need = requirementOf(parsed);
	const declared = parsed.min_api_version;
	if (declared !== undefined && declared < need.level) {
		throw new ViberLimitError(
			"min_api_version",
			`at least ${need.level} (${need.reason})`,
			`It is ${declared}: Viber would answer status 14 or not render the feature; omit it to have it set`,
		);
	}
	return { ...parsed, sender, min_api_version: declared ?? need.level };
}

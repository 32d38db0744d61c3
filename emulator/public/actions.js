/** What a tap on a bot's button sends, and the composer's picture, location, contact, sticker. */
import { ask, safeUrl, toast } from "./ui.js";

/** Where the location picker starts: Trafalgar Square. */
const DEFAULT_PLACE = { lat: "51.50809", lon: "-0.12804" };
const DEFAULT_PICTURE = "https://picsum.photos/id/237/600/400.jpg";

/**
 * @typedef {Record<string, unknown>} Message an inbound Viber message (viber-api.md §3.3.5)
 * @typedef {(message: Message, silent?: boolean) => Promise<void>} Send
 */

/** Asks for a place, as Viber's location picker would. @param {string} title */
export async function askLocation(title) {
	const place = await ask(title, [
		{ name: "lat", label: "Latitude", value: DEFAULT_PLACE.lat, type: "number", step: "any" },
		{ name: "lon", label: "Longitude", value: DEFAULT_PLACE.lon, type: "number", step: "any" },
	]);
	return (
		place && { type: "location", location: { lat: Number(place.lat), lon: Number(place.lon) } }
	);
}

/**
 * The handler of taps on keyboard and rich-media buttons, answered as Viber does
 * (viber-api.md §5.12): `reply` and `open-url` send the ActionBody as text (silently when the
 * button says so), `share-phone` a contact, `location-picker` a location, `none` nothing.
 *
 * @param {Send} send
 * @param {() => { name: string; phone: string } | undefined} user the selected test user
 * @returns {(button: import("./buttons.js").Button) => Promise<void>}
 */
export function createTap(send, user) {
	return async function tap(button) {
		const body = String(button.ActionBody ?? "");
		switch (button.ActionType ?? "reply") {
			case "reply":
				return send({ type: "text", text: body }, button.Silent === true);
			case "open-url": {
				const url = safeUrl(body);
				if (url) window.open(url, "_blank", "noopener,noreferrer");
				return send({ type: "text", text: body }, button.Silent === true);
			}
			case "share-phone": {
				const who = user();
				if (!who) return;
				return send({ type: "contact", contact: { name: who.name, phone_number: who.phone } });
			}
			case "location-picker": {
				const message = await askLocation("Pick a location");
				if (message) await send(message);
				return;
			}
			case "none":
				return;
			default:
				toast(`The emulator does not play ActionType "${button.ActionType}"`, "info");
		}
	};
}

/**
 * The composer's attachments: each asks for its fields and returns the message, or null.
 *
 * @type {Record<string, () => Promise<Message | null>>}
 */
export const ATTACH = {
	async picture() {
		const v = await ask("Send a picture", [
			{ name: "media", label: "Picture URL (.jpg, .png)", value: DEFAULT_PICTURE, type: "url" },
			{ name: "text", label: "Caption", required: false },
		]);
		return v && { type: "picture", media: v.media, text: v.text };
	},
	location: () => askLocation("Send a location"),
	async contact() {
		const v = await ask("Send a contact", [
			{ name: "name", label: "Name", value: "Jane Doe" },
			{ name: "phone_number", label: "Phone", value: "+15555555555", type: "tel" },
		]);
		return v && { type: "contact", contact: { name: v.name, phone_number: v.phone_number } };
	},
	async sticker() {
		const v = await ask("Send a sticker", [
			{ name: "sticker_id", label: "Sticker id", value: "46105", type: "number" },
		]);
		return v && { type: "sticker", sticker_id: Number(v.sticker_id) };
	},
};

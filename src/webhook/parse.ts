/** Decodes a verified body into a typed callback; every failure is the sender's, so a 400. */
import { type Callback, CallbackShapeError, toCallback } from "../viber/callback";
import { parseJson } from "../viber/json";

export class BadCallbackError extends Error {
	override name = "BadCallbackError";
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** @throws BadCallbackError for bytes that are not UTF-8 JSON of a callback's shape. */
export function parseCallback(body: ArrayBuffer | Uint8Array): Callback {
	let parsed: unknown;
	try {
		parsed = parseJson(utf8.decode(body));
	} catch {
		throw new BadCallbackError("the body is not valid JSON");
	}
	try {
		return toCallback(parsed);
	} catch (error) {
		if (error instanceof CallbackShapeError) throw new BadCallbackError(error.message);
		throw error;
	}
}

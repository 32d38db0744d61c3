/** Decodes a verified body into a typed callback; every failure is the sender's, so a 400. */
import { type Callback, CallbackShapeError, toCallback } from "../viber/callback";
import { parseJson } from "../viber/json";

export class BadCallbackError extends Error {
	override name = "BadCallbackError";
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The deepest nesting of objects and arrays accepted. Viber's callbacks nest 3 levels
 * (`client_status.status.supported_psps`); a few thousand levels overflow the stack of
 * `JSON.parse` or of the structured clone that carries a callback to its Durable Object.
 */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x7b, 0x5b]); // { [
const CLOSERS = new Set([0x7d, 0x5d]); // } ]

/** Whether JSON text nests objects and arrays deeper than `max`, brackets in strings aside. */
function nestsDeeperThan(text: string, max: number): boolean {
	let depth = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === BACKSLASH) i++;
			else if (c === QUOTE) inString = false;
		} else if (c === QUOTE) inString = true;
		else if (OPENERS.has(c)) {
			if (++depth > max) return true;
		} else if (CLOSERS.has(c)) depth--;
	}
	return false;
}

/** @throws BadCallbackError for bytes that are not UTF-8 JSON of a callback's shape. */
export function parseCallback(body: ArrayBuffer | Uint8Array): Callback {
	let text: string;
	let parsed: unknown;
	try {
		text = utf8.decode(body);
		if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
			throw new BadCallbackError(`the body nests deeper than ${MAX_JSON_DEPTH} levels`);
		}
		parsed = parseJson(text);
	} catch (error) {
		if (error instanceof BadCallbackError) throw error;
		throw new BadCallbackError("the body is not valid JSON");
	}
	try {
		return toCallback(parsed);
	} catch (error) {
		if (error instanceof CallbackShapeError) throw new BadCallbackError(error.message);
		throw error;
	}
}

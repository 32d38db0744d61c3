/** JSON that keeps Viber's 64-bit `message_token` exact: tokens travel as decimal strings. */

/** Keys whose integer values may exceed 2^53 and must keep every digit. */
const BIG_INTEGER_KEYS = new Set(["message_token"]);

type ReviverContext = { source?: string };
type SourceReviver = (
	this: unknown,
	key: string,
	value: unknown,
	context: ReviverContext,
) => unknown;

function keepBigIntegers(key: string, value: unknown, context: ReviverContext): unknown {
	// `context.source` is the literal text of a primitive (JSON.parse source text access).
	if (typeof value === "number" && BIG_INTEGER_KEYS.has(key) && context?.source !== undefined) {
		return context.source;
	}
	return value;
}

/**
 * Parses JSON text like `JSON.parse`, but returns every `message_token` as the exact decimal
 * string it was sent as, so two tokens that differ only past 2^53 stay different.
 *
 * @example parseJson('{"message_token":5466394919049723652}') // { message_token: "5466394919049723652" }
 */
export function parseJson(text: string): unknown {
	return JSON.parse(text, keepBigIntegers as SourceReviver as Parameters<typeof JSON.parse>[1]);
}

type RawJson = (text: string) => unknown;

/** A big-integer key with a string of digits, as JSON text (quotes inside strings are escaped). */
const QUOTED_BIG_INTEGER = new RegExp(`"(${[...BIG_INTEGER_KEYS].join("|")})":"\\d`);

/**
 * JSON text made elsewhere, which `stringifyJson` returns as it is: a call's body built around
 * a list that is JSON already (the roster builds a broadcast's receivers that way).
 */
export class JsonText {
	constructor(readonly text: string) {}
}

/**
 * Serializes like `JSON.stringify`, but writes string `message_token`s made of digits as raw
 * JSON integers, the way Viber itself sends them.
 */
export function stringifyJson(value: unknown): string {
	if (value instanceof JsonText) return value.text;
	// Most bodies (every send and broadcast) hold no token: the plain, native serialization is
	// then the same text, and a replacer would slow down every value of a 300-id list.
	const plain = JSON.stringify(value);
	if (plain === undefined || !QUOTED_BIG_INTEGER.test(plain)) return plain;
	const rawJSON = (JSON as unknown as { rawJSON: RawJson }).rawJSON;
	return JSON.stringify(value, (key, v: unknown) =>
		BIG_INTEGER_KEYS.has(key) && typeof v === "string" && /^\d{1,20}$/.test(v) ? rawJSON(v) : v,
	);
}

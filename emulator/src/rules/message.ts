/** What real Viber checks in a send or broadcast body before it accepts it (viber-api.md §2.2, §2.9). */
import * as v from "valibot";
import { statusName, ViberLimitError } from "../../../src/viber/errors";
import { checkRequestSize, minApiVersionFor, prepareMessage } from "../../../src/viber/limits";
import { type OutgoingMessage, OutgoingMessageSchema } from "../../../src/viber/schemas/messages";

/**
 * Why Viber refuses a request: its `status` code (§6.1) and a `status_message` that starts with
 * the code's name and names the field, e.g. `badData: keyboard.Buttons[0].ActionBody: required`.
 *
 * @example const r: Rejection = { status: 4, message: "missingData: sender" };
 */
export type Rejection = { status: number; message: string };

/**
 * A rejection with status `status` whose message is the status name, then `detail`.
 *
 * @example reject(3, "text: at most 7000 characters") // { status: 3, message: "badData: text: at most 7000 characters" }
 */
export function reject(status: number, detail: string): Rejection {
	return { status, message: `${statusName(status)}: ${detail}` };
}

/**
 * Status 3 when a request body is over 30 KB (30720 bytes) of UTF-8, as Viber counts it (§1).
 *
 * @example checkRequestBytes(await request.text()) // undefined, or { status: 3, message: "badData: request: ..." }
 */
export function checkRequestBytes(rawBody: string): Rejection | undefined {
	try {
		checkRequestSize(rawBody);
		return undefined;
	} catch (error) {
		if (error instanceof ViberLimitError) return reject(3, error.message);
		throw error;
	}
}

/**
 * Checks a `send_message` or `broadcast_message` body the way Viber does, minus the receivers:
 * 4 when `sender` (or `type`, outside a keyboard-only message) is missing, 3 for a shape or limit
 * broken (with the field's path), 14 when `min_api_version` (default 1) is below what the
 * message's features need.
 *
 * @example
 * checkMessageBody({ receiver: "u1", type: "text", text: "Hi" }, "receiver")
 * // { status: 4, message: "missingData: sender" }
 */
/**
 * Drops `null` fields, deeply: Viber takes them as absent, and the official Node SDK sends
 * `keyboard: null`, `thumbnail: null`… on every message.
 */
export function lenient(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(lenient);
	if (typeof value !== "object" || value === null) return value;
	const entries = Object.entries(value).filter(([, v]) => v !== null);
	return Object.fromEntries(entries.map(([k, v]) => [k, lenient(v)]));
}

/**
 * The message in a send's body: without its address, nor the `auth_token` older SDKs still put
 * there, and with `null` fields dropped (see `lenient`).
 */
export function messageOf(
	body: Record<string, unknown>,
	addressKey: string,
): Record<string, unknown> {
	const {
		[addressKey]: _address,
		auth_token: _legacy,
		...message
	} = lenient(body) as Record<string, unknown>;
	return message;
}

export function checkMessageBody(
	body: Record<string, unknown>,
	addressKey: "receiver" | "broadcast_list",
): Rejection | undefined {
	const message = messageOf(body, addressKey);
	// A picture without a caption: the official Node SDK sends none, and Viber shows it.
	if (message.type === "picture" && message.text === undefined) message.text = "";
	if (message.sender === undefined) return reject(4, "sender");
	if (message.type === undefined && message.keyboard === undefined) return reject(4, "type");

	const result = v.safeParse(OutgoingMessageSchema, message);
	const issue = result.issues?.[0];
	if (issue) return reject(3, ViberLimitError.fromIssue(issue).message);
	const parsed = result.output as OutgoingMessage & { sender: { name: string } };

	const declared = parsed.min_api_version ?? 1;
	try {
		// prepareMessage adds the rules that span fields (blank buttons, carousel size) and
		// explains an API level that is too low; the schema above has already passed.
		prepareMessage({ ...parsed, min_api_version: declared }, { sender: parsed.sender });
		return undefined;
	} catch (error) {
		if (!(error instanceof ViberLimitError)) throw error;
		if (error.field !== "min_api_version") return reject(3, error.message);
		return tooLowApiVersion(parsed, error.limit);
	}
}

/** Status 14 naming the feature; `limit` reads `at least 3 (share-phone button)` (limits.ts). */
function tooLowApiVersion(message: OutgoingMessage, limit: string): Rejection {
	const need = minApiVersionFor(message);
	const feature = /\((.+)\)$/.exec(limit)?.[1] ?? "the message";
	const declared =
		message.min_api_version === undefined ? "1 (the default)" : String(message.min_api_version);
	return reject(14, `min_api_version is ${declared}, but ${feature} needs min_api_version ${need}`);
}

/**
 * Status 13 when the receiver's `api_version` is below the message's `min_api_version` (default
 * 1): their Viber cannot show it (§2.9). An unknown receiver version passes.
 *
 * @example checkReceiverApiVersion({ min_api_version: 3 }, 2) // { status: 13, ... }
 */
export function checkReceiverApiVersion(
	message: { min_api_version?: unknown },
	receiverApiVersion: number | undefined,
): Rejection | undefined {
	const needed = typeof message.min_api_version === "number" ? message.min_api_version : 1;
	if (receiverApiVersion === undefined || receiverApiVersion >= needed) return undefined;
	return reject(
		13,
		`the receiver's api_version is ${receiverApiVersion}, the message needs min_api_version ${needed}`,
	);
}

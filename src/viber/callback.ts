/** Turns a parsed webhook body into a typed `Callback`, keeping unknown events and messages. */
import * as v from "valibot";
import {
	CALLBACK_EVENTS,
	type Callback,
	CallbackSchema,
	INBOUND_MESSAGE_TYPES,
} from "./schemas/callbacks";

export type { Callback } from "./schemas/callbacks";

export class CallbackShapeError extends Error {
	override name = "CallbackShapeError";
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
	typeof x === "object" && x !== null && !Array.isArray(x);

/** Finds the Viber user an event is about, wherever that event type keeps it. */
function findUserId(body: Record<string, unknown>): string | undefined {
	if (typeof body.user_id === "string") return body.user_id;
	for (const key of ["user", "sender"]) {
		const user = body[key];
		if (isRecord(user) && typeof user.id === "string") return user.id;
	}
	return undefined;
}

/**
 * Relabels what this version does not know, so that Viber's new event and message types reach
 * the bot as `"unknown"` (and are answered 200) instead of failing validation.
 */
function relabelUnknown(body: Record<string, unknown>): Record<string, unknown> {
	const event = body.event;
	if (typeof event === "string" && !(CALLBACK_EVENTS as readonly string[]).includes(event)) {
		return { ...body, event: "unknown", original_event: event, user_id: findUserId(body) };
	}
	const message = body.message;
	if (event === "message" && isRecord(message) && typeof message.type === "string") {
		if (!(INBOUND_MESSAGE_TYPES as readonly string[]).includes(message.type)) {
			return { ...body, message: { ...message, type: "unknown", original_type: message.type } };
		}
	}
	return body;
}

/**
 * Validates a parsed callback body.
 * @throws CallbackShapeError naming the first offending field.
 */
export function toCallback(body: unknown): Callback {
	if (!isRecord(body)) throw new CallbackShapeError("the body must be a JSON object");
	const result = v.safeParse(CallbackSchema, relabelUnknown(body));
	if (result.success) return result.output;
	const issue = result.issues[0];
	const path = v.getDotPath(issue) ?? "(root)";
	throw new CallbackShapeError(`${path}: ${issue.message}`);
}

/** The Viber user id an event concerns, if any (`webhook` concerns none). */
export function userIdOf(callback: Callback): string | undefined {
	switch (callback.event) {
		case "message":
			return callback.sender.id;
		case "subscribed":
		case "conversation_started":
		case "client_status":
			return callback.user.id;
		case "webhook":
			return undefined;
		default:
			return callback.user_id;
	}
}

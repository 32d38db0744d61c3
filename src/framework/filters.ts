/** Filter queries: Viber's own event and message-type names, for both runtime matching and types. */
import {
	type Callback,
	type CallbackEvent,
	type CallbackOf,
	INBOUND_MESSAGE_TYPES,
	type InboundMessage,
	type InboundMessageType,
	type MessageCallback,
} from "../viber/schemas/callbacks";

/**
 * What `bot.on(...)` accepts: an event name (`"message"`, `"conversation_started"`, `"seen"`, …,
 * `"unknown"` for events this version does not know) or `"message:<type>"` (`"message:text"`,
 * `"message:picture"`, …, `"message:unknown"`).
 */
export type FilterQuery = Exclude<CallbackEvent, "webhook"> | `message:${InboundMessageType}`;

type MessageOf<T extends InboundMessageType> = Extract<InboundMessage, { type: T }>;

/** What a matching query guarantees about the context. */
export type Narrowing<Q extends FilterQuery> =
	Q extends `message:${infer T extends InboundMessageType}`
		? { event: MessageCallback & { message: MessageOf<T> }; message: MessageOf<T> }
		: Q extends "message"
			? { event: MessageCallback; message: InboundMessage }
			: Q extends CallbackEvent
				? { event: CallbackOf<Q>; message: undefined }
				: never;

const KNOWN_TYPES = new Set<string>(INBOUND_MESSAGE_TYPES);

function parseQuery(query: string): { event: string; type?: string } {
	const [event = "", type, ...rest] = query.split(":");
	const valid =
		rest.length === 0 &&
		(type === undefined ? event !== "" : event === "message" && KNOWN_TYPES.has(type));
	if (!valid)
		throw new Error(`Invalid filter query "${query}": use an event name or "message:<type>"`);
	return { event, type };
}

/**
 * Compiles filter queries into a predicate on callbacks. Invalid queries throw at registration,
 * not when the first event arrives.
 */
export function matchFilter(
	queries: FilterQuery | readonly FilterQuery[],
): (event: Callback) => boolean {
	const parsed = (Array.isArray(queries) ? queries : [queries]).map(parseQuery);
	return (callback) =>
		parsed.some(
			(q) =>
				q.event === callback.event &&
				(q.type === undefined ||
					(callback.event === "message" && callback.message.type === q.type)),
		);
}

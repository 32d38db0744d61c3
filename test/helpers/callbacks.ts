/** Factories for genuine, signed Viber callbacks, and a way to post them to the worker. */
import { env, exports } from "cloudflare:workers";
import { stringifyJson } from "../../src/viber/json";
import { signBody } from "../../src/viber/signature";

export const TOKEN = env.VIBER_AUTH_TOKEN;

let counter = 0;

/** A fresh 19-digit message token, past 2^53 like Viber's. */
export function newToken(): string {
	counter += 1;
	return (5_000_000_000_000_000_000n + BigInt(Date.now()) * 1000n + BigInt(counter)).toString();
}

/** A fresh user id shaped like Viber's (base64 with `/`, `+` and `=`). */
export function newUserId(): string {
	return `${btoa(crypto.randomUUID().slice(0, 16)).replace(/A/g, "/").replace(/B/g, "+")}`;
}

export function user(id: string, overrides: Record<string, unknown> = {}) {
	return {
		id,
		name: "John McClane",
		avatar: "https://avatar.example.com/a.jpg",
		country: "UK",
		language: "en",
		api_version: 8,
		...overrides,
	};
}

const envelope = () => ({ timestamp: Date.now(), message_token: newToken() });

export const callbacks = {
	message: (
		userId: string,
		message: Record<string, unknown>,
		overrides: Record<string, unknown> = {},
	) => ({
		event: "message",
		...envelope(),
		sender: user(userId),
		message,
		...overrides,
	}),
	text: (userId: string, text: string, overrides: Record<string, unknown> = {}) =>
		callbacks.message(userId, { type: "text", text }, overrides),
	conversationStarted: (
		userId: string,
		subscribed: boolean,
		overrides: Record<string, unknown> = {},
	) => ({
		event: "conversation_started",
		...envelope(),
		type: "open",
		context: "ctx",
		user: user(userId),
		subscribed,
		...overrides,
	}),
	subscribed: (userId: string) => ({ event: "subscribed", ...envelope(), user: user(userId) }),
	unsubscribed: (userId: string) => ({ event: "unsubscribed", ...envelope(), user_id: userId }),
	receipt: (
		event: "delivered" | "seen" | "failed",
		userId: string,
		token: string,
		extra: Record<string, unknown> = {},
	) => ({
		event,
		timestamp: Date.now(),
		message_token: token,
		user_id: userId,
		...extra,
	}),
};

export interface PostOptions {
	/** Where the signature goes; `"none"` sends none. */
	signature?: "header" | "query" | "none";
	/** Sign with another key, or give the signature outright. */
	signWith?: string;
	rawSignature?: string;
}

/** Posts a callback to `POST /webhook` the way Viber does: exact bytes, signed. */
export async function post(body: unknown, options: PostOptions = {}): Promise<Response> {
	const text = typeof body === "string" || body instanceof Uint8Array ? body : stringifyJson(body);
	const signature = options.rawSignature ?? (await signBody(options.signWith ?? TOKEN, text));
	const where = options.signature ?? "header";
	const url =
		where === "query" ? `http://bot.test/webhook?sig=${signature}` : "http://bot.test/webhook";
	const headers: Record<string, string> = { "content-type": "application/json" };
	if (where === "header") headers["x-viber-content-signature"] = signature;
	return exports.default.fetch(url, { method: "POST", headers, body: text as BodyInit });
}

export const subscriber = (userId: string) => env.SUBSCRIBER.getByName(userId);

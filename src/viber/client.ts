/** The typed Viber REST API client: every endpoint of viber-api.md §2, with checks and retries. */
import type * as v from "valibot";
import { DEFAULT_BASE_URL, normalizeBaseUrl } from "./base-url";
import { ViberApiError } from "./errors";
import { stringifyJson } from "./json";
import { checkRequestSize, prepareMessage } from "./limits";
import { postOnce, type RequestTarget } from "./request";
import { type RetryOptions, withRetry } from "./retry";
import type { OutgoingMessage, Sender } from "./schemas/messages";
import {
	type AccountInfo,
	AccountInfoSchema,
	BroadcastResponseSchema,
	type FailedReceiver,
	GetOnlineResponseSchema,
	type OnlineUser,
	type SendMessageResponse,
	SendMessageResponseSchema,
	type SetWebhookResponse,
	SetWebhookResponseSchema,
	type UserDetailsResponse,
	UserDetailsResponseSchema,
} from "./schemas/responses";
import { ViberTransportError } from "./transport-error";

/** Receivers per `broadcast_message` call (§2.3); `broadcastMessage` splits longer lists. */
export const MAX_BROADCAST_RECEIVERS = 300;
/** Ids per `get_online` call (§2.6); `getOnline` splits longer lists. */
export const MAX_ONLINE_IDS = 100;

/**
 * How to reach Viber. `baseUrl` must be `https://` (or `http://` to a loopback host).
 *
 * @example createViberApi({ token: env.VIBER_AUTH_TOKEN, sender: { name: "Pizza Bot" } })
 */
export type ViberApiOptions = {
	token: string;
	/** Default `https://chatapi.viber.com/pa`; a trailing slash is fine. */
	baseUrl?: string;
	/** Used for every message that does not name its own sender. */
	sender: Sender;
	/** For network errors, HTTP 5xx and status 12 (tooManyRequests); nothing else is retried. */
	retry?: RetryOptions;
	/** Replaces the global `fetch`, e.g. to route through a service binding. */
	fetch?: typeof fetch;
};

/** `set_webhook`'s body (§2.1): omit `event_types` for all events, `[]` for the mandatory ones. */
export type SetWebhookOptions = {
	url: string;
	event_types?: string[];
	send_name?: boolean;
	send_photo?: boolean;
};

/** A whole broadcast: one token per call made, and every receiver it did not reach. */
export type BroadcastResult = { message_tokens: string[]; failed_list: FailedReceiver[] };

/** Presence of every id asked for, merged over the calls made. */
export type GetOnlineResult = { users: OnlineUser[] };

/** Whether a failed call certainly did not reach Viber, or Viber asked to try later (12). */
export function isRetryable(error: unknown): boolean {
	if (error instanceof ViberTransportError) return error.retryable;
	return error instanceof ViberApiError && error.status === 12;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}

/**
 * The Viber API. Errors: `ViberLimitError` before sending, `ViberApiError` for a non-zero
 * `status`, `ViberTransportError` for the network, HTTP and malformed answers.
 *
 * @example
 * const api = createViberApi({ token, sender: { name: "Pizza Bot" } });
 * const { message_token } = await api.sendMessage(userId, { type: "text", text: "Hi!" });
 */
export class ViberApi {
	/** The checked base URL, without a trailing slash. */
	readonly baseUrl: string;
	// Private fields: logging the client must not print the token.
	readonly #target: RequestTarget;
	readonly #sender: Sender;
	readonly #retry: RetryOptions;

	constructor(options: ViberApiOptions) {
		if (!options.token) throw new Error("Viber API token is empty: pass the bot's auth token");
		this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
		const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
		this.#target = { baseUrl: this.baseUrl, token: options.token, fetch: doFetch };
		this.#sender = options.sender;
		this.#retry = options.retry ?? {};
	}

	/**
	 * Posts `body` to `endpoint` (size-checked, retried when worth it) and validates the answer.
	 *
	 * @example await api.call("get_account_info", {}, AccountInfoSchema)
	 */
	async call<S extends v.GenericSchema>(
		endpoint: string,
		body: unknown,
		schema: S,
	): Promise<v.InferOutput<S>> {
		const text = stringifyJson(body);
		checkRequestSize(text);
		return withRetry(
			() => postOnce(this.#target, endpoint, text, schema),
			isRetryable,
			this.#retry,
		);
	}

	/**
	 * Sets the webhook; Viber calls `url` with a `webhook` event before it answers (§2.1).
	 *
	 * @example await api.setWebhook({ url: "https://bot.example.com/webhook", send_name: true })
	 */
	async setWebhook(options: SetWebhookOptions): Promise<SetWebhookResponse> {
		return this.call("set_webhook", options, SetWebhookResponseSchema);
	}

	/** Removes the webhook, which also closes the bot's 1-on-1 chats. @example await api.removeWebhook() */
	async removeWebhook(): Promise<SetWebhookResponse> {
		return this.call("set_webhook", { url: "" }, SetWebhookResponseSchema);
	}

	/**
	 * Sends one message; it is checked against Viber's limits first (`ViberLimitError`).
	 *
	 * @example const { message_token } = await api.sendMessage(userId, { type: "text", text: "Hi" });
	 */
	async sendMessage(receiver: string, message: OutgoingMessage): Promise<SendMessageResponse> {
		const prepared = prepareMessage(message, { sender: this.#sender });
		return this.call("send_message", { receiver, ...prepared }, SendMessageResponseSchema);
	}

	/**
	 * Sends one message to many subscribers, 300 per call, one call after the other. If a call
	 * fails, it throws and the calls before it have been sent.
	 *
	 * @example const { failed_list } = await api.broadcastMessage(ids, { type: "text", text: "News" });
	 */
	async broadcastMessage(receivers: string[], message: OutgoingMessage): Promise<BroadcastResult> {
		const prepared = prepareMessage(message, { sender: this.#sender });
		const result: BroadcastResult = { message_tokens: [], failed_list: [] };
		for (const list of chunks(receivers, MAX_BROADCAST_RECEIVERS)) {
			const body = { ...prepared, broadcast_list: list };
			const answer = await this.call("broadcast_message", body, BroadcastResponseSchema);
			result.message_tokens.push(answer.message_token);
			result.failed_list.push(...(answer.failed_list ?? []));
		}
		return result;
	}

	/** The bot's profile and the webhook set; a good token check. @example await api.getAccountInfo() */
	async getAccountInfo(): Promise<AccountInfo> {
		return this.call("get_account_info", {}, AccountInfoSchema);
	}

	/**
	 * A user's profile. Viber allows 2 calls per user per 12 hours: cache the answer.
	 *
	 * @example const { user } = await api.getUserDetails(userId);
	 */
	async getUserDetails(id: string): Promise<UserDetailsResponse> {
		return this.call("get_user_details", { id }, UserDetailsResponseSchema);
	}

	/**
	 * The online status of subscribers, 100 ids per call, merged.
	 *
	 * @example const { users } = await api.getOnline([a, b]); // users[0].online_status
	 */
	async getOnline(ids: string[]): Promise<GetOnlineResult> {
		const users: OnlineUser[] = [];
		for (const list of chunks(ids, MAX_ONLINE_IDS)) {
			const answer = await this.call("get_online", { ids: list }, GetOnlineResponseSchema);
			users.push(...answer.users);
		}
		return { users };
	}
}

/**
 * Creates a Viber API client; throws at once if the base URL would expose the token.
 *
 * @example const api = createViberApi({ token: env.VIBER_AUTH_TOKEN, sender: { name: "Bot" } });
 */
export function createViberApi(options: ViberApiOptions): ViberApi {
	return new ViberApi(options);
}

/** Callbacks as Viber makes them: the user object it would send, signing, and posting. */
import { stringifyJson } from "../../src/viber/json";
import { FILTERABLE_EVENTS } from "../../src/viber/schemas/callbacks";
import { signBody } from "../../src/viber/signature";
import { newMessageToken } from "./reply";
import { type Rejection, reject } from "./rules";
import type { EmulatedUser, Webhook } from "./store";

/** Viber resends a callback that got no 200 "several times for up to an hour" (§3.1). */
export const RESEND_DELAYS_MS = [
	1_000, 2_000, 4_000, 60_000, 60_000, 120_000, 300_000, 600_000, 1_200_000,
];
/** Viber has been seen to resend when an answer takes 5 s or more. */
export const SLOW_ANSWER_MS = 5_000;
/**
 * A post still unanswered after this is given up (aborted), so a bot that accepts the
 * connection but never answers cannot hold the emulator (or a `set_webhook`) for ever.
 */
export const CALLBACK_TIMEOUT_MS = 10_000;
/** The `error` of a post given up after `CALLBACK_TIMEOUT_MS`, in Viber's (Java) words. */
export const TIMED_OUT = "java.net.SocketTimeoutException: Read timed out";

/** The `user`/`sender` object: name and avatar only when `send_name`/`send_photo` allow. */
export function userObject(
	user: EmulatedUser,
	webhook: Webhook | undefined,
): Record<string, unknown> {
	return {
		id: user.id,
		...(webhook?.send_name ? { name: user.name } : {}),
		...(webhook?.send_photo && user.avatar ? { avatar: user.avatar } : {}),
		country: user.country,
		language: user.language,
		api_version: user.api_version,
	};
}

/** The fields every callback starts with. */
export function envelope(event: string): Record<string, unknown> {
	return {
		event,
		timestamp: Date.now(),
		chat_hostname: "SN-CHAT-01_",
		message_token: newMessageToken(),
	};
}

export function wants(webhook: Webhook, event: string): boolean {
	return !FILTERABLE_EVENTS.includes(event) || webhook.event_types.includes(event);
}

export type PostResult =
	| { status: number; body: string; slow: boolean }
	| { error: string; slow: boolean };

/** How a callback is posted; tests shorten the times and bring a `fetch` that never answers. */
export type PostOptions = {
	/** Runs when no answer came within `slowMs` (the post itself goes on). */
	onSlow?: () => void;
	slowMs?: number;
	timeoutMs?: number;
	fetch?: typeof fetch;
};

/**
 * Posts a signed callback like Viber: the signature in `X-Viber-Content-Signature` and in
 * `?sig=`. `onSlow` runs when no answer came within 5 s (the post itself goes on); after 10 s
 * the post is aborted and answers `{ error: TIMED_OUT }`.
 *
 * @example const result = await postCallback(webhook.url, token, envelope("webhook"));
 */
export async function postCallback(
	url: string,
	token: string,
	callback: Record<string, unknown>,
	options: PostOptions = {},
): Promise<PostResult> {
	const {
		onSlow,
		slowMs = SLOW_ANSWER_MS,
		timeoutMs = CALLBACK_TIMEOUT_MS,
		fetch: doFetch = fetch,
	} = options;
	const body = stringifyJson(callback);
	const signature = await signBody(token, body);
	const target = new URL(url);
	target.searchParams.set("sig", signature);
	let slow = false;
	const timer = setTimeout(() => {
		slow = true;
		onSlow?.();
	}, slowMs);
	const abort = new AbortController();
	const deadline = setTimeout(() => abort.abort(), timeoutMs);
	try {
		const res = await doFetch(target, {
			method: "POST",
			headers: { "content-type": "application/json", "x-viber-content-signature": signature },
			body,
			signal: abort.signal,
		});
		return { status: res.status, body: await res.text(), slow };
	} catch (error) {
		if (abort.signal.aborted) return { error: TIMED_OUT, slow };
		return { error: error instanceof Error ? error.message : String(error), slow };
	} finally {
		clearTimeout(timer);
		clearTimeout(deadline);
	}
}

/**
 * Why `set_webhook` fails after its check post to `url` (§2.1): status 1 with Viber's Java-flavoured
 * text when the answer was not a 200, the connection failed, or no answer came in time.
 *
 * @example webhookCheckFailure("https://bot.example/viber", { status: 403, body: "", slow: false })
 */
export function webhookCheckFailure(url: string, result: PostResult): Rejection | undefined {
	if ("status" in result && result.status === 200) return undefined;
	const failure = (error: string) =>
		error === TIMED_OUT ? error : `java.net.ConnectException: ${error}`;
	const cause =
		"status" in result
			? `HttpResponse[HTTP/1.1 ${result.status}]`
			: `HttpResponse[null 0 null] ${failure(result.error)}`;
	return reject(1, `Result[HttpRequest[POST ${url} HTTP/1.1] > ${cause}]`);
}

/** A Viber-like user id: 16 random bytes in base64, e.g. `3SQNc4FPUQmysaM/AQEhXg==`. */
export function newUserId(): string {
	return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/** The fake Viber API's control vocabulary, shared by the worker and the tests' helper. */

/** The endpoints the fake answers under `/pa/`. */
export const ENDPOINTS = [
	"set_webhook",
	"send_message",
	"broadcast_message",
	"get_account_info",
	"get_user_details",
	"get_online",
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** One API call as the fake received it; `body` is parsed losslessly (tokens stay strings). */
export type RecordedRequest = {
	/** Increases with arrival, across all tokens. */
	id: number;
	endpoint: Endpoint;
	/** The `X-Viber-Auth-Token` header, else the body's `auth_token`; `""` when both are missing. */
	token: string;
	body: Record<string, unknown>;
	/** The raw text, only when it was not a JSON object. */
	rawBody?: string;
	/** Epoch ms. */
	at: number;
};

/** Which requests to list; every field given must match. */
export type RequestFilter = {
	token?: string;
	endpoint?: string;
	/** Matches `receiver`, a `broadcast_list` member, a `get_online` id or `get_user_details`'s `id`. */
	receiver?: string;
};

/**
 * A scripted failure for the next matching requests (each is still recorded). Effects apply in
 * this order: wait `delayMs`, then `networkError`, `body`, `httpStatus`, `status`; with only
 * `delayMs` the request is answered normally after the wait.
 */
export type FaultRule = RequestFilter & {
	/** How many matching requests it hits; default 1. */
	times?: number;
	/** Answer HTTP 200 with this Viber `status` (e.g. 12). */
	status?: number;
	/** Answer with this HTTP status (e.g. 503). */
	httpStatus?: number;
	/**
	 * `true`: the caller's `fetch()` rejects, like a dropped connection. `"body"`: the headers
	 * arrive (HTTP 200), then reading the body fails.
	 */
	networkError?: true | "body";
	/** Answer with this raw text (HTTP `httpStatus` or 200), e.g. non-JSON or a crafted answer. */
	body?: string;
	delayMs?: number;
};

/** Failures below Viber's `status` codes: the network, HTTP, or an answer that is not Viber's. */

/**
 * `network`: fetch rejected or the body broke off; `http`: a non-2xx answer; `redirect`: a 3xx,
 * never followed; `response`: not JSON or not the expected shape.
 */
export type TransportFailure = "network" | "http" | "redirect" | "response";

/** Endpoints that deliver messages: calling them twice messages users twice. */
const DELIVERING = new Set(["send_message", "broadcast_message"]);

/**
 * A call did not get a usable Viber answer. Network failures and HTTP 5xx were retried first.
 *
 * @example if (e instanceof ViberTransportError && e.kind === "http") console.log(e.httpStatus);
 */
export class ViberTransportError extends Error {
	override readonly name: string = "ViberTransportError";
	/** What went wrong, see `TransportFailure`. */
	readonly kind: TransportFailure;
	/** The endpoint called, e.g. `send_message`. */
	readonly endpoint: string;
	/** The HTTP status, when an answer arrived. */
	readonly httpStatus?: number;

	constructor(
		endpoint: string,
		kind: TransportFailure,
		detail: string,
		extra: { httpStatus?: number; cause?: unknown } = {},
	) {
		super(`${endpoint} failed: ${detail}`, { cause: extra.cause });
		this.kind = kind;
		this.endpoint = endpoint;
		if (extra.httpStatus !== undefined) this.httpStatus = extra.httpStatus;
	}

	/**
	 * Worth another try: the network, or a server error on Viber's side. Not a send whose answer
	 * broke off after Viber said 200: the message went out, and a retry would send it twice.
	 */
	get retryable(): boolean {
		if (this.kind === "network" && this.httpStatus === 200) return !DELIVERING.has(this.endpoint);
		return this.kind === "network" || (this.httpStatus !== undefined && this.httpStatus >= 500);
	}
}

/**
 * The API answered with a redirect (HTTP 3xx). The client never follows one: following would
 * send the `X-Viber-Auth-Token` header to wherever `Location` points, another host or plain
 * http. Not retried; check `VIBER_API_URL` (Viber's own API does not redirect).
 *
 * @example if (e instanceof ViberRedirectError) console.log(e.httpStatus, e.locationOrigin);
 */
export class ViberRedirectError extends ViberTransportError {
	override readonly name = "ViberRedirectError";
	declare readonly httpStatus: number;
	/** The origin (scheme, host, port) `Location` pointed to, or `undefined` if it had none. Never its path or query. */
	readonly locationOrigin?: string;

	constructor(endpoint: string, httpStatus: number, locationOrigin: string | undefined) {
		const where = locationOrigin ? ` to ${locationOrigin}` : " without a Location";
		super(
			endpoint,
			"redirect",
			`HTTP ${httpStatus} redirect${where} refused: the token is only sent to the configured base URL`,
			{ httpStatus },
		);
		if (locationOrigin !== undefined) this.locationOrigin = locationOrigin;
	}
}

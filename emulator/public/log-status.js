/**
 * What a log entry's answer was, told apart: the HTTP status of the exchange and, for the Viber
 * API, the `status` in its JSON. The journal keeps one number per entry (the Viber status of an
 * answered API call, the HTTP status of an emulated outage or of the bot's answer to a
 * callback); the recorded answer says which it is. Pure: no DOM, so that Node can test it.
 */

/** An API call logged before it was answered has status -1 until then. */
export const PENDING = -1;

/**
 * @typedef {{ kind: "api" | "callback"; name: string; status: number; response: unknown }} Entry
 * @typedef {{ pending?: true; http?: number; viber?: number; message?: string; error?: string }} Outcome
 */

/** @param {unknown} value @returns {Record<string, any>} */
const record = (value) =>
	typeof value === "object" && value !== null && !Array.isArray(value)
		? /** @type {Record<string, any>} */ (value)
		: {};

/**
 * Splits an entry's status into what it is: `http` (the HTTP status), `viber` and `message`
 * (Viber's `status` and `status_message`), `error` (no HTTP answer at all), or `pending`.
 *
 * @example outcome({ kind: "api", name: "send_message", status: 0, response: { status: 0, status_message: "ok" } })
 * // { http: 200, viber: 0, message: "ok" }
 * @param {Entry} entry
 * @returns {Outcome}
 */
export function outcome(entry) {
	const response = record(entry.response);
	if (entry.kind === "callback") {
		// The bot's answer to a callback (or to the cron trigger): HTTP only; 0 means none came.
		if (entry.status > 0) return { http: entry.status };
		return { error: typeof response.error === "string" ? response.error : "no answer" };
	}
	const fault = record(response.fault);
	if (response.fault !== undefined) {
		// A scripted fault (POST /_fake/faults), played in this order by the emulator.
		if (fault.networkError === "body") return { http: 200, error: "body cut off (scripted)" };
		if (fault.networkError) return { error: "connection dropped (scripted)" };
		if (fault.body !== undefined)
			return { http: fault.httpStatus ?? 200, message: "raw body (scripted)" };
		if (fault.httpStatus !== undefined) return { http: fault.httpStatus };
		return { http: 200, viber: fault.status, message: "scripted" };
	}
	if (typeof response.http === "number") return { http: response.http };
	if (entry.status === PENDING) return { pending: true };
	const message = typeof response.status_message === "string" ? response.status_message : undefined;
	// The welcome message is the body of the bot's answer to conversation_started: no HTTP of its own.
	if (entry.name === "welcome") return { viber: entry.status, message };
	return { http: 200, viber: entry.status, message };
}

/**
 * The outcome as the log shows it, one label each: "HTTP 200", "status 0 ok", "no answer";
 * `bad` marks what Viber or the bot refused.
 *
 * @example labels(outcome(entry)) // [{ kind: "http", text: "HTTP 200", bad: false }, …]
 * @param {Outcome} result
 * @returns {{ kind: "http" | "viber" | "error" | "pending"; text: string; bad: boolean }[]}
 */
export function labels(result) {
	if (result.pending) return [{ kind: "pending", text: "waiting…", bad: false }];
	/** @type {ReturnType<typeof labels>} */
	const out = [];
	if (result.http !== undefined)
		out.push({
			kind: "http",
			text: `HTTP ${result.http}`,
			bad: result.http < 200 || result.http > 299,
		});
	if (result.viber !== undefined) {
		const text = `status ${result.viber}${result.message ? ` ${result.message}` : ""}`;
		out.push({ kind: "viber", text, bad: result.viber !== 0 });
	} else if (result.message) out.push({ kind: "viber", text: result.message, bad: true });
	if (result.error) out.push({ kind: "error", text: result.error, bad: true });
	return out;
}

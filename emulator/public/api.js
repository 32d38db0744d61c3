/** The chat page's calls to the emulator's JSON API (emulator/README.md, "Chat page API"). */

/** `?token=` on the page's own URL acts for another bot token; the emulator's own otherwise. */
const TOKEN = new URLSearchParams(location.search).get("token");

/** An `{ error }` answer, or a failed request. */
export class ApiError extends Error {
	/** @param {string} message @param {number} status */
	constructor(message, status) {
		super(message);
		this.name = "ApiError";
		this.status = status;
	}
}

/**
 * Parses JSON without rounding big integers (Viber's int64 message tokens): where the browser
 * can (JSON.rawJSON), unsafe integers keep their digits and print back unchanged.
 *
 * @param {string} text
 * @returns {any}
 */
export function parseJson(text) {
	const json = /** @type {any} */ (JSON);
	if (typeof json.rawJSON !== "function") return JSON.parse(text);
	/** @type {(key: string, value: unknown, context?: { source?: string }) => unknown} */
	const keepDigits = (_key, value, context) =>
		typeof value === "number" &&
		!Number.isSafeInteger(value) &&
		/^-?\d+$/.test(context?.source ?? "")
			? json.rawJSON(context?.source)
			: value;
	return JSON.parse(text, /** @type {any} */ (keepDigits));
}

/**
 * Calls `/api<path>` and returns the parsed answer; throws ApiError on `{ error }` or HTTP >= 400.
 *
 * @example const { users } = await api("GET", "/state");
 * @param {"GET" | "POST" | "PUT"} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
	const url = new URL(`/api${path}`, location.origin);
	if (TOKEN) url.searchParams.set("token", TOKEN);
	/** @type {Response} */
	let res;
	try {
		res = await fetch(url, {
			method,
			headers: body === undefined ? undefined : { "content-type": "application/json" },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	} catch {
		throw new ApiError("The emulator does not answer. Is `npm run dev` still running?", 0);
	}
	const text = await res.text();
	/** @type {any} */
	let data;
	try {
		data = text ? parseJson(text) : {};
	} catch {
		data = { error: `${res.status} ${res.statusText}: ${text.slice(0, 200)}` };
	}
	if (!res.ok || (data && typeof data.error === "string")) {
		throw new ApiError(data?.error ?? `HTTP ${res.status}`, res.status);
	}
	return data;
}

/** @param {string} id a Viber user id (base64: may hold `/`, `+`, `=`) */
export const userPath = (id) => `/users/${encodeURIComponent(id)}`;

/** Checks the Viber API base URL so the bot token never travels unencrypted. */

/** Viber's production API. */
export const DEFAULT_BASE_URL = "https://chatapi.viber.com/pa";

/**
 * Hosts where plain `http://` is allowed: only this machine, for a local fake or emulator.
 *
 * @example isLoopback(new URL("http://127.0.0.1:8788/pa").hostname) // true
 */
export function isLoopback(hostname: string): boolean {
	return (
		hostname === "localhost" ||
		hostname === "[::1]" ||
		/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
	);
}

/**
 * Returns the base URL without a trailing slash, or throws when it is not `https://` (plain
 * `http://` only to loopback hosts): every call carries the token in a header.
 *
 * @example normalizeBaseUrl("http://localhost:8788/pa/") // "http://localhost:8788/pa"
 */
export function normalizeBaseUrl(baseUrl: string): string {
	let url: URL;
	try {
		url = new URL(baseUrl);
	} catch {
		throw new Error(
			`Viber API base URL "${baseUrl}" is not a URL: use ${DEFAULT_BASE_URL} (the default) or a local fake such as http://localhost:8788/pa`,
		);
	}
	const local = url.protocol === "http:" && isLoopback(url.hostname);
	if (url.protocol !== "https:" && !local) {
		throw new Error(
			`Viber API base URL "${url.origin}" is refused: the bot token would travel unencrypted. Use https://, or http:// only to localhost, 127.x.x.x or [::1] for local work`,
		);
	}
	if (url.search || url.hash) {
		throw new Error(
			`Viber API base URL "${url.origin}${url.pathname}" must not have a query or fragment`,
		);
	}
	return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

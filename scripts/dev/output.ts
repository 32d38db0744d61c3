/** What `npm run dev` shows of each `wrangler dev` line, and when the bot's build breaks. Pure. */

/** The two processes `npm run dev` runs. */
export type Source = "bot" | "emulator";

/**
 * - `drop`: wrangler's start-up chatter, the chat page's polling, a warning `npm run dev` makes false
 * - `quiet`: wrangler's own lines worth keeping, shown dimmed (requests, reloads)
 * - `loud`: the worker's own output (`console.log`, uncaught errors) and wrangler's warnings/errors
 */
export type Kind = "drop" | "quiet" | "loud";

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC.
const ANSI = /\x1b\[[0-9;]*m/g;

/** The line without colour codes. */
export function plain(line: string): string {
	return line.replace(ANSI, "");
}

const REQUEST = /^\[wrangler:\w+\] (GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (\S+) \d{3}\b/;
const CHATTER = [
	/^\s*⛅️ wrangler /,
	/^\s*─+\s*$/,
	/^Your Worker has access to the following bindings:/,
	/^Binding\s+Resource\s+Mode\s*$/,
	/^env\.\S+ .*\s(local|remote)\s*$/,
	/^⎔ Starting local server/,
	/^\[wrangler:info\] Ready on /,
	/^Using secrets defined in process\.env$/,
	/^No bindings found\.?$/,
];
/** wrangler cannot know that `npm run dev` passes the token with `--var`. */
const MISSING_TOKEN = /Missing required secrets: VIBER_AUTH_TOKEN\. /;
/**
 * wrangler's hint for running crons names its internal port, behind dev's proxy: `npm run dev`
 * prints its own (the chat page's Cron panel, or the bot's port).
 */
const CRON_HINT = [
	/Scheduled Workers are not automatically triggered during local development/,
	/^\s*To manually trigger a scheduled event, run:$/,
	/^\s*curl "http:\/\/127\.0\.0\.1:\d+\/cdn-cgi\/local\/scheduled"$/,
	/^\s*For more details, see https:\/\/developers\.cloudflare\.com\/workers\/configuration\/cron-triggers/,
];

/**
 * How to show one line a `wrangler dev` process printed. The emulator's requests are shown only
 * for the Viber API (`/pa/...`, what the bot called); the chat page's own requests are dropped.
 *
 * @example classify("emulator", "[wrangler:info] GET /api/log?after=3 200 OK (4ms)") // "drop"
 * @example classify("bot", "Order 42 placed") // "loud"
 */
export function classify(source: Source, line: string): Kind {
	const text = plain(line).trimEnd();
	if (text.trim() === "") return "drop";
	if (CHATTER.some((pattern) => pattern.test(text)) || MISSING_TOKEN.test(text)) return "drop";
	if (CRON_HINT.some((pattern) => pattern.test(text))) return "drop";
	const request = REQUEST.exec(text);
	if (request) {
		if (source === "emulator" && !request[2]?.startsWith("/pa/")) return "drop";
		return "quiet";
	}
	if (/^⎔ /.test(text)) return "quiet";
	return "loud";
}

/**
 * Follows the bot's `wrangler dev` output to know whether its last build failed, and why.
 * `esbuild` errors start with "Build failed"; a good build ends with "updated and ready".
 */
export class BuildWatch {
	/** The error lines of the failed build, or `undefined` while the bot builds. */
	failure: string[] | undefined;
	private collecting = false;

	/** Feeds one line; returns "failed" or "fixed" when the state changes. */
	see(line: string): "failed" | "fixed" | undefined {
		const text = plain(line).trim();
		if (/Build failed/.test(text)) {
			this.failure = [];
			this.collecting = true;
			return "failed";
		}
		if (/Local server updated and ready|Ready on http/.test(text)) {
			const was = this.failure;
			this.failure = undefined;
			this.collecting = false;
			return was ? "fixed" : undefined;
		}
		if (this.collecting && this.failure) {
			if (/^⎔ |^\[wrangler/.test(text) || this.failure.length >= 8) this.collecting = false;
			else if (text) this.failure.push(text.replace(/^✘ \[ERROR\] /, ""));
		}
		return undefined;
	}

	/**
	 * The answer for a request while the build is broken: what the emulator logs and the chat
	 * page shows for a delivery the bot could not take.
	 */
	message(): string {
		const detail = this.failure?.length ? `: ${this.failure.join(" ")}` : "";
		return `The bot does not build, so it cannot answer (npm run dev shows the error)${detail}`;
	}
}

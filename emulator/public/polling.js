/** The page's heartbeat: the chat, the log and the broadcasts on every poll, `/api/state` now and then. */
import { toast } from "./ui.js";

const POLL_MS = 700;
/** `/api/state` (webhook, users, settings) is refreshed every this many polls. */
const STATE_EVERY = 4;

/**
 * Polls every POLL_MS while the tab is visible, the first time POLL_MS from now. A failure shows
 * as a toast once, not again until another one comes.
 *
 * @example startPolling({ chat: pollChat, log: log.poll, broadcasts: b.poll, state: refreshState });
 * @param {{ chat: () => Promise<void>; log: () => Promise<void>; broadcasts: () => Promise<void>;
 *   state: () => Promise<void> }} sources
 */
export function startPolling(sources) {
	let polls = 0;
	let lastError = "";

	async function poll() {
		if (!document.hidden) {
			try {
				await Promise.all([
					sources.chat(),
					sources.log(),
					sources.broadcasts(),
					polls % STATE_EVERY === STATE_EVERY - 1 ? sources.state() : undefined,
				]);
				lastError = "";
			} catch (error) {
				const message = error instanceof Error ? error.message : String(error);
				if (message !== lastError) toast(message);
				lastError = message;
			}
			polls += 1;
		}
		setTimeout(poll, POLL_MS);
	}

	setTimeout(poll, POLL_MS);
}

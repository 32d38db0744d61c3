/** The "Raw JSON" panel: every API call and callback the emulator saw, from `GET /api/log`. */
import { api } from "./api.js";
import { labels, outcome, PENDING } from "./log-status.js";
import { clock, h } from "./ui.js";

/**
 * @typedef {{ seq: number; at: number; kind: "api" | "callback"; name: string; user_id?: string;
 *   request: unknown; response: unknown; status: number; rejected: boolean }} LogEntry
 */

/** Rows kept on the page; older ones are dropped from the top. */
const KEEP = 400;
/** The most entries one `GET /api/log` returns, and how many pages one poll reads at most. */
const PAGE = 200;
const MAX_PAGES = 10;
/** Unanswered entries older than this are not asked for again. */
const PENDING_WATCH_MS = 60_000;

/** @param {LogEntry} entry */
const answered = (entry) => entry.response !== undefined && entry.response !== null;

/** @param {unknown} value */
const pretty = (value) =>
	value === undefined
		? "(nothing)"
		: typeof value === "string"
			? value
			: JSON.stringify(value, null, 2);

/** @param {LogEntry} entry @param {string} userId */
function concerns(entry, userId) {
	if (entry.user_id === userId) return true;
	const request = /** @type {any} */ (entry.request);
	return (
		request?.receiver === userId ||
		(Array.isArray(request?.broadcast_list) && request.broadcast_list.includes(userId))
	);
}

/** @param {LogEntry} entry */
function row(entry) {
	const details = h(
		"details",
		{},
		h(
			"summary",
			{ class: "log-summary" },
			h("span", { class: `kind ${entry.kind}` }, entry.kind),
			h("span", { class: "name", title: entry.name }, entry.name),
			h("time", {}, clock(entry.at, true)),
			h(
				"span",
				{ class: "outcome", "data-testid": "log-outcome" },
				labels(outcome(entry)).map((label) =>
					h(
						"span",
						{ class: `label-${label.kind}${label.bad ? " bad" : ""}`, "data-kind": label.kind },
						label.text,
					),
				),
			),
		),
	);
	// The JSON is built on first open: the list stays light however long it grows.
	details.addEventListener(
		"toggle",
		() =>
			details.append(
				h("h4", {}, "Request"),
				h("pre", { "data-testid": "log-request" }, pretty(entry.request)),
				h("h4", {}, "Response"),
				h("pre", { "data-testid": "log-response" }, pretty(entry.response)),
			),
		{ once: true },
	);
	return h(
		"li",
		{
			class: `log-entry${entry.rejected ? " rejected" : ""}`,
			"data-testid": "log-entry",
			"data-seq": entry.seq,
			"data-kind": entry.kind,
			"data-rejected": String(entry.rejected),
		},
		details,
	);
}

/**
 * Keeps the panel's list in step with the emulator's log, polled with `after=`.
 *
 * @param {{ list: HTMLElement; onlyUser: HTMLInputElement; onRejected: (count: number) => void;
 *   userId: () => string | undefined }} options
 */
export function createLog({ list, onlyUser, onRejected, userId }) {
	let last = 0;
	let caughtUp = false;
	/** @type {Map<number, { entry: LogEntry; el: HTMLElement }>} */
	const rows = new Map();

	const visible = (/** @type {LogEntry} */ entry) => {
		const id = userId();
		return !onlyUser.checked || (id !== undefined && concerns(entry, id));
	};

	/** Entries logged before they were answered are asked for again until they are. */
	const from = () => {
		let after = last;
		const since = Date.now() - PENDING_WATCH_MS;
		for (const [seq, { entry }] of rows) {
			if (entry.status === PENDING && entry.at > since && seq <= after) after = seq - 1;
		}
		return after;
	};

	/** @param {LogEntry[]} entries @returns {number} how many of them are newly rejected */
	function apply(entries) {
		let rejected = 0;
		for (const entry of entries) {
			const known = rows.get(entry.seq);
			// Redrawn once answered (a dropped connection is answered without a status of its own).
			if (known && known.entry.status === entry.status && answered(known.entry) === answered(entry))
				continue;
			const el = row(entry);
			el.hidden = !visible(entry);
			if (known) known.el.replaceWith(el);
			else list.append(el);
			if (entry.rejected && !known?.entry.rejected) rejected += 1;
			rows.set(entry.seq, { entry, el });
			last = Math.max(last, entry.seq);
		}
		for (const [seq, { el }] of rows) {
			if (rows.size <= KEEP) break;
			el.remove();
			rows.delete(seq);
		}
		return rejected;
	}

	/** Fetches what is new (paging through a long history at once) and shows it. */
	async function poll() {
		const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
		for (let page = 0; page < MAX_PAGES; page++) {
			const { entries } = /** @type {{ entries: LogEntry[] }} */ (
				await api("GET", `/log?after=${from()}`)
			);
			const rejected = apply(entries);
			// Rejections in the history found on load are not news for the badge.
			if (rejected && caughtUp) onRejected(rejected);
			if (entries.length < PAGE) {
				caughtUp = true;
				break;
			}
		}
		if (atBottom) list.scrollTop = list.scrollHeight;
	}

	function refilter() {
		for (const { entry, el } of rows.values()) el.hidden = !visible(entry);
	}
	onlyUser.addEventListener("change", refilter);

	return { poll, refilter };
}

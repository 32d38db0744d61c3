/** The sidebar's broadcasts: each `broadcast_message` call the emulator answered, and its progress. */
import { api } from "./api.js";
import { clock, h } from "./ui.js";

/**
 * @typedef {{ message_token: unknown; at: number; preview: string; receivers: number;
 *   sent: number; failed: Record<string, number>; delivered: number; seen: number }} Broadcast
 *   what `GET /api/broadcasts` lists (emulator/README.md)
 */

/** How many of the latest calls the panel shows. */
const SHOWN = 20;
/** Why a receiver is in `failed_list`, by Viber status. */
const WHY = /** @type {Record<string, string>} */ ({
	5: "unknown",
	6: "not subscribed",
	13: "old Viber",
});

/** @param {number} part @param {number} whole */
const percent = (part, whole) => `${whole > 0 ? Math.round((part / whole) * 100) : 0}%`;

/** @param {Broadcast["failed"]} failed */
const failedText = (failed) =>
	Object.entries(failed)
		.map(([status, n]) => `${n} ${WHY[status] ?? `status ${status}`}`)
		.join(", ");

/** @param {Broadcast} b */
function renderBroadcast(b) {
	const failed = Object.values(b.failed).reduce((sum, n) => sum + n, 0);
	return h(
		"li",
		{
			class: "broadcast",
			"data-testid": "broadcast-item",
			// A raw 64-bit JSON integer (api.js keeps its digits): JSON.stringify prints them.
			"data-message-token": JSON.stringify(b.message_token),
		},
		h(
			"div",
			{ class: "broadcast-head" },
			h("span", { class: "broadcast-text", title: b.preview }, b.preview),
			h("time", { class: "muted small" }, clock(b.at)),
		),
		// Of all receivers: sent (light), delivered (mid), seen (full), layered.
		h(
			"div",
			{
				class: "broadcast-bar",
				role: "img",
				"aria-label": `${b.seen} of ${b.receivers} seen`,
			},
			h("span", { class: "sent", style: { width: percent(b.sent, b.receivers) } }),
			h("span", { class: "delivered", style: { width: percent(b.delivered, b.receivers) } }),
			h("span", { class: "seen", style: { width: percent(b.seen, b.receivers) } }),
		),
		h(
			"p",
			{ class: "muted small broadcast-counts", "data-testid": "broadcast-counts" },
			`${b.receivers} receivers · ${b.sent} sent · ${b.delivered} delivered · ${b.seen} seen`,
			failed > 0
				? h("span", { class: "failed" }, ` · ${failed} failed: ${failedText(b.failed)}`)
				: "",
		),
	);
}

/**
 * Polls `GET /api/broadcasts` while the panel is open, and shows the latest calls newest first.
 *
 * @param {{ panel: HTMLDetailsElement; list: HTMLElement; empty: HTMLElement }} parts
 */
export function createBroadcasts({ panel, list, empty }) {
	/** What the list shows now: it is rebuilt only when this changes. */
	let shown = "";

	async function poll() {
		if (!panel.open) return;
		const { broadcasts } = /** @type {{ broadcasts: Broadcast[] }} */ (
			await api("GET", `/broadcasts?limit=${SHOWN}`)
		);
		const key = JSON.stringify(broadcasts);
		if (key === shown) return;
		shown = key;
		empty.hidden = broadcasts.length > 0;
		list.replaceChildren(...broadcasts.map(renderBroadcast));
	}

	panel.addEventListener("toggle", () => void poll().catch(() => undefined));
	return { poll };
}

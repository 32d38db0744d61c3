/** Chat items as the user would see them: every Viber message type (viber-api.md §5). */
import { renderCarousel } from "./buttons.js";
import { clock, fileSize, h, icon, safeUrl } from "./ui.js";

/**
 * @typedef {{ seq: number; at: number; user_id: string; direction: "in" | "out" | "event";
 *   message?: Record<string, any>; message_token?: unknown;
 *   status?: "sent" | "delivered" | "seen" | "failed"; text?: string }} ChatItem
 */

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** Text with line breaks kept and http(s) links made clickable. @param {string} text */
function linkify(text) {
	const parts = [];
	let last = 0;
	for (const match of text.matchAll(URL_IN_TEXT)) {
		const index = match.index ?? 0;
		parts.push(text.slice(last, index));
		const href = safeUrl(match[0]);
		parts.push(
			href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }, match[0]) : match[0],
		);
		last = index + match[0].length;
	}
	parts.push(text.slice(last));
	return h("div", { class: "text" }, parts);
}

/** An image that turns into a labelled placeholder when it cannot load (no internet here). */
function picture(/** @type {unknown} */ src, cls = "media", label = "picture") {
	const url = safeUrl(src);
	const placeholder = h(
		"div",
		{ class: `${cls} placeholder` },
		icon("picture", 28),
		h("span", { class: "small" }, url ? `${label} (not loaded)` : `no ${label} URL`),
		url
			? h("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "small url" }, url)
			: null,
	);
	if (!url) return placeholder;
	const img = h("img", {
		class: cls,
		src: url,
		alt: label,
		loading: "lazy",
		referrerPolicy: "no-referrer",
	});
	img.addEventListener("error", () => img.replaceWith(placeholder), { once: true });
	return img;
}

/** @param {unknown} value */
const number = (value) => (typeof value === "number" ? value : Number(value));

/** @param {number} seconds */
const duration = (seconds) =>
	`${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, "0")}`;

/** @type {Record<string, (m: Record<string, any>, onTap: import("./buttons.js").OnTap) => Node | Node[]>} */
const RENDER = {
	text: (m) => linkify(String(m.text ?? "")),
	picture: (m) =>
		[picture(m.media ?? m.thumbnail), m.text ? linkify(String(m.text)) : null].filter(
			(n) => n !== null,
		),
	video(m) {
		const src = safeUrl(m.media);
		const facts = [
			m.duration ? duration(number(m.duration)) : "",
			m.size ? fileSize(number(m.size)) : "",
		].filter(Boolean);
		return [
			src
				? h("video", {
						class: "media",
						src,
						poster: safeUrl(m.thumbnail),
						controls: true,
						preload: "none",
					})
				: picture(m.thumbnail, "media", "video"),
			h(
				"div",
				{ class: "file-line" },
				icon("play", 16),
				src
					? h("a", { href: src, target: "_blank", rel: "noopener noreferrer" }, "video")
					: "video",
				facts.length ? h("span", { class: "muted small" }, facts.join(" · ")) : null,
			),
			m.text ? linkify(String(m.text)) : null,
		].filter((n) => n !== null);
	},
	file(m) {
		const src = safeUrl(m.media);
		const name = String(m.file_name ?? "file");
		const size = fileSize(number(m.size ?? m.file_size));
		return h(
			"div",
			{ class: "file" },
			h(
				"span",
				{ class: "file-icon" },
				(name.split(".").pop() ?? "").slice(0, 4).toUpperCase() || "FILE",
			),
			h(
				"div",
				{},
				h("div", { class: "file-name" }, name),
				h(
					"div",
					{ class: "muted small" },
					size,
					size && src ? " · " : "",
					src
						? h(
								"a",
								{ href: src, target: "_blank", rel: "noopener noreferrer", download: name },
								"download",
							)
						: null,
				),
			),
		);
	},
	url(m) {
		const href = safeUrl(m.media);
		const host = href ? new URL(href).host : "";
		return h(
			"a",
			{ class: "link-card", href, target: "_blank", rel: "noopener noreferrer" },
			h("span", { class: "link-host" }, icon("link", 14), host || "link"),
			h("span", { class: "link-url" }, String(m.media ?? "")),
		);
	},
	sticker(m) {
		const src = safeUrl(m.media);
		return src
			? picture(src, "sticker", `sticker #${m.sticker_id ?? "?"}`)
			: h("div", { class: "sticker-box" }, icon("sticker", 48), `Sticker #${m.sticker_id ?? "?"}`);
	},
	contact(m) {
		const c = m.contact ?? {};
		const phone = String(c.phone_number ?? "");
		return h(
			"div",
			{ class: "contact" },
			h("span", { class: "avatar", style: { background: "var(--accent)" } }, icon("contact", 20)),
			h(
				"div",
				{},
				h("div", { class: "file-name" }, String(c.name ?? "Contact")),
				phone
					? h(
							"a",
							{ href: safeUrl(`tel:${phone.replace(/[^+\d]/g, "")}`, { schemes: ["tel:"] }) },
							phone,
						)
					: null,
			),
		);
	},
	location(m) {
		const lat = number(m.location?.lat);
		const lon = number(m.location?.lon);
		const ok = Number.isFinite(lat) && Number.isFinite(lon);
		const map = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=15/${lat}/${lon}`;
		return h(
			"div",
			{ class: "location" },
			h("span", { class: "pin" }, icon("location", 28)),
			h(
				"div",
				{},
				h("div", { class: "file-name" }, ok ? `${lat.toFixed(5)}, ${lon.toFixed(5)}` : "location"),
				ok
					? h(
							"a",
							{ href: map, target: "_blank", rel: "noopener noreferrer", class: "small" },
							"open in a map",
						)
					: null,
				m.location?.address ? h("div", { class: "muted small" }, String(m.location.address)) : null,
			),
		);
	},
	rich_media: (m, onTap) =>
		m.rich_media && typeof m.rich_media === "object"
			? renderCarousel(m.rich_media, onTap)
			: linkify(String(m.alt_text ?? "rich media")),
};

/** @param {ChatItem["status"]} status */
function ticks(status) {
	if (!status) return null;
	const glyph = { sent: "✓", delivered: "✓✓", seen: "✓✓", failed: "!" }[status] ?? "";
	return h(
		"span",
		{ class: `ticks ${status}`, "data-testid": "ticks", "data-status": status, title: status },
		glyph,
	);
}

/**
 * One chat line: a bubble (the user's on the right, the bot's on the left) or a grey event line.
 *
 * @param {ChatItem} item
 * @param {import("./buttons.js").OnTap} onTap for rich-media buttons
 */
export function renderItem(item, onTap) {
	const common = {
		"data-testid": "chat-item",
		"data-direction": item.direction,
		"data-seq": item.seq,
	};
	if (item.direction === "event") {
		return h(
			"div",
			{ ...common, class: "item event" },
			h("span", {}, `${item.text ?? ""} · ${clock(item.at)}`),
		);
	}
	const message = item.message ?? {};
	const type = typeof message.type === "string" ? message.type : undefined;
	const render = type ? RENDER[type] : undefined;
	/** @type {Node | Node[]} */
	let body;
	if (render) body = render(message, onTap);
	else if (!type && message.keyboard)
		body = h("div", { class: "text muted keyboard-only" }, icon("keyboard", 16), "keyboard only");
	else body = h("pre", { class: "unknown" }, JSON.stringify(message, null, 2));
	const meta = h(
		"span",
		{ class: "meta" },
		clock(item.at),
		item.direction === "out" ? ticks(item.status) : null,
	);
	return h(
		"div",
		{ ...common, class: `item ${item.direction}`, "data-type": type ?? "keyboard" },
		h(
			"div",
			{
				class: `bubble type-${type ?? "keyboard"}`,
				title: message.tracking_data ? `tracking_data: ${message.tracking_data}` : undefined,
			},
			body,
			meta,
		),
	);
}

/**
 * Updates the ticks of a rendered bot message in place.
 *
 * @param {HTMLElement} el what renderItem returned
 * @param {ChatItem["status"]} status
 */
export function updateTicks(el, status) {
	const meta = el.querySelector(".meta");
	if (!meta) return;
	meta.querySelector(".ticks")?.remove();
	const next = ticks(status);
	if (next) meta.append(next);
}

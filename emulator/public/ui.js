/** Small DOM helpers for the chat page: element builder, safe URLs, toasts, act, ask dialog. */

/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * Builds an element. Properties starting with `on` become listeners, `dataset` and `style` are
 * merged, names with a dash (`data-testid`, `aria-label`) become attributes. Children are
 * appended as nodes or text, never parsed as HTML.
 *
 * @example h("button", { class: "primary", onclick: go, "data-testid": "go" }, "Go")
 * @param {string} tag
 * @param {Record<string, any>} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
	const el = document.createElement(tag);
	for (const [key, value] of Object.entries(props)) {
		if (value === undefined || value === null || value === false) continue;
		if (key === "class") el.className = String(value);
		else if (key === "style") Object.assign(el.style, value);
		else if (key === "dataset") Object.assign(el.dataset, value);
		else if (key.startsWith("on") && typeof value === "function") {
			el.addEventListener(key.slice(2), value);
		} else if (key.includes("-") || !(key in el)) {
			el.setAttribute(key, value === true ? "" : String(value));
		} else {
			/** @type {Record<string, unknown>} */ (/** @type {unknown} */ (el))[key] = value;
		}
	}
	for (const child of children.flat()) {
		if (child === null || child === undefined || child === false) continue;
		el.append(typeof child === "number" ? String(child) : child);
	}
	return el;
}

/**
 * The URL if it is http(s) (or `tel:`/`mailto:`/`geo:` when allowed), else undefined: what
 * the bot sends never becomes a `javascript:` link.
 *
 * @param {unknown} value
 * @param {{ schemes?: string[] }} [options]
 * @returns {string | undefined}
 */
export function safeUrl(value, { schemes = ["http:", "https:"] } = {}) {
	if (typeof value !== "string" || value === "") return undefined;
	try {
		const url = new URL(value);
		return schemes.includes(url.protocol) ? url.href : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Shows a short message at the bottom of the page.
 *
 * @param {string} message
 * @param {"error" | "info"} [kind]
 */
export function toast(message, kind = "error") {
	const box = document.getElementById("toasts");
	if (!box) return;
	const item = h(
		"div",
		{ class: `toast ${kind}`, role: "status", "data-testid": "toast" },
		message,
	);
	const remove = () => item.remove();
	item.addEventListener("click", remove);
	box.append(item);
	while (box.childElementCount > 4) box.firstElementChild?.remove();
	setTimeout(remove, kind === "error" ? 6000 : 3000);
}

/**
 * Runs an action, showing its error (an `{ error }` answer or a dead emulator) as a toast.
 *
 * @example button.addEventListener("click", () => act(() => api("POST", "/cron", { cron })));
 * @param {() => Promise<unknown>} action
 * @returns {Promise<void>}
 */
export async function act(action) {
	try {
		await action();
	} catch (error) {
		toast(error instanceof Error ? error.message : String(error));
	}
}

/**
 * @typedef {{ name: string; label: string; value?: string; type?: string; required?: boolean;
 *   step?: string; placeholder?: string }} Field
 */

/**
 * Asks for a few values in a small modal dialog.
 *
 * @example const where = await ask("Send a location", [{ name: "lat", label: "Latitude", value: "51.5" }]);
 * @param {string} title
 * @param {Field[]} fields
 * @param {string} [okLabel]
 * @returns {Promise<Record<string, string> | null>} the values, or null when cancelled
 */
export function ask(title, fields, okLabel = "Send") {
	const dialog = /** @type {HTMLDialogElement} */ (document.getElementById("ask"));
	const form = /** @type {HTMLFormElement} */ (dialog.querySelector("form"));
	const titleEl = /** @type {HTMLElement} */ (document.getElementById("ask-title"));
	const box = /** @type {HTMLElement} */ (document.getElementById("ask-fields"));
	const ok = /** @type {HTMLButtonElement} */ (dialog.querySelector("[data-testid=ask-ok]"));
	titleEl.textContent = title;
	ok.textContent = okLabel;
	box.replaceChildren(
		...fields.map((field) =>
			h(
				"label",
				{},
				field.label,
				h("input", {
					name: field.name,
					value: field.value ?? "",
					type: field.type ?? "text",
					required: field.required ?? true,
					step: field.step,
					placeholder: field.placeholder,
					"data-testid": `ask-${field.name}`,
				}),
			),
		),
	);
	return new Promise((resolve) => {
		const cancel = /** @type {HTMLElement} */ (document.getElementById("ask-cancel"));
		const onCancel = () => dialog.close("cancel");
		cancel.addEventListener("click", onCancel);
		dialog.addEventListener(
			"close",
			() => {
				cancel.removeEventListener("click", onCancel);
				if (dialog.returnValue !== "ok") return resolve(null);
				/** @type {Record<string, string>} */
				const values = {};
				for (const [key, value] of new FormData(form)) values[key] = String(value);
				resolve(values);
			},
			{ once: true },
		);
		dialog.returnValue = "";
		dialog.showModal();
		/** @type {HTMLInputElement | null} */ (box.querySelector("input"))?.select();
	});
}

/** @param {number} at epoch ms */
export function clock(at, withSeconds = false) {
	const d = new Date(at);
	const pad = (/** @type {number} */ n, w = 2) => String(n).padStart(w, "0");
	const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
	return withSeconds ? `${hm}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}` : hm;
}

/** @param {number} bytes */
export function fileSize(bytes) {
	if (!Number.isFinite(bytes) || bytes < 0) return "";
	const units = ["B", "KB", "MB", "GB"];
	let n = bytes;
	let unit = 0;
	while (n >= 1024 && unit < units.length - 1) {
		n /= 1024;
		unit += 1;
	}
	return `${n < 10 && unit > 0 ? n.toFixed(1) : Math.round(n)} ${units[unit]}`;
}

/**
 * A round avatar: the picture when there is a usable URL, else initials on a colour made from
 * the id.
 *
 * @param {{ id?: string; name?: string; avatar?: string }} who
 */
export function avatar(who, size = 36) {
	const name = who.name || "?";
	const initials = name
		.split(/\s+/)
		.filter(Boolean)
		.slice(0, 2)
		.map((part) => part[0]?.toUpperCase())
		.join("");
	let hash = 0;
	for (const ch of who.id ?? name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
	const fallback = h(
		"span",
		{
			class: "avatar",
			style: { width: `${size}px`, height: `${size}px`, background: `hsl(${hash % 360} 55% 58%)` },
			"aria-hidden": "true",
		},
		initials || "?",
	);
	const src = safeUrl(who.avatar);
	if (!src) return fallback;
	const img = h("img", {
		class: "avatar",
		src,
		alt: "",
		width: size,
		height: size,
		referrerPolicy: "no-referrer",
	});
	img.addEventListener("error", () => img.replaceWith(fallback), { once: true });
	return img;
}

const SVG = "http://www.w3.org/2000/svg";
/** @type {Record<string, [string, Record<string, string | number>][]>} */
const ICONS = {
	picture: [
		["rect", { x: 3, y: 4, width: 18, height: 16, rx: 2 }],
		["circle", { cx: 9, cy: 10, r: 2 }],
		["path", { d: "M21 16l-5-5-9 9" }],
	],
	location: [
		["path", { d: "M12 21s-7-6.2-7-12a7 7 0 0 1 14 0c0 5.8-7 12-7 12z" }],
		["circle", { cx: 12, cy: 9, r: 2.5 }],
	],
	contact: [
		["circle", { cx: 12, cy: 8, r: 4 }],
		["path", { d: "M4 21a8 8 0 0 1 16 0" }],
	],
	sticker: [
		["circle", { cx: 12, cy: 12, r: 9 }],
		["path", { d: "M8 14s1.5 2 4 2 4-2 4-2M9 9.5h.01M15 9.5h.01" }],
	],
	play: [["path", { d: "M8 5v14l11-7z", fill: "currentColor" }]],
	link: [
		["path", { d: "M10 13a5 5 0 0 0 7.07 0l3-3a5 5 0 0 0-7.07-7.07l-1 1" }],
		["path", { d: "M14 11a5 5 0 0 0-7.07 0l-3 3a5 5 0 0 0 7.07 7.07l1-1" }],
	],
	keyboard: [
		["rect", { x: 2, y: 6, width: 20, height: 12, rx: 2 }],
		["path", { d: "M6 10h.01M10 10h.01M14 10h.01M18 10h.01M7 14h10" }],
	],
	menu: [["path", { d: "M4 6h16M4 12h16M4 18h16" }]],
	send: [["path", { d: "M4 20l17-8L4 4l2.5 8L4 20zM6.5 12H13", fill: "currentColor" }]],
};

/**
 * A small line icon (24×24, drawn in currentColor).
 *
 * @example h("button", {}, icon("picture"))
 * @param {keyof typeof ICONS | string} name
 * @param {number} [size]
 */
export function icon(name, size = 20) {
	const svg = document.createElementNS(SVG, "svg");
	const attrs = {
		viewBox: "0 0 24 24",
		width: size,
		height: size,
		fill: "none",
		stroke: "currentColor",
	};
	for (const [key, value] of Object.entries(attrs)) svg.setAttribute(key, String(value));
	svg.setAttribute("stroke-width", "2");
	svg.setAttribute("stroke-linecap", "round");
	svg.setAttribute("stroke-linejoin", "round");
	svg.setAttribute("aria-hidden", "true");
	svg.classList.add("svg-icon");
	for (const [tag, shape] of ICONS[name] ?? []) {
		const el = document.createElementNS(SVG, tag);
		for (const [key, value] of Object.entries(shape)) el.setAttribute(key, String(value));
		svg.append(el);
	}
	return svg;
}

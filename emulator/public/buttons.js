/**
 * Viber's buttons (viber-api.md §5.9–5.12): the small HTML subset of their `Text`, the keyboard
 * grid and the rich-media carousel. Text from the bot is never parsed as HTML.
 */
import { h, safeUrl } from "./ui.js";

/**
 * @typedef {{ Columns?: number; Rows?: number; ActionType?: string; ActionBody?: string;
 *   Text?: string; BgColor?: string; BgMedia?: string; Image?: string; Silent?: boolean;
 *   TextHAlign?: string; TextVAlign?: string; TextSize?: string; TextOpacity?: number;
 *   TextPaddings?: number[]; Frame?: { BorderWidth?: number; BorderColor?: string;
 *   CornerRadius?: number } }} Button
 * @typedef {(button: Button) => void} OnTap
 */

const TAG = /<\s*(\/?)\s*(b|i|u|s|br|font)\b([^>]*)>/gi;
const ENTITIES = /** @type {Record<string, string>} */ ({
	"&amp;": "&",
	"&lt;": "<",
	"&gt;": ">",
	"&quot;": '"',
	"&#39;": "'",
	"&nbsp;": "\u00a0",
});

/** @param {string} text */
const decode = (text) => text.replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (e) => ENTITIES[e] ?? e);

/** @param {HTMLElement} el @param {string} attrs the inside of a `<font …>` tag */
function applyFont(el, attrs) {
	const color = /color\s*=\s*["']?\s*(#[0-9a-f]{3,8}|[a-z]{3,20})\b/i.exec(attrs);
	if (color) el.style.color = color[1];
	const size = /size\s*=\s*["']?\s*(\d{1,3})/i.exec(attrs);
	if (size) el.style.fontSize = `${Math.min(32, Math.max(8, Number(size[1])))}px`;
}

/**
 * Renders Viber's button markup safely: only `<b> <i> <u> <s> <br>` and `<font color size>`
 * become elements; anything else stays visible text.
 *
 * @example richText('<font color="#fff"><b>Buy</b></font><br>$17.99')
 * @param {string} text
 * @returns {DocumentFragment}
 */
export function richText(text) {
	const root = document.createDocumentFragment();
	/** @type {{ tag: string; el: Node }[]} */
	const stack = [{ tag: "", el: root }];
	const top = () => /** @type {{ el: Node }} */ (stack.at(-1)).el;
	let last = 0;
	for (const match of text.matchAll(TAG)) {
		const [whole, close, rawTag, attrs] = match;
		const index = match.index ?? 0;
		if (index > last) top().appendChild(document.createTextNode(decode(text.slice(last, index))));
		last = index + whole.length;
		const tag = rawTag.toLowerCase();
		if (tag === "br") {
			top().appendChild(document.createElement("br"));
		} else if (close) {
			const open = stack.findLastIndex((entry) => entry.tag === tag);
			if (open > 0) stack.length = open;
		} else {
			const el = document.createElement(tag === "font" ? "span" : tag);
			if (tag === "font") applyFont(el, attrs);
			top().appendChild(el);
			stack.push({ tag, el });
		}
	}
	if (last < text.length) top().appendChild(document.createTextNode(decode(text.slice(last))));
	return root;
}

/** @param {unknown} n @param {number} min @param {number} max @param {number} fallback */
const clamp = (n, min, max, fallback) =>
	typeof n === "number" && Number.isFinite(n)
		? Math.min(max, Math.max(min, Math.round(n)))
		: fallback;

/** @param {unknown} color a Viber hex colour */
const hex = (color) =>
	typeof color === "string" && /^#[0-9a-f]{3,8}$/i.test(color) ? color : undefined;

const H_ALIGN = /** @type {Record<string, string>} */ ({ left: "start", right: "end" });
const V_ALIGN = /** @type {Record<string, string>} */ ({ top: "start", bottom: "end" });

/**
 * One tappable button, placed on a CSS grid.
 *
 * @param {Button} button
 * @param {{ column: string; row: string; testid: string; onTap: OnTap }} at
 */
function buttonElement(button, { column, row, testid, onTap }) {
	const action = button.ActionType ?? "reply";
	const bg = safeUrl(button.BgMedia);
	const image = safeUrl(button.Image);
	const frame = button.Frame;
	const pad = Array.isArray(button.TextPaddings) ? button.TextPaddings : undefined;
	const label = h(
		"span",
		{
			class: `label size-${button.TextSize ?? "regular"}`,
			style: {
				justifyContent: H_ALIGN[button.TextHAlign ?? ""] ?? "center",
				textAlign:
					button.TextHAlign === "left" || button.TextHAlign === "right"
						? button.TextHAlign
						: "center",
				alignItems: V_ALIGN[button.TextVAlign ?? ""] ?? "center",
				opacity: typeof button.TextOpacity === "number" ? String(button.TextOpacity / 100) : "",
				padding: pad?.length === 4 ? pad.map((p) => `${clamp(p, 0, 12, 6) / 2}px`).join(" ") : "",
			},
		},
		h("span", {}, richText(String(button.Text ?? ""))),
	);
	return h(
		"button",
		{
			type: "button",
			class: `vbutton action-${action}${bg ? " has-media" : ""}`,
			"data-testid": testid,
			"data-action-type": action,
			title:
				action === "none"
					? undefined
					: `${action}: ${button.ActionBody ?? ""}${button.Silent ? " (silent)" : ""}`,
			disabled: action === "none",
			style: {
				gridColumn: column,
				gridRow: row,
				backgroundColor: hex(button.BgColor) ?? "",
				backgroundImage: bg ? `url(${JSON.stringify(bg)})` : "",
				border: frame
					? `${clamp(frame.BorderWidth, 0, 10, 1)}px solid ${hex(frame.BorderColor) ?? "#000"}`
					: "",
				borderRadius: frame ? `${clamp(frame.CornerRadius, 0, 10, 0)}px` : "",
			},
			onclick: () => onTap(button),
		},
		image
			? h("img", {
					class: "overlay",
					src: image,
					alt: "",
					loading: "lazy",
					onerror: (/** @type {Event} */ e) => {
						/** @type {HTMLElement} */ (e.target).hidden = true;
					},
				})
			: null,
		label,
	);
}

/**
 * The keyboard under the chat: a 6-column grid honouring each button's Columns and Rows.
 *
 * @param {{ Buttons?: Button[]; BgColor?: string }} keyboard
 * @param {OnTap} onTap
 */
export function renderKeyboard(keyboard, onTap) {
	const buttons = Array.isArray(keyboard.Buttons) ? keyboard.Buttons : [];
	return h(
		"div",
		{ class: "kb-grid", style: { backgroundColor: hex(keyboard.BgColor) ?? "" } },
		buttons.map((button) =>
			buttonElement(button, {
				column: `span ${clamp(button.Columns, 1, 6, 6)}`,
				row: `span ${clamp(button.Rows, 1, 2, 1)}`,
				testid: "keyboard-button",
				onTap,
			}),
		),
	);
}

/**
 * Splits rich-media buttons into cards of ButtonsGroupColumns × ButtonsGroupRows, placing each
 * button at the next free spot (a new card starts when one does not fit).
 *
 * @param {{ ButtonsGroupColumns?: number; ButtonsGroupRows?: number; Buttons?: Button[] }} rich
 */
export function layoutCards(rich) {
	const columns = clamp(rich.ButtonsGroupColumns, 1, 6, 6);
	const rows = clamp(rich.ButtonsGroupRows, 1, 7, 7);
	/** @type {{ button: Button; row: number; column: number; width: number; height: number }[][]} */
	const cards = [];
	/** @type {boolean[][]} */
	let taken = [];
	let cursor = 0;
	const fits = (
		/** @type {number} */ r,
		/** @type {number} */ c,
		/** @type {number} */ w,
		/** @type {number} */ ht,
	) => {
		if (c + w > columns || r + ht > rows) return false;
		for (let i = r; i < r + ht; i++) for (let j = c; j < c + w; j++) if (taken[i][j]) return false;
		return true;
	};
	for (const button of Array.isArray(rich.Buttons) ? rich.Buttons : []) {
		const width = clamp(button.Columns, 1, columns, columns);
		const height = clamp(button.Rows, 1, rows, 1);
		let spot = -1;
		for (let cell = cursor; cards.length > 0 && cell < rows * columns; cell++) {
			if (fits(Math.floor(cell / columns), cell % columns, width, height)) {
				spot = cell;
				break;
			}
		}
		if (spot < 0) {
			cards.push([]);
			taken = Array.from({ length: rows }, () => Array(columns).fill(false));
			spot = 0;
		}
		const row = Math.floor(spot / columns);
		const column = spot % columns;
		for (let i = row; i < row + height; i++)
			for (let j = column; j < column + width; j++) taken[i][j] = true;
		cards[cards.length - 1].push({ button, row, column, width, height });
		cursor = spot + width;
	}
	return { columns, rows, cards };
}

/**
 * A rich_media message: a horizontally scrolling row of cards.
 *
 * @param {{ ButtonsGroupColumns?: number; ButtonsGroupRows?: number; Buttons?: Button[];
 *   BgColor?: string }} rich
 * @param {OnTap} onTap
 */
export function renderCarousel(rich, onTap) {
	const { columns, rows, cards } = layoutCards(rich);
	return h(
		"div",
		{ class: "carousel", "data-testid": "carousel" },
		cards.map((card) =>
			h(
				"div",
				{
					class: "card",
					"data-testid": "carousel-card",
					style: {
						gridTemplateColumns: `repeat(${columns}, 1fr)`,
						gridTemplateRows: `repeat(${rows}, var(--rm-row))`,
						backgroundColor: hex(rich.BgColor) ?? "",
					},
				},
				card.map((spot) =>
					buttonElement(spot.button, {
						column: `${spot.column + 1} / span ${spot.width}`,
						row: `${spot.row + 1} / span ${spot.height}`,
						testid: "rich-media-button",
						onTap,
					}),
				),
			),
		),
	);
}

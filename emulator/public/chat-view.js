/** The chat view: the conversation's bubbles and, below them, the keyboard of the bot's latest. */
import { renderKeyboard } from "./buttons.js";
import { renderItem, updateTicks } from "./messages.js";

/**
 * @typedef {import("./messages.js").ChatItem} ChatItem
 * @typedef {import("./buttons.js").OnTap} OnTap
 */

/** Bot messages younger than this are asked for again until they are seen (their ticks move). */
const TICKS_WATCH_MS = 2 * 60_000;

/**
 * Shows the items of one conversation, polled with `after=`: new ones are appended, known ones
 * only get their ticks updated. Stays scrolled to the bottom unless the user scrolled up.
 *
 * @example const view = createChatView({ chat, keyboard, composer, onTap }); view.merge(items);
 * @param {{ chat: HTMLElement; keyboard: HTMLElement; composer: HTMLFormElement; onTap: OnTap }} options
 */
export function createChatView({ chat, keyboard, composer, onTap }) {
	/** @type {Map<number, { item: ChatItem; el: HTMLElement }>} */
	const items = new Map();
	let lastSeq = 0;
	let keyboardSeq = 0;
	let stickToBottom = true;
	/** What the page says while a chat is empty (index.html's `.chat-empty`). */
	const hint = chat.querySelector(".chat-empty");

	/** Empties the view for another conversation. */
	function clear() {
		items.clear();
		lastSeq = 0;
		keyboardSeq = -1;
		stickToBottom = true;
		chat.replaceChildren(hint ?? "");
		keyboard.hidden = true;
	}

	/** The seq to poll after: the last one, or earlier while recent bot messages may still change ticks. */
	function pollFrom() {
		let after = lastSeq;
		const since = Date.now() - TICKS_WATCH_MS;
		for (const [seq, { item }] of items) {
			const moving = item.status === "sent" || item.status === "delivered";
			if (item.direction === "out" && moving && item.at > since && seq <= after) after = seq - 1;
		}
		return after;
	}

	/** @param {ChatItem[]} polled */
	function merge(polled) {
		let added = false;
		for (const item of polled) {
			const known = items.get(item.seq);
			if (known) {
				if (known.item.status !== item.status) updateTicks(known.el, item.status);
				known.item = item;
				continue;
			}
			const node = renderItem(item, onTap);
			for (const img of node.querySelectorAll("img")) img.addEventListener("load", keepAtBottom);
			items.set(item.seq, { item, el: node });
			chat.append(node);
			lastSeq = Math.max(lastSeq, item.seq);
			added = true;
		}
		if (added) {
			hint?.remove();
			keepAtBottom();
			renderKeyboardOf();
		}
	}

	function keepAtBottom() {
		if (stickToBottom) chat.scrollTop = chat.scrollHeight;
	}

	/** The keyboard of the bot's latest message: Viber hides it when that message has none. */
	function renderKeyboardOf() {
		let latest;
		for (const { item } of items.values()) {
			// A message that never reached the phone ("failed") changes nothing there.
			const shown = item.direction === "out" && item.status !== "failed";
			if (shown && (!latest || item.seq > latest.seq)) latest = item;
		}
		if ((latest?.seq ?? 0) === keyboardSeq) return;
		keyboardSeq = latest?.seq ?? 0;
		const shown = latest?.message?.keyboard;
		keyboard.hidden = !shown;
		keyboard.replaceChildren(shown ? renderKeyboard(shown, onTap) : "");
		composer.dataset.input = shown?.InputFieldState ?? "regular";
		keepAtBottom();
	}

	// The chat shrinks when a keyboard appears or the log opens beside it: keep the end in view.
	new ResizeObserver(keepAtBottom).observe(chat);

	chat.addEventListener("scroll", () => {
		stickToBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 40;
	});

	return {
		clear,
		pollFrom,
		merge,
		/** Follows the bottom again, as after the user sends something. */
		stickToBottom: () => {
			stickToBottom = true;
		},
	};
}

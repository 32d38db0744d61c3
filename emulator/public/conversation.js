/**
 * The selected user's conversation: picking a user, the header (who, subscribed or not, "Open
 * conversation", "Subscribe"), polling their chat and sending messages as them.
 */
import { createTap } from "./actions.js";
import { ApiError, api, userPath } from "./api.js";
import { createChatView } from "./chat-view.js";
import { isNarrow } from "./drawer.js";
import { state } from "./state.js";
import { act, avatar, h } from "./ui.js";

/**
 * @typedef {import("./messages.js").ChatItem} ChatItem
 * @typedef {import("./buttons.js").Button} Button
 */

/**
 * Wires the conversation column. `onSelect` runs when another user is picked, `onUserChange`
 * when a poll finds the selected user changed (renamed, subscribed, ...).
 *
 * @example const conversation = createConversation({ ...elements, onSelect, onUserChange });
 * @param {{ title: HTMLElement; context: HTMLInputElement; open: HTMLButtonElement;
 *   subscription: HTMLButtonElement; chat: HTMLElement; keyboard: HTMLElement;
 *   composer: HTMLFormElement; input: HTMLTextAreaElement; sendButton: HTMLButtonElement;
 *   onSelect: () => void; onUserChange: () => void }} options
 */
export function createConversation(options) {
	const { title, context, open, subscription, input, sendButton } = options;
	/** Bumped when another user is picked, so that late answers for the old one are dropped. */
	let generation = 0;
	const tapButton = createTap(send, () => state.user);
	/** @param {Button} button */
	const tap = (button) => void act(() => tapButton(button));
	const view = createChatView({
		chat: options.chat,
		keyboard: options.keyboard,
		composer: options.composer,
		onTap: tap,
	});

	/** @param {string} id */
	function select(id) {
		if (id === state.userId) return;
		state.userId = id;
		state.user = state.users.find((u) => u.id === id);
		generation += 1;
		view.clear();
		history.replaceState(null, "", `${location.search}#${encodeURIComponent(id)}`);
		for (const control of [open, subscription, input, sendButton]) control.disabled = false;
		options.onSelect();
		renderHeader();
		void act(pollChat);
		// On a phone, focus would pull up the on-screen keyboard over "Open conversation".
		if (!isNarrow()) input.focus();
	}

	function renderHeader() {
		const user = state.user;
		if (!user) return;
		title.replaceChildren(
			avatar(user, 40),
			h(
				"div",
				{},
				h("div", { class: "user-name" }, user.name),
				h(
					"div",
					{ class: "title-line" },
					h(
						"span",
						{ class: `pill ${user.subscribed ? "on" : "off"}`, "data-testid": "subscribed-state" },
						user.subscribed ? "subscribed" : "not subscribed",
					),
					h("code", { class: "muted small", title: "user id" }, user.id),
				),
			),
		);
		subscription.textContent = user.subscribed ? "Unsubscribe" : "Subscribe";
		subscription.dataset.action = user.subscribed ? "unsubscribe" : "subscribe";
	}

	/** Fetches what is new in the selected user's chat (and the user themself) and shows it. */
	async function pollChat() {
		const id = state.userId;
		if (!id) return;
		const asked = generation;
		const data = await api("GET", `${userPath(id)}/chat?after=${view.pollFrom()}`);
		if (asked !== generation) return;
		const changed = JSON.stringify(data.user) !== JSON.stringify(state.user);
		state.user = data.user;
		if (changed) {
			state.users = state.users.map((u) => (u.id === data.user.id ? data.user : u));
			options.onUserChange();
			renderHeader();
		}
		view.merge(/** @type {ChatItem[]} */ (data.items));
	}

	/**
	 * Sends a message as the selected user; a silent one never shows as their bubble.
	 *
	 * @param {Record<string, unknown>} message
	 * @param {boolean} [silent]
	 */
	async function send(message, silent = false) {
		const id = state.userId;
		if (!id) throw new ApiError("Pick or create a test user first", 0);
		view.stickToBottom();
		await api("POST", `${userPath(id)}/messages`, silent ? { message, silent } : { message });
		await pollChat();
	}

	open.addEventListener("click", () =>
		act(async () => {
			const id = state.userId;
			if (!id) return;
			const deepLink = context.value.trim();
			view.stickToBottom();
			await api("POST", `${userPath(id)}/open`, deepLink ? { context: deepLink } : {});
			await pollChat();
		}),
	);

	subscription.addEventListener("click", () =>
		act(async () => {
			const id = state.userId;
			if (!id || !state.user) return;
			await api("POST", `${userPath(id)}/${state.user.subscribed ? "unsubscribe" : "subscribe"}`);
			await pollChat();
		}),
	);

	return { select, pollChat, send };
}

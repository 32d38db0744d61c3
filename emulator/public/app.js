/**
 * The emulator's chat page: test users, their conversations with the bot, the bot's keyboard,
 * fault injection and the raw JSON log. Plain DOM, kept fresh by polling `/api/*`.
 *
 * This file only wires the parts together, each in a module named after it: `sidebar.js` (the
 * webhook and the users), `conversation.js` and `chat-view.js` (the selected user's chat),
 * `composer.js`, `controls.js` (cron, fault injection), `broadcasts.js` (their progress),
 * `log.js` and `log-toggle.js` (raw JSON), `drawer.js` (the sidebar on a phone), `state.js`
 * (what they share) and `polling.js` (what keeps it fresh). `responsive.css` lays it out for phones, tablets and desktops.
 */

import { createBroadcasts } from "./broadcasts.js";
import { createComposer } from "./composer.js";
import { createControls } from "./controls.js";
import { createConversation } from "./conversation.js";
import { createDrawer, isNarrow } from "./drawer.js";
import { createLog } from "./log.js";
import { createLogToggle } from "./log-toggle.js";
import { startPolling } from "./polling.js";
import { createSidebar } from "./sidebar.js";
import { state } from "./state.js";
import { act, icon } from "./ui.js";

/** @template {HTMLElement} T @param {string} id @returns {T} */
const $ = (id) => /** @type {T} */ (document.getElementById(id));

const composer = /** @type {HTMLFormElement} */ ($("composer"));
const input = /** @type {HTMLTextAreaElement} */ ($("composer-input"));
const logList = $("log-list");

const drawer = createDrawer({
	app: $("app"),
	sidebar: $("sidebar"),
	toggle: $("users-toggle"),
	scrim: $("scrim"),
});

const controls = createControls({
	settingsForm: /** @type {HTMLFormElement} */ ($("settings-form")),
	cronForm: /** @type {HTMLFormElement} */ ($("cron-form")),
	act,
});

const broadcasts = createBroadcasts({
	panel: /** @type {HTMLDetailsElement} */ ($("broadcasts-panel")),
	list: $("broadcast-list"),
	empty: $("no-broadcasts"),
});

const logToggle = createLogToggle({
	toggle: $("log-toggle"),
	badge: $("log-badge"),
	panel: $("log-panel"),
	close: $("log-close"),
	list: logList,
});

const log = createLog({
	list: logList,
	onlyUser: /** @type {HTMLInputElement} */ ($("log-only-user")),
	userId: () => state.userId,
	onRejected: logToggle.onRejected,
});

const sidebar = createSidebar({
	webhook: $("webhook-url"),
	users: $("user-list"),
	noUsers: $("no-users"),
	newUser: /** @type {HTMLFormElement} */ ($("new-user-form")),
	applySettings: controls.applySettings,
	// Picked or created in the drawer: the chat comes back into view.
	select(id) {
		drawer.close();
		conversation.select(id);
	},
});

const conversation = createConversation({
	title: $("chat-title"),
	context: /** @type {HTMLInputElement} */ ($("open-context")),
	open: /** @type {HTMLButtonElement} */ ($("open-conversation")),
	subscription: /** @type {HTMLButtonElement} */ ($("subscription")),
	chat: $("chat"),
	keyboard: $("keyboard"),
	composer,
	input,
	sendButton: /** @type {HTMLButtonElement} */ ($("send-button")),
	onSelect() {
		sidebar.showSelected();
		log.refilter();
	},
	onUserChange: sidebar.renderUsers,
});

createComposer({ form: composer, input, send: conversation.send });

async function start() {
	for (const node of document.querySelectorAll("[data-icon]")) {
		node.prepend(icon(/** @type {HTMLElement} */ (node).dataset.icon ?? ""));
	}
	await act(sidebar.refresh);
	sidebar.prefillName();
	const wanted = decodeURIComponent(location.hash.slice(1));
	const first = state.users.find((u) => u.id === wanted) ?? state.users.at(-1);
	if (first) conversation.select(first.id);
	// A phone shows the chat first; with nobody to chat as yet, the form that creates someone.
	else if (isNarrow()) drawer.open();
	await act(broadcasts.poll);
	startPolling({
		chat: conversation.pollChat,
		log: log.poll,
		broadcasts: broadcasts.poll,
		state: sidebar.refresh,
	});
}

void start();

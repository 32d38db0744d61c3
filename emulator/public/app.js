/**
 * The emulator's chat page: test users, their conversations with the bot, the bot's keyboard,
 * fault injection and the raw JSON log. Plain DOM, kept fresh by polling `/api/*`.
 */

import { ATTACH, createTap } from "./actions.js";
import { ApiError, api, userPath } from "./api.js";
import { renderKeyboard } from "./buttons.js";
import { createControls } from "./controls.js";
import { createLog } from "./log.js";
import { renderItem, updateTicks } from "./messages.js";
import { avatar, h, icon, toast } from "./ui.js";

/**
 * @typedef {{ id: string; name: string; avatar?: string; language: string; country: string;
 *   api_version: number; phone: string; subscribed: boolean }} User
 * @typedef {import("./messages.js").ChatItem} ChatItem
 * @typedef {import("./buttons.js").Button} Button
 * @typedef {import("./controls.js").Settings} Settings
 */

const POLL_MS = 700;
/** `/api/state` (webhook, users, settings) is refreshed every this many polls. */
const STATE_EVERY = 4;
/** Bot messages younger than this are asked for again until they are seen (their ticks move). */
const TICKS_WATCH_MS = 2 * 60_000;
const NAMES = ["Ann Lee", "Bob Stone", "Chloé Martin", "Dmytro Koval", "Eva Novak", "Femi Ade"];

/** @template {HTMLElement} T @param {string} id @returns {T} */
const $ = (id) => /** @type {T} */ (document.getElementById(id));

const el = {
	webhook: $("webhook-url"),
	users: $("user-list"),
	noUsers: $("no-users"),
	newUser: /** @type {HTMLFormElement} */ ($("new-user-form")),
	title: $("chat-title"),
	context: /** @type {HTMLInputElement} */ ($("open-context")),
	open: /** @type {HTMLButtonElement} */ ($("open-conversation")),
	subscription: /** @type {HTMLButtonElement} */ ($("subscription")),
	logToggle: $("log-toggle"),
	logBadge: $("log-badge"),
	logPanel: $("log-panel"),
	chat: $("chat"),
	chatEmpty: $("chat-empty"),
	keyboard: $("keyboard"),
	composer: /** @type {HTMLFormElement} */ ($("composer")),
	input: /** @type {HTMLTextAreaElement} */ ($("composer-input")),
	send: /** @type {HTMLButtonElement} */ ($("send-button")),
	settings: /** @type {HTMLFormElement} */ ($("settings-form")),
	cron: /** @type {HTMLFormElement} */ ($("cron-form")),
};

const state = {
	/** @type {User[]} */ users: [],
	/** @type {string | undefined} */ userId: undefined,
	/** @type {User | undefined} */ user: undefined,
	/** @type {Map<number, { item: ChatItem; el: HTMLElement }>} */ items: new Map(),
	lastSeq: 0,
	keyboardSeq: 0,
	/** Bumped when another user is picked, so that late answers for the old one are dropped. */
	generation: 0,
	stickToBottom: true,
	rejectedUnseen: 0,
};

/** Runs an action, showing its error (an `{ error }` answer or a dead emulator) as a toast. */
async function act(/** @type {() => Promise<unknown>} */ action) {
	try {
		await action();
	} catch (error) {
		toast(error instanceof Error ? error.message : String(error));
	}
}

// --- users and state -------------------------------------------------------------------------

/** @param {{ webhook: { url: string; event_types?: string[] } | null; users: User[]; settings: Settings }} s */
function applyState(s) {
	el.webhook.replaceChildren(
		s.webhook
			? h(
					"span",
					{},
					h("span", { class: "dot on" }),
					h("code", {}, s.webhook.url),
					h(
						"span",
						{ class: "muted small block" },
						`events: ${(s.webhook.event_types ?? []).join(", ") || "all"}`,
					),
				)
			: h(
					"span",
					{},
					h("span", { class: "dot off" }),
					"no webhook set",
					h(
						"span",
						{ class: "muted small block" },
						"the bot calls set_webhook; `npm run dev` does it for you",
					),
				),
	);
	state.users = s.users;
	renderUsers();
	controls.applySettings(s.settings);
}

/** What the user list shows now: it is rebuilt only when this changes. */
let shownUsers = "";

function renderUsers() {
	const key = JSON.stringify([state.userId, state.users]);
	if (key === shownUsers) return;
	shownUsers = key;
	el.noUsers.hidden = state.users.length > 0;
	const scrolled = el.users.scrollTop;
	el.users.replaceChildren(
		...state.users.map((user) =>
			h(
				"li",
				{},
				h(
					"button",
					{
						type: "button",
						class: `user-item${user.id === state.userId ? " selected" : ""}`,
						"data-testid": "user-item",
						"data-user-id": user.id,
						onclick: () => select(user.id),
					},
					avatar(user),
					h(
						"span",
						{ class: "user-text" },
						h("span", { class: "user-name" }, user.name),
						h(
							"span",
							{ class: "muted small" },
							`${user.language}-${user.country} · api ${user.api_version}`,
						),
					),
					h("span", {
						class: `dot ${user.subscribed ? "on" : "off"}`,
						title: user.subscribed ? "subscribed" : "not subscribed",
					}),
				),
			),
		),
	);
	el.users.scrollTop = scrolled;
}

async function refreshState() {
	applyState(await api("GET", "/state"));
}

/** @param {string} id */
function select(id) {
	if (id === state.userId) return;
	state.userId = id;
	state.user = state.users.find((u) => u.id === id);
	state.generation += 1;
	state.items.clear();
	state.lastSeq = 0;
	state.keyboardSeq = -1;
	state.stickToBottom = true;
	el.chat.replaceChildren();
	el.keyboard.hidden = true;
	history.replaceState(null, "", `${location.search}#${encodeURIComponent(id)}`);
	for (const control of [el.open, el.subscription, el.input, el.send]) control.disabled = false;
	renderUsers();
	el.users.querySelector(".selected")?.scrollIntoView({ block: "nearest" });
	renderHeader();
	log.refilter();
	void act(pollChat);
	el.input.focus();
}

function renderHeader() {
	const user = state.user;
	if (!user) return;
	el.title.replaceChildren(
		avatar(user, 40),
		h(
			"div",
			{},
			h(
				"div",
				{ class: "user-name" },
				user.name,
				" ",
				h(
					"span",
					{ class: `pill ${user.subscribed ? "on" : "off"}`, "data-testid": "subscribed-state" },
					user.subscribed ? "subscribed" : "not subscribed",
				),
			),
			h("code", { class: "muted small", title: "user id" }, user.id),
		),
	);
	el.subscription.textContent = user.subscribed ? "Unsubscribe" : "Subscribe";
	el.subscription.dataset.action = user.subscribed ? "unsubscribe" : "subscribe";
}

// --- the chat --------------------------------------------------------------------------------

/** The seq to poll after: the last one, or earlier while recent bot messages may still change ticks. */
function pollFrom() {
	let after = state.lastSeq;
	const since = Date.now() - TICKS_WATCH_MS;
	for (const [seq, { item }] of state.items) {
		const moving = item.status === "sent" || item.status === "delivered";
		if (item.direction === "out" && moving && item.at > since && seq <= after) after = seq - 1;
	}
	return after;
}

async function pollChat() {
	const id = state.userId;
	if (!id) return;
	const generation = state.generation;
	const data = await api("GET", `${userPath(id)}/chat?after=${pollFrom()}`);
	if (generation !== state.generation) return;
	const changed = JSON.stringify(data.user) !== JSON.stringify(state.user);
	state.user = data.user;
	if (changed) {
		state.users = state.users.map((u) => (u.id === data.user.id ? data.user : u));
		renderUsers();
		renderHeader();
	}
	merge(/** @type {ChatItem[]} */ (data.items));
}

/** @param {ChatItem[]} items */
function merge(items) {
	let added = false;
	for (const item of items) {
		const known = state.items.get(item.seq);
		if (known) {
			if (known.item.status !== item.status) updateTicks(known.el, item.status);
			known.item = item;
			continue;
		}
		const node = renderItem(item, tap);
		for (const img of node.querySelectorAll("img")) img.addEventListener("load", keepAtBottom);
		state.items.set(item.seq, { item, el: node });
		el.chat.append(node);
		state.lastSeq = Math.max(state.lastSeq, item.seq);
		added = true;
	}
	if (added) {
		keepAtBottom();
		renderKeyboardOf();
	}
}

function keepAtBottom() {
	if (state.stickToBottom) el.chat.scrollTop = el.chat.scrollHeight;
}

/** The keyboard of the latest bot message that has one. */
function renderKeyboardOf() {
	let latest;
	for (const { item } of state.items.values()) {
		if (item.direction === "out" && item.message?.keyboard && (!latest || item.seq > latest.seq))
			latest = item;
	}
	if ((latest?.seq ?? 0) === state.keyboardSeq) return;
	state.keyboardSeq = latest?.seq ?? 0;
	const keyboard = latest?.message?.keyboard;
	el.keyboard.hidden = !keyboard;
	el.keyboard.replaceChildren(keyboard ? renderKeyboard(keyboard, tap) : "");
	el.composer.dataset.input = keyboard?.InputFieldState ?? "regular";
	keepAtBottom();
}

// --- what the user sends -----------------------------------------------------------------------

/**
 * Sends a message as the selected user; a silent one never shows as their bubble.
 *
 * @param {Record<string, unknown>} message
 * @param {boolean} [silent]
 */
async function send(message, silent = false) {
	const id = state.userId;
	if (!id) throw new ApiError("Pick or create a test user first", 0);
	state.stickToBottom = true;
	await api("POST", `${userPath(id)}/messages`, silent ? { message, silent } : { message });
	await pollChat();
}

const tapButton = createTap(send, () => state.user);
/** @param {Button} button */
const tap = (button) => void act(() => tapButton(button));

// --- wiring --------------------------------------------------------------------------------------

const controls = createControls({ settingsForm: el.settings, cronForm: el.cron, act });

const log = createLog({
	list: $("log-list"),
	onlyUser: /** @type {HTMLInputElement} */ ($("log-only-user")),
	userId: () => state.userId,
	onRejected(count) {
		if (!el.logPanel.hidden) return;
		state.rejectedUnseen += count;
		el.logBadge.textContent = String(state.rejectedUnseen);
		el.logBadge.hidden = false;
	},
});

function toggleLog(open = el.logPanel.hidden) {
	el.logPanel.hidden = !open;
	el.logToggle.setAttribute("aria-pressed", String(open));
	if (open) {
		state.rejectedUnseen = 0;
		el.logBadge.hidden = true;
		const list = $("log-list");
		list.scrollTop = list.scrollHeight;
	}
}

el.newUser.addEventListener("submit", (event) => {
	event.preventDefault();
	void act(async () => {
		const form = new FormData(el.newUser);
		const field = (/** @type {string} */ name) => String(form.get(name) ?? "").trim();
		const user = /** @type {User} */ (
			await api("POST", "/users", {
				name: field("name"),
				...(field("avatar") ? { avatar: field("avatar") } : {}),
				language: field("language") || "en",
				country: (field("country") || "GB").toUpperCase(),
				api_version: Number(field("api_version") || 10),
				phone: field("phone") || "+441234567890",
			})
		);
		state.users = [...state.users.filter((u) => u.id !== user.id), user];
		/** @type {HTMLInputElement} */ (el.newUser.elements.namedItem("name")).value = "";
		prefillName();
		select(user.id);
	});
});

/** Suggests a name not taken yet, unless someone already typed one. */
function prefillName() {
	const input = /** @type {HTMLInputElement} */ (el.newUser.elements.namedItem("name"));
	if (input.value !== "" && input.value !== input.dataset.suggested) return;
	const taken = new Set(state.users.map((u) => u.name));
	input.value = NAMES.find((name) => !taken.has(name)) ?? `Test user ${state.users.length + 1}`;
	input.dataset.suggested = input.value;
}

el.open.addEventListener("click", () =>
	act(async () => {
		const id = state.userId;
		if (!id) return;
		const context = el.context.value.trim();
		state.stickToBottom = true;
		await api("POST", `${userPath(id)}/open`, context ? { context } : {});
		await pollChat();
	}),
);

el.subscription.addEventListener("click", () =>
	act(async () => {
		const id = state.userId;
		if (!id || !state.user) return;
		await api("POST", `${userPath(id)}/${state.user.subscribed ? "unsubscribe" : "subscribe"}`);
		await pollChat();
	}),
);

el.composer.addEventListener("submit", (event) => {
	event.preventDefault();
	const text = el.input.value;
	if (text.trim() === "") return;
	void act(async () => {
		el.input.value = "";
		growInput();
		try {
			await send({ type: "text", text });
		} catch (error) {
			if (el.input.value === "") el.input.value = text;
			throw error;
		}
	});
});

el.input.addEventListener("keydown", (event) => {
	if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
		event.preventDefault();
		el.composer.requestSubmit();
	}
});

function growInput() {
	el.input.style.height = "auto";
	el.input.style.height = `${Math.min(el.input.scrollHeight, 140)}px`;
}
el.input.addEventListener("input", growInput);

for (const button of el.composer.querySelectorAll("[data-send]")) {
	button.addEventListener("click", () =>
		act(async () => {
			if (!state.userId) throw new ApiError("Pick or create a test user first", 0);
			const make = ATTACH[/** @type {HTMLElement} */ (button).dataset.send ?? ""];
			const message = make && (await make());
			if (message) await send(message);
		}),
	);
}

el.chat.addEventListener("scroll", () => {
	state.stickToBottom = el.chat.scrollHeight - el.chat.scrollTop - el.chat.clientHeight < 40;
});

el.logToggle.addEventListener("click", () => toggleLog());
$("log-close").addEventListener("click", () => toggleLog(false));

// --- polling -----------------------------------------------------------------------------------

let polls = 0;
let lastError = "";

async function poll() {
	if (!document.hidden) {
		try {
			await Promise.all([
				pollChat(),
				log.poll(),
				polls % STATE_EVERY === STATE_EVERY - 1 ? refreshState() : undefined,
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

async function start() {
	for (const node of document.querySelectorAll("[data-icon]")) {
		node.prepend(icon(/** @type {HTMLElement} */ (node).dataset.icon ?? ""));
	}
	await act(refreshState);
	prefillName();
	const wanted = decodeURIComponent(location.hash.slice(1));
	const first = state.users.find((u) => u.id === wanted) ?? state.users.at(-1);
	if (first) select(first.id);
	setTimeout(poll, POLL_MS);
}

void start();

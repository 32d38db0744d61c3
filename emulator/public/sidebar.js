/** The sidebar: the webhook's status, the test users, and the form that creates one. */
import { api } from "./api.js";
import { state } from "./state.js";
import { act, avatar, h } from "./ui.js";

/**
 * @typedef {import("./state.js").User} User
 * @typedef {import("./controls.js").Settings} Settings
 * @typedef {{ webhook: { url: string; event_types?: string[] } | null; users: User[];
 *   settings: Settings }} PageState what `GET /api/state` answers
 */

/** Names suggested for new test users, the first one not taken yet. */
const NAMES = ["Ann Lee", "Bob Stone", "Chloé Martin", "Dmytro Koval", "Eva Novak", "Femi Ade"];

/** @param {PageState["webhook"]} webhook */
const webhookStatus = (webhook) =>
	webhook
		? h(
				"span",
				{},
				h("span", { class: "dot on" }),
				h("code", {}, webhook.url),
				h(
					"span",
					{ class: "muted small block events" },
					"events: ",
					// Each name stays whole on its line ("conversation_started" never breaks).
					(webhook.event_types ?? []).flatMap((event, i) => [
						i > 0 ? ", " : "",
						h("span", { class: "event-name" }, event),
					]),
					webhook.event_types?.length ? "" : "all",
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
			);

/**
 * Shows `state.users` and `GET /api/state`; a click on a user, or creating one, calls `select`.
 *
 * @param {{ webhook: HTMLElement; users: HTMLElement; noUsers: HTMLElement;
 *   newUser: HTMLFormElement; applySettings: (settings: Settings) => void;
 *   select: (id: string) => void }} options
 */
export function createSidebar({ webhook, users, noUsers, newUser, applySettings, select }) {
	/** What the user list shows now: it is rebuilt only when this changes. */
	let shownUsers = "";

	function renderUsers() {
		const key = JSON.stringify([state.userId, state.users]);
		if (key === shownUsers) return;
		shownUsers = key;
		noUsers.hidden = state.users.length > 0;
		const scrolled = users.scrollTop;
		users.replaceChildren(
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
		users.scrollTop = scrolled;
	}

	/** Shows a newly selected user as such, scrolled into view. */
	function showSelected() {
		renderUsers();
		users.querySelector(".selected")?.scrollIntoView({ block: "nearest" });
	}

	/** Reads `GET /api/state`: the webhook, the users and the fault-injection settings. */
	async function refresh() {
		const s = /** @type {PageState} */ (await api("GET", "/state"));
		webhook.replaceChildren(webhookStatus(s.webhook));
		state.users = s.users;
		renderUsers();
		applySettings(s.settings);
	}

	const nameInput = /** @type {HTMLInputElement} */ (newUser.elements.namedItem("name"));

	/** Suggests a name not taken yet, unless someone already typed one. */
	function prefillName() {
		if (nameInput.value !== "" && nameInput.value !== nameInput.dataset.suggested) return;
		const taken = new Set(state.users.map((u) => u.name));
		nameInput.value =
			NAMES.find((name) => !taken.has(name)) ?? `Test user ${state.users.length + 1}`;
		nameInput.dataset.suggested = nameInput.value;
	}

	newUser.addEventListener("submit", (event) => {
		event.preventDefault();
		void act(async () => {
			const form = new FormData(newUser);
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
			nameInput.value = "";
			prefillName();
			select(user.id);
		});
	});

	return { refresh, renderUsers, showSelected, prefillName };
}

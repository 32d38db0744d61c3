/** The narrow layout: the sidebar slides in as a drawer over the chat, and slides out again. */

/** Below this width the sidebar is a drawer (keep in step with `responsive.css`). */
export const NARROW = "(max-width: 759px)";

/** True while the page is laid out for a phone: the sidebar is a drawer, the log covers the chat. */
export const isNarrow = () => matchMedia(NARROW).matches;

/**
 * Wires the menu button, the scrim behind the open drawer, the Escape key and every
 * `[data-opens=sidebar]` and `[data-closes=sidebar]` button. On a wide page the sidebar is
 * always shown and this does nothing.
 *
 * @example const drawer = createDrawer(elements); drawer.close(); // after a user was picked
 * @param {{ app: HTMLElement; sidebar: HTMLElement; toggle: HTMLElement; scrim: HTMLElement }} elements
 */
export function createDrawer({ app, sidebar, toggle, scrim }) {
	/** @param {boolean} open */
	function set(open) {
		app.dataset.drawer = open ? "open" : "closed";
		toggle.setAttribute("aria-expanded", String(open));
		scrim.hidden = !open;
		// A closed drawer is off screen: keep Tab and screen readers out of it.
		sidebar.inert = !open && isNarrow();
	}

	const open = () => set(true);
	const close = () => set(false);

	toggle.addEventListener("click", () => set(app.dataset.drawer !== "open"));
	scrim.addEventListener("click", close);
	for (const button of document.querySelectorAll("[data-opens=sidebar]"))
		button.addEventListener("click", open);
	for (const button of document.querySelectorAll("[data-closes=sidebar]"))
		button.addEventListener("click", close);
	document.addEventListener("keydown", (event) => {
		if (event.key === "Escape" && app.dataset.drawer === "open") close();
	});
	// Turning a tablet or widening the window: the sidebar is a column again, never inert.
	matchMedia(NARROW).addEventListener("change", close);
	close();

	return { open, close };
}

/** The "Raw JSON" button: opens and closes the log panel, and counts rejections seen while closed. */

/**
 * Wires the toggle and the panel's close button. Pass `onRejected` to `createLog`: while the
 * panel is closed, the toggle's badge adds up the rejected calls and callbacks it reports.
 *
 * @example const toggle = createLogToggle(elements); createLog({ ...options, onRejected: toggle.onRejected });
 * @param {{ toggle: HTMLElement; badge: HTMLElement; panel: HTMLElement; close: HTMLElement;
 *   list: HTMLElement }} elements
 */
export function createLogToggle({ toggle, badge, panel, close, list }) {
	let rejectedUnseen = 0;

	/** Opens or closes the panel; without `open`, flips it. */
	function toggleLog(open = panel.hidden) {
		panel.hidden = !open;
		toggle.setAttribute("aria-pressed", String(open));
		if (open) {
			rejectedUnseen = 0;
			badge.hidden = true;
			list.scrollTop = list.scrollHeight;
		}
	}

	toggle.addEventListener("click", () => toggleLog());
	close.addEventListener("click", () => toggleLog(false));
	// Escape closes it too (on a phone it covers the chat), unless a dialog takes the key.
	document.addEventListener("keydown", (event) => {
		if (event.key === "Escape" && !panel.hidden && !document.querySelector("dialog[open]"))
			toggleLog(false);
	});

	/** @param {number} count */
	function onRejected(count) {
		if (!panel.hidden) return;
		rejectedUnseen += count;
		badge.textContent = String(rejectedUnseen);
		badge.hidden = false;
	}

	return { onRejected };
}

/** The sidebar's cron runner and fault-injection settings (`POST /api/cron`, `PUT /api/settings`). */
import { api } from "./api.js";
import { toast } from "./ui.js";

/**
 * @typedef {{ receiptDelayMs: number; apiErrorRate: number; tooManyRequestsRate: number;
 *   apiDelayMs: number; duplicateCallbacks: number; reorderCallbacks: boolean }} Settings
 */

/**
 * Wires both forms, showing errors through `act`. `applySettings` shows settings read elsewhere
 * (from `GET /api/state`), leaving alone the field being edited.
 *
 * @param {{ settingsForm: HTMLFormElement; cronForm: HTMLFormElement;
 *   act: (action: () => Promise<unknown>) => Promise<void> }} forms
 */
export function createControls({ settingsForm, cronForm, act }) {
	/** @param {Settings} settings */
	function applySettings(settings) {
		for (const [name, value] of Object.entries(settings)) {
			const input = /** @type {HTMLInputElement | null} */ (settingsForm.elements.namedItem(name));
			if (!input || input === document.activeElement) continue;
			if (input.type === "checkbox") input.checked = value === true;
			else input.value = String(value);
			showRange(input);
		}
	}

	/** @param {HTMLInputElement} input */
	function showRange(input) {
		const out = input.nextElementSibling;
		if (input.type === "range" && out instanceof HTMLOutputElement)
			out.value = `${Math.round(Number(input.value) * 100)}%`;
	}

	cronForm.addEventListener("submit", (event) => {
		event.preventDefault();
		void act(async () => {
			const cron = String(new FormData(cronForm).get("cron") ?? "").trim();
			const result = await api("POST", "/cron", { cron });
			if (result.ok) toast(`Cron "${cron}" ran (HTTP ${result.status})`, "info");
			else
				toast(
					`Cron "${cron}" failed: HTTP ${result.status || "no answer"}. Does the bot have a job for it? Its terminal shows the error`,
				);
		});
	});

	settingsForm.addEventListener("input", (event) =>
		showRange(/** @type {HTMLInputElement} */ (event.target)),
	);
	settingsForm.addEventListener("change", (event) => {
		const input = /** @type {HTMLInputElement} */ (event.target);
		const value = input.type === "checkbox" ? input.checked : Number(input.value);
		void act(async () => applySettings(await api("PUT", "/settings", { [input.name]: value })));
	});

	return { applySettings };
}

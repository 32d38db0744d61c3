/** The composer: the text box (Enter sends, Shift+Enter breaks the line) and the attach buttons. */
import { ATTACH } from "./actions.js";
import { ApiError } from "./api.js";
import { state } from "./state.js";
import { act } from "./ui.js";

/** The text box grows with its text up to this height, in pixels, then scrolls. */
const MAX_INPUT_HEIGHT = 140;

/**
 * Wires the composer to `send`, which sends as the selected user. A text that could not be sent
 * goes back into the box, unless something else was typed there meanwhile.
 *
 * @example createComposer({ form, input, send: conversation.send });
 * @param {{ form: HTMLFormElement; input: HTMLTextAreaElement;
 *   send: (message: Record<string, unknown>) => Promise<void> }} options
 */
export function createComposer({ form, input, send }) {
	/** Fits the box to its text; scrollHeight leaves out the borders, which the height includes. */
	function growInput() {
		input.style.height = "";
		input.style.overflowY = "";
		if (input.value === "") return;
		const borders = input.offsetHeight - input.clientHeight;
		const wanted = input.scrollHeight + borders;
		input.style.height = `${Math.min(wanted, MAX_INPUT_HEIGHT)}px`;
		if (wanted > MAX_INPUT_HEIGHT) input.style.overflowY = "auto";
	}

	form.addEventListener("submit", (event) => {
		event.preventDefault();
		const text = input.value;
		if (text.trim() === "") return;
		void act(async () => {
			input.value = "";
			growInput();
			try {
				await send({ type: "text", text });
			} catch (error) {
				if (input.value === "") input.value = text;
				throw error;
			}
		});
	});

	input.addEventListener("keydown", (event) => {
		if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
			event.preventDefault();
			form.requestSubmit();
		}
	});
	input.addEventListener("input", growInput);

	for (const button of form.querySelectorAll("[data-send]")) {
		button.addEventListener("click", () =>
			act(async () => {
				if (!state.userId) throw new ApiError("Pick or create a test user first", 0);
				const make = ATTACH[/** @type {HTMLElement} */ (button).dataset.send ?? ""];
				const message = make && (await make());
				if (message) await send(message);
			}),
		);
	}
}

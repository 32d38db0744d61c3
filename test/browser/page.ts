/** What the browser tests look for on the chat page, and how they check that it fits. */
import type { Page } from "playwright-core";
import { expect } from "vitest";

/** A chat item from the bot ("out"), the user ("in") or an event line that contains `text`. */
export const chatItem = (page: Page, direction: "in" | "out" | "event", text: string | RegExp) =>
	page
		.locator(`[data-testid=chat-item][data-direction=${direction}]`)
		.filter({ hasText: text })
		.last();

export const keyboardButton = (page: Page, text: string) =>
	page.getByTestId("keyboard-button").filter({ hasText: new RegExp(`^${text}$`) });

/** The newest log row of one API call or callback, by its name. */
export const logRow = (page: Page, name: string) =>
	page
		.getByTestId("log-entry")
		.filter({ has: page.locator(".name", { hasText: new RegExp(`^${name}$`) }) })
		.last();

/** The labels of a log row's answer, by kind: `{ http: "HTTP 200", viber: "status 0 ok" }`. */
export async function outcomeOf(page: Page, name: string): Promise<Record<string, string>> {
	const row = logRow(page, name);
	await row.waitFor();
	return row
		.locator("[data-testid=log-outcome] [data-kind]")
		.evaluateAll((labels) =>
			Object.fromEntries(
				labels.map((l) => [(l as HTMLElement).dataset.kind ?? "", l.textContent ?? ""]),
			),
		);
}

/** Nothing sticks out to the right: no sideways scrolling, every control on screen. */
export async function expectFitsWidth(page: Page, width: number) {
	const widest = await page.evaluate(() => {
		const controls = document.querySelectorAll(
			".chat-header button, .chat-header input, .composer button, .composer textarea, .keyboard button",
		);
		const rights = [...controls]
			.filter((el) => (el as HTMLElement).offsetParent !== null)
			.map((el) => el.getBoundingClientRect().right);
		const chat = document.getElementById("chat");
		return {
			page: document.documentElement.scrollWidth,
			controls: Math.max(0, ...rights),
			chatScrollsSideways: chat ? chat.scrollWidth > chat.clientWidth : false,
		};
	});
	expect(widest.page).toBeLessThanOrEqual(width);
	expect(widest.controls).toBeLessThanOrEqual(width);
	expect(widest.chatScrollsSideways).toBe(false);
}

/** The text box is back to one line with nothing to scroll once its text was sent. */
export async function expectEmptyComposerFits(page: Page) {
	const input = page.getByTestId("composer-input");
	await expect.poll(() => input.inputValue()).toBe("");
	const box = await input.evaluate((el) => ({ scroll: el.scrollHeight, client: el.clientHeight }));
	expect(box.scroll).toBeLessThanOrEqual(box.client);
}

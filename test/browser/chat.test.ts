/**
 * The emulator's chat page in a real browser, on a desktop (1280 px) and on a phone (390 px):
 * `scripts/dev.mjs` starts the bot and the emulator and sets the webhook; then the webhook is
 * pointed at the test's own bot (fake-bot.ts), so that whatever `src/bot.ts` holds, only the
 * page is tested. Headless Chromium plays the user. Runs in Node (vitest project "browser").
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOT_PORT, ROOT, START_TIMEOUT_MS, startDev, stopDev } from "./dev-server";
import { type FakeBot, MORNING, startFakeBot, WELCOME } from "./fake-bot";
import {
	chatItem,
	expectEmptyComposerFits,
	expectFitsWidth,
	keyboardButton,
	logRow,
	outcomeOf,
} from "./page";

const CHROMIUM = "/usr/bin/chromium";
// The README's pictures are refreshed on request (`npm run screenshot`), so a test run leaves the
// tree clean; every run still saves them where they can be looked at.
const SCREENSHOTS =
	process.env.UPDATE_SCREENSHOT === "1" ? join(ROOT, "docs") : join(ROOT, ".wrangler", "test");
/** Each step waits at most this long for the page (2 cores, two workerd processes). */
const STEP_MS = 15_000;
/** The test's own bot listens here. */
const FAKE_BOT_PORT = 8730;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const CHROMIUM_ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--disable-dev-shm-usage",
];

const required = process.env.REQUIRE_BROWSER === "1";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !required) {
	console.warn(
		`test/browser skipped: no Chromium at ${CHROMIUM}. \`apt-get install -y chromium\` enables it (REQUIRE_BROWSER=1 makes this a failure).`,
	);
}

async function screenshot(page: Page, name: string) {
	mkdirSync(SCREENSHOTS, { recursive: true });
	await page.screenshot({ path: join(SCREENSHOTS, `chat-${name}.png`) });
}

describe.skipIf(!hasChromium && !required)("chat page", () => {
	let dev: ChildProcess | undefined;
	let persistTo: string | undefined;
	let browser: Browser;
	let chatUrl: string;
	let bot: FakeBot | undefined;

	beforeAll(async () => {
		if (!hasChromium) {
			throw new Error(
				`REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\``,
			);
		}
		persistTo = mkdtempSync(join(tmpdir(), "viber-chat-test-"));
		const started = startDev(persistTo);
		dev = started.child;
		const { chromium } = await import("playwright-core");
		[chatUrl, browser] = await Promise.all([
			started.url,
			chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
		]);
		// `npm run dev` set the webhook to its bot; the test's own bot takes over from here.
		const state = (await (await fetch(new URL("/api/state", chatUrl))).json()) as {
			webhook: { url: string } | null;
		};
		expect(state.webhook?.url).toBe(`http://127.0.0.1:${BOT_PORT}/webhook`);
		const token = await botToken();
		bot = await startFakeBot({ port: FAKE_BOT_PORT, api: new URL("/pa", chatUrl).href, token });
		expect(await callApi(token, "set_webhook", { url: bot.url })).toMatchObject({ status: 0 });
	}, START_TIMEOUT_MS + 15_000);

	afterAll(async () => {
		await browser?.close().catch(() => {});
		await bot?.close();
		if (dev) await stopDev(dev);
		if (persistTo) rmSync(persistTo, { recursive: true, force: true });
	}, 30_000);

	const fakeBot = () => {
		if (!bot) throw new Error("the test's bot did not start");
		return bot;
	};

	async function open(viewport: { width: number; height: number }, touch = false) {
		const page = await browser.newPage({ viewport, isMobile: touch, hasTouch: touch });
		page.setDefaultTimeout(STEP_MS);
		await page.goto(chatUrl);
		return page;
	}

	/** The page on a desktop, once the test's bot is its webhook, with a user created there. */
	async function openAsNewUser(name: string) {
		const page = await open(DESKTOP);
		await page.getByTestId("webhook-status").filter({ hasText: fakeBot().url }).waitFor();
		await page.getByTestId("new-user-name").fill(name);
		await page.getByTestId("create-user").click();
		await page.getByTestId("user-item").filter({ hasText: name }).waitFor();
		return page;
	}

	it("chats on a desktop: welcome, keyboard, carousel, echo, the log", async () => {
		const page = await openAsNewUser("Ann Tester");

		await page.getByTestId("open-conversation").click();
		await chatItem(page, "out", WELCOME).waitFor();
		await keyboardButton(page, "Ping").click();
		await chatItem(page, "in", "ping").waitFor();
		await chatItem(page, "out", "pong").waitFor();

		await keyboardButton(page, "A carousel").click();
		await page.getByTestId("carousel-card").filter({ hasText: "Coffee" }).waitFor();

		const text = "Hello from the browser!\nA second line.";
		await page.getByTestId("composer-input").fill(text);
		await page.getByTestId("send-button").click();
		await chatItem(page, "in", "Hello from the browser!").waitFor();
		const echo = chatItem(page, "out", "Hello from the browser!");
		await echo.waitFor();
		expect(await echo.textContent()).toContain("A second line.");
		// Delivered, then seen: the ticks turn blue.
		await echo.locator("[data-testid=ticks][data-status=seen]").waitFor();
		await expectEmptyComposerFits(page);

		// The log keeps HTTP statuses and Viber's apart, and names whole.
		await page.getByTestId("log-toggle").click();
		expect(await outcomeOf(page, "send_message")).toEqual({
			http: "HTTP 200",
			viber: "status 0 ok",
		});
		expect(await outcomeOf(page, "conversation_started")).toEqual({ http: "HTTP 200" });
		const name = logRow(page, "conversation_started").locator(".name");
		expect(await name.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
		await expectFitsWidth(page, DESKTOP.width);

		await screenshot(page, "desktop");

		// An outage scripted in the emulator shows as the HTTP status it is, marked as a failure.
		expect(fakeBot().refusals).toEqual([]);
		await scriptFault({ endpoint: "send_message", httpStatus: 503 });
		await page.getByTestId("composer-input").fill("Meet an outage");
		await page.getByTestId("send-button").click();
		const outage = page.getByTestId("log-entry").filter({ hasText: "HTTP 503" }).last();
		await outage.locator("[data-kind=http].bad").waitFor();
		expect(await outage.locator("[data-kind=viber]").count()).toBe(0);
		await expect.poll(() => fakeBot().refusals).toEqual([{ http: 503 }]);
		fakeBot().refusals.length = 0;
		await page.keyboard.press("Escape");
		await page.getByTestId("log-panel").waitFor({ state: "hidden" });
		await page.close();
	});

	it("chats on a phone: the sidebar as a drawer, a tap on the keyboard, the log over the chat", async () => {
		const page = await open(PHONE, true);
		const sidebar = page.getByTestId("sidebar");
		// With users already there the chat comes first; with none, the drawer that creates one.
		if (!(await page.getByTestId("users-toggle").getAttribute("aria-expanded"))?.includes("true"))
			await page.getByTestId("users-toggle").tap();
		await page.getByTestId("new-user-name").fill("Bo Phone");
		await page.getByTestId("create-user").tap();
		await sidebar.waitFor({ state: "hidden" });
		await expectFitsWidth(page, PHONE.width);

		await page.getByTestId("open-conversation").tap();
		const welcome = chatItem(page, "out", WELCOME);
		await welcome.waitFor();
		// A bubble is as wide as its text allows, not one letter per line.
		const bubble = await welcome.locator(".bubble").boundingBox();
		expect(bubble?.width).toBeGreaterThan(200);
		expect(bubble?.height).toBeLessThan(100);

		await keyboardButton(page, "Ping").tap();
		await chatItem(page, "out", "pong").waitFor();
		await keyboardButton(page, "A carousel").tap();
		await page.getByTestId("carousel-card").filter({ hasText: "Coffee" }).waitFor();
		await expectFitsWidth(page, PHONE.width);
		await screenshot(page, "phone");

		// Viber hides the keyboard when the bot's latest message has none.
		await keyboardButton(page, "No keyboard").tap();
		await chatItem(page, "out", "This message has no keyboard.").waitFor();
		await page.getByTestId("keyboard").waitFor({ state: "hidden" });

		await page.getByTestId("composer-input").fill("Typed on a phone");
		await page.getByTestId("send-button").tap();
		await chatItem(page, "out", "Typed on a phone").waitFor();
		await expectEmptyComposerFits(page);

		// The log covers the chat, and says how each call was answered.
		await page.getByTestId("log-toggle").tap();
		const panel = await page.getByTestId("log-panel").boundingBox();
		expect(panel?.width).toBe(PHONE.width);
		expect(await outcomeOf(page, "send_message")).toEqual({
			http: "HTTP 200",
			viber: "status 0 ok",
		});
		expect(await outcomeOf(page, "conversation_started")).toEqual({ http: "HTTP 200" });
		await expectFitsWidth(page, PHONE.width);
		await page.getByTestId("log-close").tap();
		await page.getByTestId("log-panel").waitFor({ state: "hidden" });

		// The menu brings the sidebar back, and a tap beside it closes it.
		await page.getByTestId("users-toggle").tap();
		await page.getByTestId("user-item").filter({ hasText: "Bo Phone" }).waitFor();
		await page.mouse.click(PHONE.width - 10, PHONE.height / 2);
		await sidebar.waitFor({ state: "hidden" });
		expect(fakeBot().refusals).toEqual([]);
		await page.close();
	});

	it("runs cron: the bot's broadcast reaches every chat, and the sidebar shows its progress", async () => {
		// Someone who wrote to the bot, whatever the tests before did.
		const page = await openAsNewUser("Cy Cron");
		await page.getByTestId("composer-input").fill("Wake me at nine");
		await page.getByTestId("send-button").click();
		await chatItem(page, "out", "Wake me at nine").waitFor();
		const writers = fakeBot().writers.size;

		await page.locator("summary", { hasText: "Cron" }).click();
		expect(await page.getByTestId("cron-input").inputValue()).toBe("0 9 * * *");
		await page.getByTestId("cron-button").click();
		await page.getByTestId("toast").filter({ hasText: 'Cron "0 9 * * *" ran' }).waitFor();
		// Each writer's copy is sent, then delivered and seen; the stranger is in failed_list with 5.
		const progress = page.getByTestId("broadcast-item").filter({ hasText: MORNING }).first();
		const counts = `${writers + 1} receivers · ${writers} sent · ${writers} delivered · ${writers} seen · 1 failed: 1 unknown`;
		await progress.getByTestId("broadcast-counts").filter({ hasText: counts }).waitFor();
		const morning = chatItem(page, "out", "Good morning, Cy Cron!");
		await morning.locator("[data-testid=ticks][data-status=seen]").waitFor();
		await expectFitsWidth(page, DESKTOP.width);
		expect(fakeBot().refusals).toEqual([]);
		await page.close();

		// On a phone the panel is in the drawer, as wide as the drawer allows.
		const phone = await open(PHONE, true);
		await phone.getByTestId("users-toggle").tap();
		const row = phone.getByTestId("broadcast-item").filter({ hasText: MORNING }).first();
		await row.scrollIntoViewIfNeeded();
		const box = await row.boundingBox();
		expect(box && box.x + box.width).toBeLessThanOrEqual(PHONE.width);
		await expectFitsWidth(phone, PHONE.width);
		await phone.close();
	});

	/** Makes the emulator's Viber API fail the next matching call (POST /_fake/faults). */
	async function scriptFault(rule: Record<string, unknown>) {
		const res = await fetch(new URL("/_fake/faults", chatUrl), {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify(rule),
		});
		expect(res.ok).toBe(true);
	}

	/** The token `npm run dev` gave the bot, as its set_webhook call recorded it. */
	async function botToken(): Promise<string> {
		const res = await fetch(new URL("/_fake/requests?endpoint=set_webhook", chatUrl));
		const { requests } = (await res.json()) as { requests: { token: string }[] };
		return requests.at(-1)?.token ?? "";
	}

	/** Calls the emulator's Viber API as the bot. */
	async function callApi(token: string, endpoint: string, body: unknown): Promise<unknown> {
		const res = await fetch(new URL(`/pa/${endpoint}`, chatUrl), {
			method: "POST",
			headers: { "content-type": "application/json", "x-viber-auth-token": token },
			body: JSON.stringify(body),
		});
		return res.json();
	}
});

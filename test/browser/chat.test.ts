/**
 * The emulator's chat page in a real browser: `scripts/dev.mjs` runs the demo bot and the
 * emulator, headless Chromium plays the user. Runs in Node (vitest project "browser").
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// The README's picture is refreshed on request (`npm run screenshot`), so a test run leaves the
// tree clean; every run still saves one where it can be looked at.
const SCREENSHOT =
	process.env.UPDATE_SCREENSHOT === "1"
		? join(ROOT, "docs", "chat.png")
		: join(ROOT, ".wrangler", "test", "chat.png");
const BOT_PORT = 18787;
const EMULATOR_PORT = 18788;
const START_TIMEOUT_MS = 60_000;
/** Each step waits at most this long for the page (2 cores, two workerd processes). */
const STEP_MS = 15_000;
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

/** Starts `scripts/dev.mjs` and resolves with the chat URL it prints. */
function startDev(persistTo: string): { child: ChildProcess; url: Promise<string> } {
	const child = spawn(
		process.execPath,
		[
			"scripts/dev.mjs",
			"--bot-port",
			String(BOT_PORT),
			"--emulator-port",
			String(EMULATOR_PORT),
			"--persist-to",
			persistTo,
		],
		{ cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] },
	);
	let output = "";
	const url = new Promise<string>((resolve, reject) => {
		const timer = setTimeout(
			() =>
				reject(
					new Error(`scripts/dev.mjs printed no chat URL in ${START_TIMEOUT_MS} ms:\n${output}`),
				),
			START_TIMEOUT_MS,
		);
		const read = (chunk: Buffer) => {
			output += chunk.toString();
			const match = /Chat with your bot: (http\S+)/.exec(output);
			if (match?.[1]) {
				clearTimeout(timer);
				resolve(match[1]);
			}
		};
		child.stdout?.on("data", read);
		child.stderr?.on("data", read);
		child.once("exit", (code, signal) => {
			clearTimeout(timer);
			reject(
				new Error(`scripts/dev.mjs exited (${signal ?? code}) before it was ready:\n${output}`),
			);
		});
	});
	return { child, url };
}

/** Stops dev.mjs and the wrangler processes it started (each in its own process group). */
async function stopDev(child: ChildProcess): Promise<void> {
	if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	try {
		process.kill(-child.pid, "SIGTERM");
	} catch {
		return;
	}
	const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 10_000));
	if ((await Promise.race([exited, timeout])) === "timeout") {
		try {
			process.kill(-child.pid, "SIGKILL");
		} catch {}
	}
}

describe.skipIf(!hasChromium && !required)("chat page", () => {
	let dev: ChildProcess | undefined;
	let persistTo: string | undefined;
	let browser: Browser | undefined;
	let page: Page;
	let chatUrl: string;

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
		page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
		page.setDefaultTimeout(STEP_MS);
	}, START_TIMEOUT_MS + 15_000);

	afterAll(async () => {
		await browser?.close().catch(() => {});
		if (dev) await stopDev(dev);
		if (persistTo) rmSync(persistTo, { recursive: true, force: true });
	}, 30_000);

	/** Waits for a chat item from the bot ("out") or the user ("in") that contains `text`. */
	const chatItem = (direction: "in" | "out" | "event", text: string | RegExp) =>
		page
			.locator(`[data-testid=chat-item][data-direction=${direction}]`)
			.filter({ hasText: text })
			.last();

	it("chats with the demo bot: welcome, keyboard, carousel, echo", async () => {
		await page.goto(chatUrl);
		await page
			.getByTestId("webhook-status")
			.filter({ hasText: `127.0.0.1:${BOT_PORT}/webhook` })
			.waitFor();

		await page.getByTestId("new-user-name").fill("Ann Tester");
		await page.getByTestId("create-user").click();
		await page.getByTestId("user-item").filter({ hasText: "Ann Tester" }).waitFor();

		await page.getByTestId("open-conversation").click();
		await chatItem("out", "Hi Ann Tester! Say something, or tap a button.").waitFor();
		await page
			.getByTestId("keyboard-button")
			.filter({ hasText: /^Help$/ })
			.waitFor();

		await page
			.getByTestId("keyboard-button")
			.filter({ hasText: /^Help$/ })
			.click();
		await chatItem("out", "I echo what you write").waitFor();

		await page
			.getByTestId("keyboard-button")
			.filter({ hasText: /^A carousel$/ })
			.click();
		await page.getByTestId("carousel-card").filter({ hasText: "Coffee" }).waitFor();

		const text = "Hello from the browser!\nA second line.";
		await page.getByTestId("composer-input").fill(text);
		await page.getByTestId("send-button").click();
		await chatItem("in", "Hello from the browser!").waitFor();
		const echo = chatItem("out", "Hello from the browser!");
		await echo.waitFor();
		expect(await echo.textContent()).toContain("A second line.");
		// Delivered, then seen: the ticks turn blue.
		await echo.locator("[data-testid=ticks][data-status=seen]").waitFor();

		mkdirSync(dirname(SCREENSHOT), { recursive: true });
		await page.screenshot({ path: SCREENSHOT });
	});
});

/** What `npm run dev` shows of wrangler's lines, and how it notices a bot that does not build. */
import { describe, expect, it } from "vitest";
import { BuildWatch, classify } from "../../scripts/dev/output";

const RED = "\x1b[31m";
const RESET = "\x1b[0m";

describe("classify", () => {
	it("drops the chat page's polling and assets, keeps the emulator's Viber API calls", () => {
		expect(classify("emulator", "[wrangler:info] GET /api/log?after=12 200 OK (3ms)")).toBe("drop");
		expect(classify("emulator", "[wrangler:info] GET /app.js 304 Not Modified (1ms)")).toBe("drop");
		expect(classify("emulator", "[wrangler:info] POST /pa/send_message 200 OK (9ms)")).toBe(
			"quiet",
		);
		expect(classify("bot", "[wrangler:info] POST /webhook 200 OK (7ms)")).toBe("quiet");
	});

	it("drops wrangler's start-up chatter and the secret warning npm run dev makes false", () => {
		const chatter = [
			" ⛅️ wrangler 4.164.0",
			"────────────────────",
			"Your Worker has access to the following bindings:",
			"Binding                                Resource                  Mode",
			'env.BOT_NAME ("Demo Bot")              Environment Variable      local',
			"⎔ Starting local server...",
			"[wrangler:info] Ready on http://127.0.0.1:8787",
			"Using secrets defined in process.env",
			`${RED}▲ [WARNING]${RESET} Missing required secrets: VIBER_AUTH_TOKEN. Add them to .dev.vars, .env, or set as environment variables.`,
			"   ",
			// The cron hint names wrangler's internal port; dev prints its own.
			`${RED}▲ [WARNING]${RESET} Scheduled Workers are not automatically triggered during local development.`,
			"  To manually trigger a scheduled event, run:",
			'    curl "http://127.0.0.1:35595/cdn-cgi/local/scheduled"',
			"  For more details, see https://developers.cloudflare.com/workers/configuration/cron-triggers/#test-cron-triggers-locally",
		];
		for (const line of chatter) expect(classify("bot", line), line).toBe("drop");
	});

	it("keeps the bot's own output and every other warning or error loud", () => {
		expect(classify("bot", "order 42 placed")).toBe("loud");
		expect(classify("bot", "Error: boom\n    at handler (src/bot.ts:12:9)")).toBe("loud");
		expect(classify("bot", `${RED}✘ [ERROR]${RESET} Build failed with 1 error:`)).toBe("loud");
		expect(
			classify("bot", "▲ [WARNING] Missing required secrets: VIBER_AUTH_TOKEN, OPENAI_KEY. Add"),
		).toBe("loud");
		expect(classify("emulator", "❓ Your types might be out of date.")).toBe("loud");
		expect(classify("bot", "⎔ Reloading local server...")).toBe("quiet");
	});
});

describe("BuildWatch", () => {
	const failure = [
		`${RED}✘ [ERROR]${RESET} Build failed with 1 error:`,
		`  ${RED}✘ [ERROR]${RESET} Unexpected ";"`,
		"      src/bot.ts:109:10:",
		"        109 │ const x = ;",
		"            ╵           ^",
		"",
	];

	it("keeps the error of a failed build until the bot builds again", () => {
		const watch = new BuildWatch();
		expect(watch.see("⎔ Starting local server...")).toBeUndefined();
		expect(watch.see("[wrangler:info] Ready on http://127.0.0.1:40000")).toBeUndefined();
		const changes = failure.map((line) => watch.see(line));
		expect(changes).toEqual(["failed", undefined, undefined, undefined, undefined, undefined]);
		expect(watch.failure).toEqual([
			'Unexpected ";"',
			"src/bot.ts:109:10:",
			"109 │ const x = ;",
			"╵           ^",
		]);
		expect(watch.message()).toBe(
			'The bot does not build, so it cannot answer (npm run dev shows the error): Unexpected ";" src/bot.ts:109:10: 109 │ const x = ; ╵           ^',
		);
		expect(watch.see("⎔ Reloading local server...")).toBeUndefined();
		expect(watch.failure).toBeDefined();
		expect(watch.see("⎔ Local server updated and ready")).toBe("fixed");
		expect(watch.failure).toBeUndefined();
	});

	it("stops collecting at wrangler's next line and after eight lines", () => {
		const watch = new BuildWatch();
		watch.see("Build failed with 9 errors:");
		for (let i = 0; i < 12; i++) watch.see(`error ${i}`);
		expect(watch.failure).toHaveLength(8);
		const other = new BuildWatch();
		other.see("Build failed with 1 error:");
		other.see("Unexpected end of file");
		other.see("[wrangler:info] GET /health 503 Service Unavailable (1ms)");
		other.see("a later line of the bot");
		expect(other.failure).toEqual(["Unexpected end of file"]);
	});
});

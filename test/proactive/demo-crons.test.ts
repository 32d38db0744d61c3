// The one test that reads the demo bot: its jobs, the README's example bot (which forkers start
// from) and the template's wrangler.toml must list the same cron expressions.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import demo from "../../src/bot";
import worker from "../../src/index";
import { deriveBroadcastId } from "../../src/proactive/broadcast";
import wranglerToml from "../../wrangler.toml?raw";
import { callsWithText, settled } from "../helpers/broadcast";
import { seedRoster } from "../helpers/roster";
import { cronDrift, cronsInToml } from "../helpers/wrangler-crons";

/** The `bot.cron("…")` expressions of the README's example bot (its "Writing handlers" code). */
function readmeExampleCrons(): string[] {
	const section = readme.split("## Writing handlers")[1] ?? "";
	const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
	return [...code.matchAll(/bot\.cron\(\s*"([^"]+)"/g)].map((m) => m[1] as string);
}

describe("src/bot.ts, the README's example bot and wrangler.toml", () => {
	it("the demo's jobs and wrangler.toml list the same cron expressions", () => {
		expect(cronDrift(cronsInToml(wranglerToml), demo.jobs.expressions())).toEqual([]);
	});

	it("so does the README's example bot", () => {
		expect(cronDrift(cronsInToml(wranglerToml), readmeExampleCrons())).toEqual([]);
	});

	it("the demo has its morning broadcast", () => {
		expect(demo.jobs.expressions()).toEqual(["0 9 * * *"]);
	});
});

describe("the demo's morning job", () => {
	it("broadcasts a good-morning text to every subscribed user when 0 9 * * * fires", async () => {
		const ids = await seedRoster(5, "DM");
		const scheduledTime = Date.UTC(2026, 11, 3, 9);
		await worker.scheduled(createScheduledController({ cron: "0 9 * * *", scheduledTime }), env);
		const text = "Good morning, replace_me_with_user_name!";
		await settled(await deriveBroadcastId(`cron:0 9 * * *:${scheduledTime}:0`, 0), 30_000);
		expect((await callsWithText(text)).flat().sort()).toEqual(ids.sort());
	}, 40_000);
});

// Whatever bot src/bot.ts holds (the demo, or a fork's), its cron jobs and wrangler.toml's
// [triggers] crons must list the same expressions; so must the README's example bot, which
// forkers start from.
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import bot from "../../src/bot";
import wranglerToml from "../../wrangler.toml?raw";
import { cronDrift, cronsInToml } from "../helpers/wrangler-crons";

/** The `bot.cron("…")` expressions of the README's example bot (its "Writing handlers" code). */
function readmeExampleCrons(): string[] {
	const section = readme.split("## Writing handlers")[1] ?? "";
	const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
	return [...code.matchAll(/bot\.cron\(\s*"([^"]+)"/g)].map((m) => m[1] as string);
}

describe("your bot, the README's example bot and wrangler.toml", () => {
	it("your bot's jobs and wrangler.toml list the same cron expressions", () => {
		expect(cronDrift(cronsInToml(wranglerToml), bot.jobs.expressions())).toEqual([]);
	});

	it("so does the README's example bot", () => {
		expect(cronDrift(cronsInToml(wranglerToml), readmeExampleCrons())).toEqual([]);
	});
});

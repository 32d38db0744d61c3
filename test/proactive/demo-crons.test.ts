// The one test that reads the demo bot: its jobs and the template's wrangler.toml must agree.
import { describe, expect, it } from "vitest";
import demo from "../../src/bot";
import wranglerToml from "../../wrangler.toml?raw";
import { cronDrift, cronsInToml } from "../helpers/wrangler-crons";

describe("src/bot.ts and wrangler.toml", () => {
	it("list the same cron expressions", () => {
		expect(cronDrift(cronsInToml(wranglerToml), demo.jobs.expressions())).toEqual([]);
	});

	it("the demo has its morning broadcast", () => {
		expect(demo.jobs.expressions()).toContain("0 9 * * *");
	});
});

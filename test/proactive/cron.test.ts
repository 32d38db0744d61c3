import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { Bot } from "../../src/framework/bot";
import { proactiveHandlers } from "../../src/proactive";
import { captureErrors } from "../helpers/console";
import { cronDrift, cronsInToml } from "../helpers/wrangler-crons";

function botWithJobs() {
	const runs: string[] = [];
	const bot = new Bot();
	bot.cron("*/5 * * * *", (job) => {
		runs.push(`five-a ${job.cron} ${job.scheduledTime}`);
	});
	bot.cron("*/5 * * * *", () => {
		runs.push("five-b");
	});
	bot.cron("0 9 * * *", () => {
		runs.push("nine");
	});
	return { bot, runs };
}

const fire = (bot: Bot, cron: string, scheduledTime = 1_000) =>
	proactiveHandlers(bot).scheduled(createScheduledController({ cron, scheduledTime }), env);

describe("cron jobs", () => {
	const errors = captureErrors();
	it("runs exactly the jobs of the expression that fired, in order", async () => {
		const { bot, runs } = botWithJobs();
		await fire(bot, "*/5 * * * *", 42);
		expect(runs).toEqual(["five-a */5 * * * * 42", "five-b"]);
		await fire(bot, "0 9 * * *");
		expect(runs).toEqual(["five-a */5 * * * * 42", "five-b", "nine"]);
	});

	it("fails loudly, naming the expression, when no job has it", async () => {
		const { bot, runs } = botWithJobs();
		await expect(fire(bot, "0 10 * * *")).rejects.toThrow(/No job for cron "0 10 \* \* \*"/);
		expect(runs).toEqual([]);
	});

	it("runs the other jobs of the expression when one throws, then reports the failure", async () => {
		const bot = new Bot();
		const runs: string[] = [];
		bot.cron("0 * * * *", () => {
			throw new Error("job broke");
		});
		bot.cron("0 * * * *", () => {
			runs.push("second");
		});
		await expect(fire(bot, "0 * * * *")).rejects.toThrow("job broke");
		expect(runs).toEqual(["second"]);
		await vi.waitFor(() => errors.logged(/Cron job 1 of "0 \* \* \* \*" failed: Error: job broke/));
	});

	it("refuses an expression that is not a cron expression", () => {
		expect(() => new Bot().cron("every morning", () => {})).toThrow(/five fields/);
	});
});

describe("wrangler.toml and the jobs", () => {
	const toml = `name = "x"\n[triggers]\ncrons = ["0 9 * * *", "*/5 * * * *"]\n\n[vars]\nA = "1"\n`;

	it("reads [triggers] crons", () => {
		expect(cronsInToml(toml)).toEqual(["0 9 * * *", "*/5 * * * *"]);
		expect(cronsInToml('[triggers]\ncrons = [\n  "1 2 3 4 5",\n]\n')).toEqual(["1 2 3 4 5"]);
		expect(cronsInToml("[vars]\ncrons = ['x']\n")).toEqual([]);
	});

	it("names each expression that only one side has", () => {
		expect(cronDrift(["0 9 * * *", "*/5 * * * *"], ["0 9 * * *", "0 18 * * 5"])).toEqual([
			`"*/5 * * * *" is in wrangler.toml's [triggers] crons but no bot.cron("*/5 * * * *", …) job`,
			`bot.cron("0 18 * * 5", …) has no "0 18 * * 5" in wrangler.toml's [triggers] crons`,
		]);
		expect(cronDrift(["0 9 * * *"], ["0 9 * * *"])).toEqual([]);
	});
});

import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type BroadcastArgs, broadcastCli, DEFAULT_WORKER_URL } from "../../scripts/cli/broadcast";
import { LOCAL_DEV_TOKEN } from "../../scripts/cli/dev-vars";
import { main } from "../../scripts/cli/main";
import type { ParsedArgs } from "../../scripts/cli/node";
import { adminToken } from "../../src/proactive/admin-token";
import { callsWithText, settled } from "../helpers/broadcast";
import { TOKEN } from "../helpers/callbacks";
import { seedRoster } from "../helpers/roster";

/** Runs the CLI against the worker under test; returns the exit code and what it printed. */
async function cli(
	args: BroadcastArgs,
	vars: Record<string, string> = { VIBER_AUTH_TOKEN: TOKEN },
) {
	const out: string[] = [];
	const err: string[] = [];
	const code = await broadcastCli(args, {
		vars,
		fetch: (input, init) => exports.default.fetch(new Request(input, init)),
		print: (t) => out.push(t),
		printError: (t) => err.push(t),
	});
	return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("npm run viber -- broadcast", { timeout: 30_000 }, () => {
	it("starts a broadcast, then shows its progress", async () => {
		const ids = await seedRoster(8, "L1");
		const started = await cli({
			positionals: ["hello", "L1"],
			country: "L1",
			worker: "http://bot.test/",
		});
		expect(started).toMatchObject({ code: 0, err: "" });
		const id = /Broadcast (\S+) started/.exec(started.out)?.[1] as string;
		await settled(id);
		expect((await callsWithText("hello L1")).flat().sort()).toEqual(ids.sort());
		const status = await cli({ positionals: ["status", id], worker: "http://bot.test" });
		expect(status.code).toBe(0);
		expect(status.out).toContain(`Broadcast ${id}: done`);
		expect(status.out).toContain("8 queued, 8 sent, 0 left out");
	});

	it("explains what is wrong instead of failing obscurely", async () => {
		expect(await cli({ positionals: [] })).toMatchObject({
			code: 2,
			err: expect.stringContaining("Usage"),
		});
		expect(await cli({ positionals: ["status"] })).toMatchObject({ code: 2 });
		expect(await cli({ positionals: ["hi"], worker: "https://bot.example" }, {})).toMatchObject({
			code: 1,
			err: expect.stringContaining("VIBER_AUTH_TOKEN"),
		});
		const wrongToken = await cli(
			{ positionals: ["hi"], worker: "http://bot.test" },
			{ VIBER_AUTH_TOKEN: "nope" },
		);
		expect(wrongToken).toMatchObject({ code: 1, err: expect.stringContaining("HTTP 403") });
		const unknown = await cli({ positionals: ["status", "b-none"], worker: "http://bot.test" });
		expect(unknown).toMatchObject({ code: 1, err: expect.stringContaining("no such broadcast") });
	});

	it("uses npm run dev's token for a bot on this machine when none is set", async () => {
		const seen: string[] = [];
		const code = await broadcastCli(
			{ positionals: ["status", "b-none"] },
			{
				vars: {},
				fetch: async (input, init) => {
					seen.push(`${input} ${new Headers(init?.headers).get("authorization")}`);
					return new Response("{}", { status: 404 });
				},
				print: () => {},
				printError: () => {},
			},
		);
		expect(code).toBe(1);
		expect(seen).toEqual([
			`${DEFAULT_WORKER_URL}/admin/broadcasts/b-none Bearer ${await adminToken(LOCAL_DEV_TOKEN)}`,
		]);
	});
});

describe("npm run viber -- broadcast, as the CLI's main() runs it", { timeout: 30_000 }, () => {
	/** main() with the command line parsed as given; the worker under test is the bot. */
	async function viber(positionals: string[], values: ParsedArgs["values"] = {}) {
		const out: string[] = [];
		const err: string[] = [];
		const code = await main(() => ({ positionals, values }), {
			env: { VIBER_AUTH_TOKEN: TOKEN },
			readDevVars: async () => ({}),
			out: (t) => out.push(t),
			err: (t) => err.push(t),
			fetch: (input, init) => exports.default.fetch(new Request(input, init)),
		});
		return { code, out: out.join("\n"), err: err.join("\n") };
	}

	it("starts a broadcast and shows its progress", async () => {
		const ids = await seedRoster(5, "L2");
		const worker = "http://bot.test";
		const started = await viber(["broadcast", "hi", "L2"], { country: "L2", worker });
		expect(started).toMatchObject({ code: 0, err: "" });
		const id = /Broadcast (\S+) started/.exec(started.out)?.[1] as string;
		await settled(id);
		expect((await callsWithText("hi L2")).flat().sort()).toEqual(ids.sort());
		const status = await viber(["broadcast", "status", id], { worker, json: true });
		expect(JSON.parse(status.out)).toMatchObject({ id, done: true, sent: 5 });
	});

	it("lists broadcast in --help, and keeps its flags and the API's apart", async () => {
		const help = await viber(["account"], { help: true });
		expect(help.out).toMatch(/^ {2}broadcast <text> /m);
		expect(help.out).toMatch(/^ {2}broadcast status <id>/m);
		expect(await viber(["account"], { country: "UA" })).toMatchObject({
			code: 2,
			err: expect.stringContaining("--country goes with broadcast only"),
		});
		expect(await viber(["broadcast", "hi"], { api: "http://127.0.0.1:9/pa" })).toMatchObject({
			code: 2,
			err: expect.stringContaining("--api is not for broadcast"),
		});
	});
});

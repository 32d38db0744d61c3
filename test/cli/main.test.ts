/** The CLI from command line to exit code: one-line errors, the local token, refusals exit 1. */
import { describe, expect, it } from "vitest";
import { type CliIo, HELP_HINT, main } from "../../scripts/cli/main";
import type { ParsedArgs } from "../../scripts/cli/node";
import { fakeViber } from "../helpers/fake-viber";

/** The fake Viber API on a loopback address (vitest.config.ts routes it to the emulator). */
const LOCAL_API = "http://127.0.0.1:9/pa";

/** Runs the CLI with `positionals` and `values` as parseArgs would give them; captures output. */
async function run(
	positionals: string[],
	values: ParsedArgs["values"] = {},
	{ env = {}, devVars = {} }: { env?: CliIo["env"]; devVars?: Record<string, string> } = {},
) {
	const out: string[] = [];
	const err: string[] = [];
	const io: CliIo = {
		env,
		readDevVars: async () => devVars,
		out: (text) => out.push(text),
		err: (text) => err.push(text),
	};
	const code = await main(() => ({ positionals, values }), io);
	return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("npm run viber", () => {
	it("talks to a local API with npm run dev's token when none is set", async () => {
		const result = await run(["account"], { api: LOCAL_API });
		expect(result).toMatchObject({ code: 0, err: "" });
		expect(result.out).toMatch(/^Name: +\S/);
		const [request] = (await fakeViber.requests({ token: "local-dev-token" })).slice(-1);
		expect(request?.endpoint).toBe("get_account_info");
	});

	it("uses .dev.vars' token for a local API when there is one", async () => {
		const token = `cli-main-${crypto.randomUUID()}`;
		const result = await run(
			["account"],
			{ api: LOCAL_API },
			{ devVars: { VIBER_AUTH_TOKEN: token } },
		);
		expect(result.code).toBe(0);
		expect(await fakeViber.requests({ token, endpoint: "get_account_info" })).toHaveLength(1);
	});

	it("asks for a token, in one line, when the API is not on this machine", async () => {
		const result = await run(
			["account"],
			{},
			{ env: { VIBER_API_URL: "https://chatapi.viber.com/pa" } },
		);
		expect(result.code).toBe(1);
		expect(result.err).toMatch(
			/^VIBER_AUTH_TOKEN is not set: .*--api http:\/\/127\.0\.0\.1:8788\/pa/,
		);
		expect(result.err).not.toContain("\n");
	});

	it("exits 1 with one line when Viber refuses", async () => {
		const token = `cli-main-${crypto.randomUUID()}`;
		const body = '{"status":5,"status_message":"receiverNoSuitableDevice"}';
		await fakeViber.fault({ token, endpoint: "get_user_details", body });
		const result = await run(
			["user", "never-seen="],
			{ api: LOCAL_API },
			{ env: { VIBER_AUTH_TOKEN: token } },
		);
		expect(result).toMatchObject({ code: 1, out: "" });
		expect(result.err).toMatch(/^Viber refused: status 5 \S+ \(receiverNoSuitableDevice\)$/);
	});

	it("puts a status's hint on the same line", async () => {
		const token = `cli-main-${crypto.randomUUID()}`;
		await fakeViber.fault({ token, endpoint: "send_message", status: 10 });
		const result = await run(
			["send", "u=", "hi"],
			{ api: LOCAL_API },
			{ env: { VIBER_AUTH_TOKEN: token } },
		);
		expect(result.code).toBe(1);
		expect(result.err).toMatch(/^Viber refused: status 10 .*\. Set a webhook first: /);
		expect(result.err).not.toContain("\n");
	});

	it("answers a wrong command line with one line and a pointer to --help, exit 2", async () => {
		const result = await run(["acount"]);
		expect(result).toEqual({ code: 2, out: "", err: `Unknown command "acount" ${HELP_HINT}` });
		const parseError = Object.assign(new TypeError("Unknown option '--bogus'"), {
			code: "ERR_PARSE_ARGS_UNKNOWN_OPTION",
		});
		const io = { env: {}, readDevVars: async () => ({}), out() {}, err() {} };
		expect(
			await main(() => {
				throw parseError;
			}, io),
		).toBe(2);
	});

	it("prints the usage only for --help, exit 0", async () => {
		const result = await run(["account"], { help: true });
		expect(result.code).toBe(0);
		expect(result.out).toMatch(/^Usage: npm run viber -- <command>/);
		expect(result.err).toBe("");
	});
});

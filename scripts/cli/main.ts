/** The CLI's Node side: reads the settings, calls Viber, prints, and returns the exit code. */
import { createViberApi } from "../../src/viber/client";
import { broadcastCli } from "./broadcast";
import { BROADCAST_FLAGS, type Flags, toCommand, USAGE, UsageError } from "./command";
import { describeFailure, runCommand } from "./commands";
import { parseDevVars } from "./dev-vars";
import { type ParsedArgs, process } from "./node";
import { resolveSettings, type Settings } from "./settings";

/** What the CLI reads and writes; Node's by default, a test's own in `test/cli/`. */
export type CliIo = {
	env: Record<string, string | undefined>;
	readDevVars(): Promise<Record<string, string>>;
	out(text: string): void;
	err(text: string): void;
	/** How `broadcast` reaches the bot worker; the global `fetch` by default. */
	fetch?: typeof fetch;
};

async function readDevVars(): Promise<Record<string, string>> {
	try {
		const { readFile } = process.getBuiltinModule("node:fs/promises");
		return parseDevVars(await readFile(".dev.vars", "utf8"));
	} catch (error) {
		if ((error as { code?: string }).code === "ENOENT") return {};
		throw error;
	}
}

const nodeIo = (): CliIo => ({
	env: process.env,
	readDevVars,
	out: (text) => process.stdout.write(`${text}\n`),
	err: (text) => process.stderr.write(`${text}\n`),
});

function isParseArgsError(error: unknown): error is Error {
	return (
		error instanceof Error && /^ERR_PARSE_ARGS_/.test(String((error as { code?: unknown }).code))
	);
}

/** Flags of the Viber API commands, which `broadcast` (talking to the worker) does not take. */
const API_FLAGS = ["api", "events", "no-name", "no-photo"] as const;

/** `broadcast …`: to the bot worker's admin API, with the environment over `.dev.vars`. */
async function broadcast(positionals: string[], flags: Flags, io: CliIo): Promise<number> {
	const set = Object.entries(io.env).filter((entry): entry is [string, string] => !!entry[1]);
	const vars = { ...(await io.readDevVars()), ...Object.fromEntries(set) };
	return broadcastCli(
		{
			positionals: positionals.slice(1),
			worker: flags.worker,
			country: flags.country,
			language: flags.language,
			sessionOpen: flags["session-open"] === true,
			json: flags.json === true,
		},
		{
			vars,
			fetch: io.fetch ?? ((input, init) => fetch(input, init)),
			print: io.out,
			printError: io.err,
		},
	);
}

/** Shown after a usage error, instead of the whole usage text. */
export const HELP_HINT = "(npm run viber -- --help lists the commands and options)";

/**
 * Runs the CLI: `parse` is the `parseArgs` call, so its errors become usage errors (exit 2).
 * Resolves to the exit code: 0 done, 1 refused or unreachable, 2 wrong command line. Every error
 * is one line on stderr; the usage text only comes with `--help`.
 *
 * @example process.exitCode = await main(() => parseArgs({ options, allowPositionals: true }));
 */
export async function main(parse: () => ParsedArgs, io: CliIo = nodeIo()): Promise<number> {
	let flags: Flags;
	let command: ReturnType<typeof toCommand>;
	try {
		const parsed = parse();
		const positionals = parsed.positionals;
		flags = parsed.values as Flags;
		const isBroadcast = positionals[0] === "broadcast";
		const misplaced = (isBroadcast ? API_FLAGS : BROADCAST_FLAGS).find(
			(f) => flags[f] !== undefined,
		);
		if (misplaced && isBroadcast) {
			throw new UsageError(`--${misplaced} is not for broadcast, which talks to the bot worker`);
		}
		if (misplaced) throw new UsageError(`--${misplaced} goes with broadcast only`);
		if (isBroadcast && !flags.help) return broadcast(positionals, flags, io);
		command = toCommand(positionals, flags);
	} catch (error) {
		if (!(error instanceof UsageError) && !isParseArgsError(error)) throw error;
		io.err(`${error.message} ${HELP_HINT}`);
		return 2;
	}
	if (command.name === "help") {
		io.out(USAGE);
		return 0;
	}

	let settings: Settings | undefined;
	try {
		settings = resolveSettings({ env: io.env, devVars: await io.readDevVars(), api: flags.api });
		const api = createViberApi({
			token: settings.token,
			baseUrl: settings.baseUrl,
			sender: { name: settings.botName, avatar: settings.botAvatar },
			// A person is watching: fail at once rather than retry for seconds.
			retry: { attempts: 1 },
		});
		const { answer, text } = await runCommand(api, command);
		io.out(flags.json ? JSON.stringify(answer, null, 2) : text);
		return 0;
	} catch (error) {
		const where = { baseUrl: settings?.baseUrl ?? "", token: settings?.token ?? "" };
		io.err(describeFailure(error, where));
		return 1;
	}
}

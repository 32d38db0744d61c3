/** The CLI's Node side: reads the settings, calls Viber, prints, and returns the exit code. */
import { createViberApi, type ViberApi } from "../../src/viber/client";
import { type Flags, toCommand, USAGE, UsageError } from "./command";
import { describeFailure, runCommand } from "./commands";
import { parseDevVars } from "./dev-vars";
import { type ParsedArgs, process } from "./node";
import { resolveSettings, type Settings } from "./settings";

const print = (text: string) => process.stdout.write(`${text}\n`);
const printError = (text: string) => process.stderr.write(`${text}\n`);

async function readDevVars(): Promise<Record<string, string>> {
	try {
		const { readFile } = process.getBuiltinModule("node:fs/promises");
		return parseDevVars(await readFile(".dev.vars", "utf8"));
	} catch (error) {
		if ((error as { code?: string }).code === "ENOENT") return {};
		throw error;
	}
}

function isParseArgsError(error: unknown): error is Error {
	return (
		error instanceof Error && /^ERR_PARSE_ARGS_/.test(String((error as { code?: unknown }).code))
	);
}

/**
 * Runs the CLI: `parse` is the `parseArgs` call, so its errors become usage errors (exit 2).
 * Resolves to the exit code: 0 done, 1 refused or unreachable, 2 wrong command line.
 *
 * @example process.exitCode = await main(() => parseArgs({ options, allowPositionals: true }));
 */
export async function main(parse: () => ParsedArgs): Promise<number> {
	let flags: Flags;
	let command: ReturnType<typeof toCommand>;
	try {
		const { values, positionals } = parse();
		flags = values as Flags;
		command = toCommand(positionals, flags);
	} catch (error) {
		if (!(error instanceof UsageError) && !isParseArgsError(error)) throw error;
		printError(`${error.message}\n\n${USAGE}`);
		return 2;
	}
	if (command.name === "help") {
		print(USAGE);
		return 0;
	}

	let settings: Settings | undefined;
	let api: ViberApi;
	try {
		settings = resolveSettings({ env: process.env, devVars: await readDevVars(), api: flags.api });
		api = createViberApi({
			token: settings.token,
			baseUrl: settings.baseUrl,
			sender: { name: settings.botName, avatar: settings.botAvatar },
			// A person is watching: fail at once rather than retry for seconds.
			retry: { attempts: 1 },
		});
	} catch (error) {
		printError(describeFailure(error, { baseUrl: "", token: settings?.token ?? "" }));
		return 1;
	}

	try {
		const { answer, text } = await runCommand(api, command);
		print(flags.json ? JSON.stringify(answer, null, 2) : text);
		return 0;
	} catch (error) {
		printError(describeFailure(error, { baseUrl: api.baseUrl, token: settings.token }));
		return 1;
	}
}

/** The Node side of `npm run viber -- broadcast …`: flags, settings, fetch and printing. */
import { type BroadcastArgs, broadcastCli } from "./broadcast";
import { parseDevVars } from "./dev-vars";
import { process } from "./node";

async function devVars(): Promise<Record<string, string>> {
	try {
		const { readFile } = process.getBuiltinModule("node:fs/promises");
		return parseDevVars(await readFile(".dev.vars", "utf8"));
	} catch {
		return {};
	}
}

/** Runs `broadcast …` and returns its exit code, or undefined when argv is another command. */
export async function runBroadcastCommand(argv: string[]): Promise<number | undefined> {
	if (argv[0] !== "broadcast") return undefined;
	const { parseArgs } = process.getBuiltinModule("node:util");
	let args: BroadcastArgs;
	try {
		const { values, positionals } = parseArgs({
			args: argv.slice(1),
			options: {
				worker: { type: "string" },
				country: { type: "string" },
				language: { type: "string" },
				"session-open": { type: "boolean" },
				json: { type: "boolean" },
			},
			allowPositionals: true,
			strict: true,
		});
		args = {
			positionals,
			worker: values.worker as string | undefined,
			country: values.country as string | undefined,
			language: values.language as string | undefined,
			sessionOpen: values["session-open"] === true,
			json: values.json === true,
		};
	} catch (error) {
		process.stderr.write(`${error instanceof Error ? error.message : error}\n`);
		return 2;
	}
	const vars = {
		...(await devVars()),
		...Object.fromEntries(Object.entries(process.env).filter(([, v]) => v)),
	};
	return broadcastCli(args, {
		vars,
		fetch: (input, init) => fetch(input, init),
		print: (text) => process.stdout.write(`${text}\n`),
		printError: (text) => process.stderr.write(`${text}\n`),
	});
}

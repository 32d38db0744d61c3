/** The Node APIs the CLI uses, typed narrowly: the CLI is checked with the workers' types, not @types/node. */

type ResolveContext = { conditions: string[]; importAttributes: object; parentURL?: string };
type ResolveResult = { url: string; format?: string | null; shortCircuit?: boolean };
type ParseArgsOption = { type: "string" | "boolean"; short?: string; multiple?: boolean };

/** `node:module`'s synchronous, in-thread module hooks (Node 22.15+). */
export type ResolveHook = (
	specifier: string,
	context: ResolveContext,
	next: (specifier: string, context?: ResolveContext) => ResolveResult,
) => ResolveResult;

/** What `node:util`'s `parseArgs` returns. */
export type ParsedArgs = {
	values: Record<string, string | boolean | undefined>;
	positionals: string[];
};

/**
 * Node's `process`, as far as the CLI uses it. Built-ins come from `getBuiltinModule` (Node 22.3+)
 * rather than `import ... from "node:..."`, so no ambient `node:*` types are declared that would
 * clash with @types/node should the project add it.
 */
export type NodeProcess = {
	argv: string[];
	env: Record<string, string | undefined>;
	exitCode: number | undefined;
	stdout: { write(text: string): boolean };
	stderr: { write(text: string): boolean };
	getBuiltinModule(id: "node:module"): {
		registerHooks?: (hooks: { resolve: ResolveHook }) => unknown;
	};
	getBuiltinModule(id: "node:util"): {
		parseArgs(config: {
			args: string[];
			options: Record<string, ParseArgsOption>;
			allowPositionals: boolean;
			strict: boolean;
		}): ParsedArgs;
	};
	getBuiltinModule(id: "node:fs/promises"): {
		readFile(path: string, encoding: "utf8"): Promise<string>;
	};
};

/**
 * Node's global `process`; only for code that runs in Node, never in the worker.
 *
 * @example process.stdout.write("done\n");
 */
export const process = (globalThis as unknown as { process: NodeProcess }).process;

/** `npm run viber -- <command>`: the Viber API from a terminal, and broadcasts through the bot worker. */
import type { NodeProcess, ResolveHook } from "./cli/node";

const { process } = globalThis as unknown as { process: NodeProcess };

// Node strips the types of this file, but src/ imports "./client", not "./client.ts" (TypeScript's
// bundler resolution, which Node's loader does not do). So a relative import Node cannot find is
// retried as a .ts file, then as a folder's index.ts. The CLI's own modules are imported only
// after the hook exists, hence the dynamic import (type-only imports are erased: they are fine).
const resolveTs: ResolveHook = (specifier, context, next) => {
	try {
		return next(specifier, context);
	} catch (error) {
		if (!/^\.\.?\//.test(specifier) || /\.[cm]?[jt]s$/.test(specifier)) throw error;
		for (const suffix of [".ts", "/index.ts"]) {
			try {
				return next(specifier + suffix, context);
			} catch {}
		}
		throw error;
	}
};

const { registerHooks } = process.getBuiltinModule("node:module");
if (!registerHooks) throw new Error("npm run viber needs Node 22.15 or later (npm i installs it)");
registerHooks({ resolve: resolveTs });

const { main } = await import("./cli/main");
const { parseArgs } = process.getBuiltinModule("node:util");

process.exitCode = await main(() =>
	parseArgs({
		args: process.argv.slice(2),
		options: {
			api: { type: "string" },
			events: { type: "string" },
			"no-name": { type: "boolean" },
			"no-photo": { type: "boolean" },
			json: { type: "boolean" },
			help: { type: "boolean", short: "h" },
			// `broadcast …` talks to the bot worker's admin API, not to Viber (scripts/cli/broadcast.ts).
			worker: { type: "string" },
			country: { type: "string" },
			language: { type: "string" },
			"session-open": { type: "boolean" },
		},
		allowPositionals: true,
		strict: true,
	}),
);

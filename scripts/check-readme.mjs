#!/usr/bin/env node
// The fork test: in a copy of the project, the README's example bot becomes src/bot.ts and its
// example test test/bot.test.ts; the workers tests and the typecheck must pass there as well.
import { spawnSync } from "node:child_process";
import {
	cpSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const root = join(dirname(new URL(import.meta.url).pathname), "..");

/** The first ```ts block after the heading `## <section>`. */
function example(readme, section) {
	const at = readme.indexOf(`\n## ${section}\n`);
	const block = at < 0 ? null : readme.slice(at).match(/```ts\n([\s\S]*?)```/);
	if (!block) throw new Error(`README.md: no \`\`\`ts block under "## ${section}"`);
	return block[1];
}

function run(cwd, command, args) {
	console.log(`\n$ ${command} ${args.join(" ")}   (in the copy)`);
	return spawnSync(command, args, { cwd, stdio: "inherit" }).status === 0;
}

const readme = readFileSync(join(root, "README.md"), "utf8");
const bot = example(readme, "Writing handlers");
const test = example(readme, "Testing your bot");

const copy = mkdtempSync(join(tmpdir(), "viber-fork-"));
try {
	const listed = spawnSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: root });
	for (const file of listed.stdout.toString().split("\0").filter(Boolean)) {
		mkdirSync(dirname(join(copy, file)), { recursive: true });
		cpSync(join(root, file), join(copy, file));
	}
	symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
	writeFileSync(join(copy, "src/bot.ts"), bot);
	writeFileSync(join(copy, "test/bot.test.ts"), test);
	const ok =
		run(copy, "npx", ["vitest", "run", "--project", "workers"]) &&
		run(copy, "npm", ["run", "--silent", "typecheck"]);
	console.log(ok ? "\nREADME examples: pass as a fork" : "\nREADME examples: FAIL as a fork");
	process.exitCode = ok ? 0 : 1;
} finally {
	rmSync(copy, { recursive: true, force: true });
}

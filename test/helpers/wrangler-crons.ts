/** The cron expressions of a wrangler.toml's `[triggers] crons`, and how they differ from a bot's jobs. */

/** The expressions listed under `[triggers] crons` (none when there is no such key). */
export function cronsInToml(toml: string): string[] {
	const section = toml.split(/^\[triggers\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
	const list = section.match(/^crons\s*=\s*\[([^\]]*)\]/m)?.[1] ?? "";
	return [...list.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2] ?? "");
}

/** One line per expression that only one side has; empty when they agree. */
export function cronDrift(wranglerCrons: string[], jobCrons: string[]): string[] {
	return [
		...wranglerCrons
			.filter((c) => !jobCrons.includes(c))
			.map((c) => `"${c}" is in wrangler.toml's [triggers] crons but no bot.cron("${c}", …) job`),
		...jobCrons
			.filter((c) => !wranglerCrons.includes(c))
			.map((c) => `bot.cron("${c}", …) has no "${c}" in wrangler.toml's [triggers] crons`),
	];
}

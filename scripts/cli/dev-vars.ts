/** Parses a `.dev.vars` file: `KEY=value` lines, `#` comments, optional quotes. Pure: no Node APIs. */

/**
 * The token `npm run dev` gives the bot and the emulator when `.dev.vars` has none; the CLI uses
 * it too when it talks to an emulator on this machine.
 */
export const LOCAL_DEV_TOKEN = "local-dev-token";

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

function unquote(raw: string): string {
	const quote = raw[0];
	if ((quote === '"' || quote === "'") && raw.length > 1) {
		const end = raw.indexOf(quote, 1);
		if (end > 0) return raw.slice(1, end);
	}
	// Unquoted: a ` #` starts a trailing comment.
	return raw.replace(/\s+#.*$/, "");
}

/**
 * The variables of a `.dev.vars` file (the format wrangler reads). Blank lines, `#` comment lines
 * and lines without `=` are skipped; a later line wins over an earlier one.
 *
 * @example parseDevVars('# bot\nVIBER_AUTH_TOKEN="abc"\nBOT_NAME=Pizza Bot') // { VIBER_AUTH_TOKEN: "abc", BOT_NAME: "Pizza Bot" }
 */
export function parseDevVars(text: string): Record<string, string> {
	const vars: Record<string, string> = {};
	for (const line of text.split(/\r?\n/)) {
		if (/^\s*(#|$)/.test(line)) continue;
		const match = LINE.exec(line);
		if (match?.[1] !== undefined) vars[match[1]] = unquote(match[2] ?? "");
	}
	return vars;
}

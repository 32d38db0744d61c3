/** Where the CLI's token, API URL and sender come from: flags, then environment, then .dev.vars. */
import { DEFAULT_BASE_URL } from "../../src/viber/base-url";

/** Everything the CLI needs to build a Viber API client. */
export type Settings = { token: string; baseUrl: string; botName: string; botAvatar?: string };

/** What `resolveSettings` reads: the process environment, `.dev.vars`, and `--api`. */
export type SettingsSources = {
	env: Record<string, string | undefined>;
	devVars: Record<string, string>;
	api?: string;
};

/** Told to the user when no token is found; never contains the token itself. */
export const MISSING_TOKEN_HELP =
	"VIBER_AUTH_TOKEN is not set: export it, or put VIBER_AUTH_TOKEN=... in .dev.vars in the current directory";

/** A setting is missing; the message says where to put it. */
export class SettingsError extends Error {
	override readonly name = "SettingsError";
}

/**
 * Resolves the settings. A variable set in the environment wins over `.dev.vars`; an empty value
 * counts as unset. Throws `SettingsError` without a token.
 *
 * @example resolveSettings({ env: process.env, devVars: {}, api: "http://127.0.0.1:8788/pa" })
 */
export function resolveSettings({ env, devVars, api }: SettingsSources): Settings {
	const pick = (key: string) => env[key] || devVars[key] || undefined;
	const token = pick("VIBER_AUTH_TOKEN");
	if (!token) throw new SettingsError(MISSING_TOKEN_HELP);
	const settings: Settings = {
		token,
		baseUrl: api || pick("VIBER_API_URL") || DEFAULT_BASE_URL,
		botName: pick("BOT_NAME") ?? "Bot",
	};
	const avatar = pick("BOT_AVATAR");
	if (avatar) settings.botAvatar = avatar;
	return settings;
}

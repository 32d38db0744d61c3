/** Where the CLI's token, API URL and sender come from: flags, then environment, then .dev.vars. */
import { DEFAULT_BASE_URL, isLoopback } from "../../src/viber/base-url";
import { LOCAL_DEV_TOKEN } from "./dev-vars";

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
	"VIBER_AUTH_TOKEN is not set: export it, or put VIBER_AUTH_TOKEN=... in .dev.vars in the current directory (for the local emulator, add --api http://127.0.0.1:8788/pa instead)";

/** A setting is missing; the message says where to put it. */
export class SettingsError extends Error {
	override readonly name = "SettingsError";
}

/** Whether the URL is on this machine (`npm run dev`'s emulator or bot), where no setup is needed. */
export function isLocal(baseUrl: string): boolean {
	return URL.canParse(baseUrl) && isLoopback(new URL(baseUrl).hostname);
}

/**
 * Resolves the settings. A variable set in the environment wins over `.dev.vars`; an empty value
 * counts as unset. Without a token, an API on this machine gets the token `npm run dev` gives the
 * emulator (`local-dev-token`); any other API throws `SettingsError`.
 *
 * @example resolveSettings({ env: {}, devVars: {}, api: "http://127.0.0.1:8788/pa" }).token // "local-dev-token"
 */
export function resolveSettings({ env, devVars, api }: SettingsSources): Settings {
	const pick = (key: string) => env[key] || devVars[key] || undefined;
	const baseUrl = api || pick("VIBER_API_URL") || DEFAULT_BASE_URL;
	const token = pick("VIBER_AUTH_TOKEN") || (isLocal(baseUrl) ? LOCAL_DEV_TOKEN : undefined);
	if (!token) throw new SettingsError(MISSING_TOKEN_HELP);
	const settings: Settings = { token, baseUrl, botName: pick("BOT_NAME") ?? "Bot" };
	const avatar = pick("BOT_AVATAR");
	if (avatar) settings.botAvatar = avatar;
	return settings;
}

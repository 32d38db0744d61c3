/** The Viber API client configured from the worker's environment. */
import { createViberApi, type ViberApi } from "../viber/client";
import type { Sender } from "../viber/schemas/messages";

export const MISSING_TOKEN_HELP =
	"VIBER_AUTH_TOKEN is not set: put it in .dev.vars for local work, or run `wrangler secret put VIBER_AUTH_TOKEN` before deploying";

/** The sender users see: `BOT_NAME`, with `BOT_AVATAR` when it is set. */
export function senderFromEnv(env: Env): Sender {
	return { name: env.BOT_NAME, avatar: env.BOT_AVATAR || undefined };
}

/** Builds the client from `VIBER_AUTH_TOKEN`, `VIBER_API_URL`, `BOT_NAME` and `BOT_AVATAR`. */
export function viberFromEnv(env: Env): ViberApi {
	if (!env.VIBER_AUTH_TOKEN) throw new Error(MISSING_TOKEN_HELP);
	return createViberApi({
		token: env.VIBER_AUTH_TOKEN,
		baseUrl: env.VIBER_API_URL,
		sender: senderFromEnv(env),
	});
}

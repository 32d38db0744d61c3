/** Drives the emulator like its chat page does, against the end-to-end bot (test/e2e-bot.ts). */
import { env } from "cloudflare:workers";
import { emulatorClient } from "../kit/emulator";

export type { ChatItem, LogEntry } from "../kit/emulator";

export const E2E_TOKEN = env.E2E_TOKEN;

const as = (token: string) => emulatorClient(env.FAKE_VIBER, token);

export const emulator = {
	/** What the bot would call: a Viber API endpoint with the bot's token. */
	viber: <T = Record<string, unknown>>(endpoint: string, body: unknown, token = E2E_TOKEN) =>
		as(token).viber<T>(endpoint, body),
	setWebhook: (options: Record<string, unknown> = {}, token = E2E_TOKEN) =>
		as(token).setWebhook(options),
	newUser: (profile: Record<string, unknown> = {}, token = E2E_TOKEN) => as(token).newUser(profile),
	open: (userId: string, token = E2E_TOKEN) => as(token).open(userId),
	send: (userId: string, message: Record<string, unknown>, silent = false, token = E2E_TOKEN) =>
		as(token).send(userId, message, silent),
	say: (userId: string, text: string) => emulator.send(userId, { type: "text", text }),
	unsubscribe: (userId: string, token = E2E_TOKEN) => as(token).unsubscribe(userId),
	subscribe: (userId: string, token = E2E_TOKEN) => as(token).subscribe(userId),
	chat: (userId: string, token = E2E_TOKEN) => as(token).chat(userId),
	/** Every log entry of a token, paging through the API's 200 a call. */
	log: (token = E2E_TOKEN) => as(token).log(),
	settings: (patch: Record<string, unknown>, token = E2E_TOKEN) => as(token).settings(patch),
	/** The bot's messages in a chat. */
	fromBot: async (userId: string) =>
		(await emulator.chat(userId)).filter((i) => i.direction === "out"),
};

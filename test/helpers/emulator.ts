/** Drives the emulator like its chat page does, against the end-to-end bot (vitest.config.ts). */
import { env } from "cloudflare:workers";
import { parseJson } from "../../src/viber/json";

export const E2E_TOKEN = env.E2E_TOKEN;

export type ChatItem = {
	seq: number;
	direction: "in" | "out" | "event";
	message?: Record<string, unknown> & { type?: string; text?: string };
	message_token?: string;
	status?: string;
	text?: string;
};

async function call<T>(
	method: string,
	path: string,
	body?: unknown,
	headers: Record<string, string> = {},
): Promise<T> {
	const res = await env.FAKE_VIBER.fetch(`http://emulator${path}`, {
		method,
		headers: { "content-type": "application/json", ...headers },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	if (res.status >= 400) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
	return parseJson(text) as T;
}

export type LogEntry = {
	seq: number;
	kind: string;
	name: string;
	user_id?: string;
	status: number;
	rejected: boolean;
	request: Record<string, unknown>;
};

const q = (token: string) => `?token=${encodeURIComponent(token)}`;

export const emulator = {
	/** What the bot would call: a Viber API endpoint with the bot's token. */
	viber: <T = Record<string, unknown>>(endpoint: string, body: unknown, token = E2E_TOKEN) =>
		call<T>("POST", `/pa/${endpoint}`, body, { "x-viber-auth-token": token }),
	setWebhook: (options: Record<string, unknown> = {}, token = E2E_TOKEN) =>
		emulator.viber(
			"set_webhook",
			{ url: "https://bot.example/webhook", send_name: true, send_photo: true, ...options },
			token,
		),
	newUser: (profile: Record<string, unknown> = {}, token = E2E_TOKEN) =>
		call<{ id: string; name: string }>("POST", `/api/users${q(token)}`, {
			name: "Ann Tester",
			...profile,
		}),
	open: (userId: string, token = E2E_TOKEN) =>
		call<{ item?: ChatItem }>(
			"POST",
			`/api/users/${encodeURIComponent(userId)}/open${q(token)}`,
			{},
		),
	send: (userId: string, message: Record<string, unknown>, silent = false, token = E2E_TOKEN) =>
		call<{ item: ChatItem | null }>(
			"POST",
			`/api/users/${encodeURIComponent(userId)}/messages${q(token)}`,
			{ message, silent },
		),
	say: (userId: string, text: string) => emulator.send(userId, { type: "text", text }),
	unsubscribe: (userId: string, token = E2E_TOKEN) =>
		call("POST", `/api/users/${encodeURIComponent(userId)}/unsubscribe${q(token)}`),
	subscribe: (userId: string, token = E2E_TOKEN) =>
		call("POST", `/api/users/${encodeURIComponent(userId)}/subscribe${q(token)}`),
	chat: async (userId: string, token = E2E_TOKEN) =>
		(
			await call<{ items: ChatItem[] }>(
				"GET",
				`/api/users/${encodeURIComponent(userId)}/chat${q(token)}`,
			)
		).items,
	/** Every log entry of a token, paging through the API's 200 a call. */
	log: async (token = E2E_TOKEN) => {
		const all: LogEntry[] = [];
		for (;;) {
			const after = all.at(-1)?.seq ?? 0;
			const { entries } = await call<{ entries: LogEntry[] }>(
				"GET",
				`/api/log${q(token)}&after=${after}`,
			);
			all.push(...entries);
			if (entries.length < 200) return all;
		}
	},
	settings: (patch: Record<string, unknown>, token = E2E_TOKEN) =>
		call("PUT", `/api/settings${q(token)}`, patch),
	/** The bot's messages in a chat. */
	fromBot: async (userId: string) =>
		(await emulator.chat(userId)).filter((i) => i.direction === "out"),
};

/** A client of the emulator's HTTP API (emulator/README.md): what its chat page and a bot call. */
import { parseJson } from "../../src/viber/json";

/** One line of a chat, as the emulator keeps it. */
export type ChatItem = {
	seq: number;
	direction: "in" | "out" | "event";
	message?: Record<string, unknown> & { type?: string; text?: string };
	message_token?: string;
	status?: string;
	text?: string;
};

/** One request or callback in the emulator's log. */
export type LogEntry = {
	seq: number;
	kind: string;
	name: string;
	user_id?: string;
	status: number;
	rejected: boolean;
	request: Record<string, unknown>;
};

/** A test user as the emulator made it. */
export type EmulatedUser = { id: string; name: string };

const PAGE = 200;

/**
 * The emulator's API for one bot token, through a binding to the emulator worker.
 *
 * @example const client = emulatorClient(env.FAKE_VIBER, token); await client.newUser({ name: "Ann" });
 */
export function emulatorClient(emulator: Fetcher, token: string) {
	async function call<T>(
		method: string,
		path: string,
		body?: unknown,
		headers: Record<string, string> = {},
	): Promise<T> {
		const res = await emulator.fetch(`http://emulator${path}`, {
			method,
			headers: { "content-type": "application/json", ...headers },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		if (res.status >= 400) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
		return parseJson(text) as T;
	}
	const q = `?token=${encodeURIComponent(token)}`;
	const user = (id: string, what: string) => `/api/users/${encodeURIComponent(id)}/${what}${q}`;

	return {
		/** What the bot would call: a Viber API endpoint with this token. */
		viber: <T = Record<string, unknown>>(endpoint: string, body: unknown) =>
			call<T>("POST", `/pa/${endpoint}`, body, { "x-viber-auth-token": token }),
		setWebhook: (options: Record<string, unknown> = {}) =>
			call<Record<string, unknown>>(
				"POST",
				"/pa/set_webhook",
				{ url: "https://bot.example/webhook", send_name: true, send_photo: true, ...options },
				{ "x-viber-auth-token": token },
			),
		newUser: (profile: Record<string, unknown> = {}) =>
			call<EmulatedUser>("POST", `/api/users${q}`, { name: "Ann Tester", ...profile }),
		open: (userId: string, context?: string) =>
			call<{ item?: ChatItem }>("POST", user(userId, "open"), context ? { context } : {}),
		send: (userId: string, message: Record<string, unknown>, silent = false) =>
			call<{ item: ChatItem | null }>("POST", user(userId, "messages"), { message, silent }),
		subscribe: (userId: string) => call("POST", user(userId, "subscribe")),
		unsubscribe: (userId: string) => call("POST", user(userId, "unsubscribe")),
		/** A chat's items after `after` (a seq), oldest first. */
		chat: async (userId: string, after = 0) =>
			(await call<{ items: ChatItem[] }>("GET", `${user(userId, "chat")}&after=${after}`)).items,
		/** Every log entry after `after` (a seq), paging through the API's 200 a call. */
		log: async (after = 0) => {
			const all: LogEntry[] = [];
			for (;;) {
				const from = all.at(-1)?.seq ?? after;
				const { entries } = await call<{ entries: LogEntry[] }>(
					"GET",
					`/api/log${q}&after=${from}`,
				);
				all.push(...entries);
				if (entries.length < PAGE) return all;
			}
		},
		settings: (patch: Record<string, unknown>) => call("PUT", `/api/settings${q}`, patch),
	};
}

export type EmulatorClient = ReturnType<typeof emulatorClient>;

/**
 * A bot played by the browser test itself, so that the chat page is tested whatever bot
 * `src/bot.ts` holds: a plain Node server that answers the emulator's callbacks and replies
 * through its Viber API. It shows what the page must render: a welcome with a keyboard, a
 * carousel, an echo, a message without a keyboard, and a broadcast from its cron job.
 */
import { createServer } from "node:http";

const keyboard = {
	Type: "keyboard",
	Buttons: [
		{ Columns: 3, Rows: 1, ActionType: "reply", ActionBody: "ping", Text: "Ping" },
		{ Columns: 3, Rows: 1, ActionType: "reply", ActionBody: "carousel", Text: "A carousel" },
		{ Columns: 6, Rows: 1, ActionType: "reply", ActionBody: "no keyboard", Text: "No keyboard" },
	],
};

const carousel = {
	type: "rich_media",
	min_api_version: 7,
	alt_text: "A carousel of drinks",
	rich_media: {
		Type: "rich_media",
		ButtonsGroupColumns: 6,
		ButtonsGroupRows: 2,
		Buttons: ["Tea", "Coffee", "Cocoa"].flatMap((drink) => [
			{ Columns: 6, Rows: 1, ActionType: "none", ActionBody: "none", Text: `<b>${drink}</b>` },
			{ Columns: 6, Rows: 1, ActionType: "reply", ActionBody: `order ${drink}`, Text: "Order" },
		]),
	},
	keyboard,
};

/** The bot's answer to a text; the echo keeps the keyboard, "no keyboard" drops it. */
function reply(text: string): Record<string, unknown> {
	if (text === "ping") return { type: "text", text: "pong", keyboard };
	if (text === "carousel") return carousel;
	if (text === "no keyboard") return { type: "text", text: "This message has no keyboard." };
	return { type: "text", text, keyboard };
}

export const WELCOME = "Welcome! Tap a button, or write something.";

/** What the bot broadcasts when its cron runs: Viber puts each receiver's name in. */
export const MORNING = "Good morning, replace_me_with_user_name!";
/** An id no user has: the broadcast's failed_list holds it with status 5. */
export const STRANGER = "AAAAAAAAAAAAAAAAAAAAAA==";

export type FakeBot = {
	/** Where the emulator posts callbacks: give it to `set_webhook`. */
	url: string;
	/** Everyone who wrote to the bot, whom its cron job broadcasts to. */
	writers: Set<string>;
	/** Viber's refusals of the bot's own calls (none expected). */
	refusals: unknown[];
	close(): Promise<void>;
};

/**
 * Listens on 127.0.0.1:`port` and answers every callback with 200: `conversation_started` with
 * the welcome message, a text message with `reply(text)` sent through `api`/send_message. Its
 * cron (`/cdn-cgi/handler/scheduled`, any expression) broadcasts MORNING to `writers`.
 *
 * @example const bot = await startFakeBot({ port: 8730, api: "http://127.0.0.1:18788/pa", token });
 */
export async function startFakeBot(options: {
	port: number;
	api: string;
	token: string;
}): Promise<FakeBot> {
	const refusals: unknown[] = [];
	const send = async (receiver: string, message: Record<string, unknown>) => {
		const res = await fetch(`${options.api}/send_message`, {
			method: "POST",
			headers: { "content-type": "application/json", "x-viber-auth-token": options.token },
			body: JSON.stringify({ receiver, sender: { name: "Test Bot" }, ...message }),
		});
		const answer = (await res.json().catch(() => ({ http: res.status }))) as { status?: number };
		if (answer.status !== 0) refusals.push(answer);
	};

	const writers = new Set<string>();
	/** The cron job (the emulator's "Run cron"): one broadcast to every writer and a stranger. */
	const broadcast = async () => {
		const res = await fetch(`${options.api}/broadcast_message`, {
			method: "POST",
			headers: { "content-type": "application/json", "x-viber-auth-token": options.token },
			body: JSON.stringify({
				sender: { name: "Test Bot" },
				type: "text",
				text: MORNING,
				broadcast_list: [...writers, STRANGER],
			}),
		});
		const answer = (await res.json().catch(() => ({ http: res.status }))) as { status?: number };
		if (answer.status !== 0) refusals.push(answer);
	};

	const server = createServer((req, res) => {
		// wrangler dev's path for a worker's scheduled handler, which the emulator calls.
		if (req.url?.startsWith("/cdn-cgi/handler/scheduled")) {
			broadcast().then(
				() => res.writeHead(200).end("ok"),
				(error) => {
					refusals.push(String(error));
					res.writeHead(500).end();
				},
			);
			return;
		}
		let body = "";
		req.on("data", (chunk) => {
			body += chunk;
		});
		req.on("end", () => {
			const event = JSON.parse(body || "{}");
			if (event.event === "conversation_started") {
				res.writeHead(200, { "content-type": "application/json" });
				res.end(
					JSON.stringify({ sender: { name: "Test Bot" }, type: "text", text: WELCOME, keyboard }),
				);
				return;
			}
			res.writeHead(200).end();
			if (event.event === "message") writers.add(event.sender.id);
			if (event.event === "message" && event.message?.type === "text") {
				send(event.sender.id, reply(event.message.text)).catch((error) => refusals.push(error));
			}
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(options.port, "127.0.0.1", resolve);
	});
	return {
		url: `http://127.0.0.1:${options.port}/webhook`,
		writers,
		refusals,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}

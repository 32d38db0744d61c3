/** The chat page's JSON API under `/api/` (emulator/README.md): users, chats, logs, settings. */
import { Hono } from "hono";
import * as v from "valibot";
import { parseJson } from "../../src/viber/json";
import { envelope, newUserId, userObject, wants } from "./callbacks";
import type { Emulator, EmulatorVars } from "./emulator";
import { jsonResponse } from "./reply";
import { checkMessageBody } from "./rules";
import { SettingsPatchSchema } from "./settings";

const NewUserSchema = v.strictObject({
	name: v.pipe(v.string(), v.nonEmpty(), v.maxLength(64)),
	avatar: v.optional(v.pipe(v.string(), v.url())),
	language: v.optional(v.pipe(v.string(), v.maxLength(16)), "en"),
	country: v.optional(v.pipe(v.string(), v.length(2)), "GB"),
	api_version: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20)), 10),
	phone: v.optional(v.pipe(v.string(), v.maxLength(18)), "+441234567890"),
});
const SendSchema = v.object({
	message: v.looseObject({
		type: v.picklist(["text", "picture", "video", "file", "sticker", "contact", "url", "location"]),
	}),
	silent: v.optional(v.boolean(), false),
});
const OpenSchema = v.object({ context: v.optional(v.string()) });
const CronSchema = v.object({ cron: v.pipe(v.string(), v.nonEmpty(), v.maxLength(100)) });

type Ctx = { req: { query(name: string): string | undefined }; env: EmulatorEnv };
const tokenOf = (c: Ctx) => c.req.query("token") || c.env.VIBER_AUTH_TOKEN;
const json = jsonResponse;
const problem = (error: string, status = 400) => json({ error }, status);

async function read<S extends v.GenericSchema>(
	request: Request,
	schema: S,
): Promise<v.InferOutput<S> | string> {
	const body: unknown = await request.json().catch(() => undefined);
	const result = v.safeParse(schema, body ?? {});
	if (result.success) return result.output;
	const issue = result.issues[0];
	return `${v.getDotPath(issue) ?? "body"}: ${issue.message}`;
}

const withSender = (message: Record<string, unknown>) => ({
	...message,
	sender: message.sender ?? { name: "bot" },
});

/** A `conversation_started` whose answer (the welcome message) is shown in the chat. */
async function open(emu: Emulator, token: string, userId: string, context?: string) {
	const user = emu.store.user(token, userId);
	const webhook = emu.store.webhook(token);
	if (!user) return problem("no such user", 404);
	if (!webhook) return problem("the bot has set no webhook yet", 409);
	if (!wants(webhook, "conversation_started")) {
		return json({
			item: emu.store.addChatItem(token, {
				user_id: userId,
				direction: "event",
				text: "conversation_started is not sent: the webhook's event_types leave it out",
			}),
		});
	}
	const callback = {
		...envelope("conversation_started"),
		type: "open",
		...(context ? { context } : {}),
		user: userObject(user, webhook),
		subscribed: user.subscribed,
	};
	emu.store.addChatItem(token, {
		user_id: userId,
		direction: "event",
		text: "conversation opened",
	});
	const result = await emu.postNow(token, callback, userId);
	if (!("status" in result) || result.status !== 200 || result.body.trim() === "") return json({});
	let welcome: unknown;
	try {
		welcome = parseJson(result.body);
	} catch {
		welcome = undefined;
	}
	const isObject = typeof welcome === "object" && welcome !== null && !Array.isArray(welcome);
	// Viber shows a welcome without `sender` under the bot's name (the official Node SDK sends none).
	const refusal = isObject
		? checkMessageBody(withSender(welcome as Record<string, unknown>), "receiver")
		: { status: 3, message: "badData: the welcome message is not a JSON object" };
	const response = refusal
		? { status: refusal.status, status_message: refusal.message }
		: { status: 0, status_message: "ok" };
	emu.journal.record({
		kind: "api",
		token,
		name: "welcome",
		user_id: userId,
		request: welcome ?? result.body,
		response,
		status: response.status,
	});
	if (refusal) {
		return json({
			item: emu.store.addChatItem(token, {
				user_id: userId,
				direction: "event",
				text: `welcome message rejected: ${refusal.message}`,
			}),
		});
	}
	const message = welcome as Record<string, unknown>;
	emu.store.setTrackingData(token, userId, message.tracking_data as string | undefined);
	return json({
		item: emu.store.addChatItem(token, { user_id: userId, direction: "out", message }),
	});
}

/** Subscribing or leaving from the chat info screen: Viber sends `subscribed` / `unsubscribed`. */
function subscription(emu: Emulator, token: string, userId: string, subscribed: boolean) {
	const user = emu.store.user(token, userId);
	if (!user) return problem("no such user", 404);
	emu.store.setUserSubscribed(token, userId, subscribed);
	const event = subscribed ? "subscribed" : "unsubscribed";
	emu.store.addChatItem(token, { user_id: userId, direction: "event", text: event });
	const about = subscribed
		? { user: userObject(user, emu.store.webhook(token)) }
		: { user_id: userId };
	emu.queueCallback(token, { ...envelope(event), ...about }, userId);
	return json({ ok: true });
}

export const ui = new Hono<EmulatorVars>();

ui.get("/state", (c) => {
	const emu = c.var.emulator;
	const token = tokenOf(c);
	return json({
		token,
		webhook: emu.store.webhook(token) ?? null,
		users: emu.store.users(token),
		settings: emu.settings(token),
	});
});

ui.post("/users", async (c) => {
	const profile = await read(c.req.raw, NewUserSchema);
	if (typeof profile === "string") return problem(profile);
	return json(c.var.emulator.store.addUser(tokenOf(c), newUserId(), profile), 201);
});

ui.get("/users/:id/chat", (c) => {
	const emu = c.var.emulator;
	const user = emu.store.user(tokenOf(c), c.req.param("id"));
	if (!user) return problem("no such user", 404);
	const after = Number(c.req.query("after") ?? 0) || 0;
	const items = emu.store.chat(tokenOf(c), user.id, after);
	return json({ user, items, keyboard: emu.store.currentKeyboard(tokenOf(c), user.id) });
});

ui.post("/users/:id/open", async (c) => {
	const body = await read(c.req.raw, OpenSchema);
	if (typeof body === "string") return problem(body);
	return open(c.var.emulator, tokenOf(c), c.req.param("id"), body.context);
});

ui.post("/users/:id/messages", async (c) => {
	const body = await read(c.req.raw, SendSchema);
	if (typeof body === "string") return problem(body);
	const emu = c.var.emulator;
	const token = tokenOf(c);
	if (!emu.store.user(token, c.req.param("id"))) return problem("no such user", 404);
	if (!emu.store.webhook(token)) return problem("the bot has set no webhook yet", 409);
	return json({ item: emu.userSends(token, c.req.param("id"), body.message, body.silent) ?? null });
});

ui.post("/users/:id/subscribe", (c) =>
	subscription(c.var.emulator, tokenOf(c), c.req.param("id"), true),
);
ui.post("/users/:id/unsubscribe", (c) =>
	subscription(c.var.emulator, tokenOf(c), c.req.param("id"), false),
);

ui.post("/cron", async (c) => {
	const body = await read(c.req.raw, CronSchema);
	if (typeof body === "string") return problem(body);
	const webhook = c.var.emulator.store.webhook(tokenOf(c));
	if (!webhook) return problem("the bot has set no webhook yet, so its address is unknown", 409);
	// wrangler dev runs a worker's scheduled handler on this path.
	const url = new URL(
		`/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(body.cron)}`,
		webhook.url,
	);
	const res = await fetch(url).catch(() => undefined);
	c.var.emulator.journal.record({
		kind: "callback",
		token: tokenOf(c),
		name: "scheduled",
		request: { cron: body.cron },
		response: res ? await res.text() : { error: "unreachable" },
		status: res?.status ?? 0,
	});
	return json({ ok: res?.ok ?? false, status: res?.status ?? 0 });
});

ui.get("/broadcasts", (c) => {
	const limit = Number(c.req.query("limit") ?? 20) || 20;
	return json({ broadcasts: c.var.emulator.broadcastBook.list(tokenOf(c), limit) });
});

ui.get("/log", (c) => {
	const after = Number(c.req.query("after") ?? 0) || 0;
	return json({ entries: c.var.emulator.journal.entries(tokenOf(c), after) });
});

ui.put("/settings", async (c) => {
	const patch = await read(c.req.raw, SettingsPatchSchema);
	if (typeof patch === "string") return problem(patch);
	const emu = c.var.emulator;
	const token = tokenOf(c);
	// Only what was ever set is saved: the rest keeps following the defaults.
	const saved = JSON.parse(emu.store.settingsJson(token) ?? "{}") as Record<string, unknown>;
	emu.store.saveSettings(token, { ...saved, ...patch });
	return json(emu.settings(token));
});

/**
 * The emulator asked directly, as strict as Viber where Viber is strict (no send before a
 * webhook, only subscribed receivers, 2 get_user_details per user per 12 h) and as lenient where
 * Viber is (the token in the body, no Content-Type).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { parseJson } from "../../src/viber/json";
import { E2E_TOKEN, emulator } from "../helpers/emulator";

type Answer = Record<string, unknown> & { status: number; status_message: string };

/** A raw call: no Content-Type (bytes, not a string, so fetch adds none), headers as given. */
async function raw(endpoint: string, body: unknown, headers: Record<string, string> = {}) {
	const res = await env.FAKE_VIBER.fetch(`http://emulator/pa/${endpoint}`, {
		method: "POST",
		headers,
		body: new TextEncoder().encode(JSON.stringify(body)),
	});
	expect(res.status).toBe(200);
	return parseJson(await res.text()) as Answer;
}
const pa = (endpoint: string, body: unknown, token: string) =>
	emulator.viber<Answer>(endpoint, body, token);

const message = { type: "text", text: "Hi", sender: { name: "Bot" } };
const send = (receiver: string, token = E2E_TOKEN) =>
	pa("send_message", { ...message, receiver }, token);
const broadcast = (ids: string[], token = E2E_TOKEN) =>
	pa("broadcast_message", { ...message, broadcast_list: ids }, token);
const details = (id: string, token = E2E_TOKEN) => pa("get_user_details", { id }, token);
const strict = (token: string, on: boolean) => emulator.settings({ strict: on }, token);
const freshToken = () => `rules-${crypto.randomUUID()}`;
const UNKNOWN = "AAAAAAAAAAAAAAAAAAAAAA==";

/** A user who subscribed (from the chat's info screen: no message for the bot to answer). */
async function subscribedUser(): Promise<string> {
	const user = await emulator.newUser();
	await emulator.subscribe(user.id);
	return user.id;
}

describe("before a webhook is set", () => {
	it("refuses send_message and broadcast_message with status 10", async () => {
		const token = freshToken();
		await strict(token, true);
		const user = await emulator.newUser({}, token);
		expect(await send(user.id, token)).toMatchObject({ status: 10 });
		expect((await send(user.id, token)).status_message).toMatch(/^webhookNotSet: /);
		expect(await broadcast([user.id], token)).toMatchObject({ status: 10 });
	});

	it("sends with strict off: a bare fake API for a client's unit tests", async () => {
		const token = freshToken();
		await strict(token, false);
		expect(await send("any-id", token)).toMatchObject({ status: 0 });
	});
});

describe("receivers who never subscribed", () => {
	beforeAll(async () => {
		expect(await emulator.setWebhook()).toMatchObject({ status: 0 });
	});

	it("refuses an unknown id with 5 and a user who only opened the chat with 6", async () => {
		expect(await send(UNKNOWN)).toMatchObject({ status: 5 });
		expect((await send(UNKNOWN)).status_message).toMatch(/^receiverNotRegistered: /);
		const opener = await emulator.newUser();
		await emulator.open(opener.id);
		expect(await send(opener.id)).toEqual({ status: 6, status_message: "notSubscribed" });
	});

	it("sends to a user once subscribed, and refuses again once they left", async () => {
		const id = await subscribedUser();
		expect(await send(id)).toMatchObject({ status: 0 });
		await emulator.unsubscribe(id);
		expect(await send(id)).toMatchObject({ status: 6 });
	});

	it("lists them in broadcast_message's failed_list with 5 and 6", async () => {
		const reached = await subscribedUser();
		const opener = await emulator.newUser();
		const answer = await broadcast([reached, UNKNOWN, opener.id]);
		expect(answer.status).toBe(0);
		expect(answer.failed_list).toEqual([
			expect.objectContaining({ receiver: UNKNOWN, status: 5 }),
			{ receiver: opener.id, status: 6, status_message: "notSubscribed" },
		]);
		const chat = await emulator.chat(reached);
		expect(chat.at(-1)).toMatchObject({ direction: "out", message_token: answer.message_token });
	});

	it("reports them unavailable in get_online", async () => {
		const reached = await subscribedUser();
		const { users } = await pa("get_online", { ids: [reached, UNKNOWN] }, E2E_TOKEN);
		expect(users).toEqual([
			expect.objectContaining({ id: reached, online_status: 0 }),
			expect.objectContaining({ id: UNKNOWN, online_status: 4 }),
		]);
	});
});

describe("get_user_details", () => {
	it("answers twice per user, then refuses a third call with 12; others are counted apart", async () => {
		const [ann, bob] = [await emulator.newUser({ name: "Ann" }), await emulator.newUser()];
		expect(await details(ann.id)).toMatchObject({ status: 0, user: { id: ann.id, name: "Ann" } });
		expect(await details(ann.id)).toMatchObject({ status: 0 });
		const third = await details(ann.id);
		expect(third.status).toBe(12);
		expect(third.status_message).toMatch(/^tooManyRequests: get_user_details is limited to 2/);
		expect(await details(bob.id)).toMatchObject({ status: 0 });
	});

	it("refuses an unknown id with 5 instead of making a profile up", async () => {
		const answer = await details(UNKNOWN);
		expect(answer.status).toBe(5);
		expect(answer).not.toHaveProperty("user");
	});
});

describe("the token in the body, no Content-Type (Viber's Python SDK)", () => {
	it("accepts set_webhook and send_message with auth_token only in the JSON body", async () => {
		// What fetch sends for these bytes: no Content-Type header at all.
		expect(
			new Request("http://x", { method: "POST", body: new Uint8Array(1) }).headers.has(
				"content-type",
			),
		).toBe(false);
		const hook = await raw("set_webhook", {
			auth_token: E2E_TOKEN,
			url: "https://bot.example/webhook",
			is_inline: false,
		});
		expect(hook).toMatchObject({ status: 0 });
		const id = await subscribedUser();
		const sent = await raw("send_message", { auth_token: E2E_TOKEN, receiver: id, ...message });
		expect(sent).toMatchObject({ status: 0 });
		const [request] = (await emulator.log()).filter(
			(e) => e.kind === "api" && e.name === "send_message" && e.request.receiver === id,
		);
		expect(request?.status).toBe(0);
	});

	it("takes the header over the body, and still answers 2 without either", async () => {
		const id = await subscribedUser();
		const header = { "X-Viber-Auth-Token": E2E_TOKEN };
		const body = { auth_token: "someone-else", receiver: id, ...message };
		expect(await raw("send_message", body, header)).toMatchObject({ status: 0 });
		expect(await raw("send_message", { receiver: id, ...message })).toEqual({
			status: 2,
			status_message: "missing_auth_token",
		});
	});
});

describe("the keyboard the chat shows", () => {
	it("is the latest bot message's, and none after a message without one", async () => {
		const token = freshToken();
		await strict(token, false);
		const user = await emulator.newUser({}, token);
		await emulator.subscribe(user.id, token);
		const keyboard = { Type: "keyboard", Buttons: [{ ActionBody: "yes", Text: "Yes" }] };
		const chatKeyboard = async () => {
			const res = await env.FAKE_VIBER.fetch(
				`http://emulator/api/users/${encodeURIComponent(user.id)}/chat?token=${token}`,
			);
			return ((await res.json()) as { keyboard: unknown }).keyboard;
		};
		expect(await chatKeyboard()).toBeNull();
		await pa("send_message", { ...message, receiver: user.id, keyboard }, token);
		expect(await chatKeyboard()).toEqual(keyboard);
		await pa("send_message", { ...message, receiver: user.id }, token);
		expect(await chatKeyboard()).toBeNull();
	});
});

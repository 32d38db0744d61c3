import { describe, expect, it, vi } from "vitest";
import { type Callback, toCallback } from "../../src/viber/callback";
import { callbacks, newToken, newUserId, post, user } from "../helpers/callbacks";
import { fakeViber } from "../helpers/fake-viber";

/** The reply texts the test bot sent to `userId`, once it has sent `count` of them. */
async function repliesTo(userId: string, count = 1): Promise<unknown[]> {
	let texts: unknown[] = [];
	await vi.waitFor(async () => {
		const sent = await fakeViber.requests({ endpoint: "send_message", receiver: userId });
		texts = sent.map((r) => r.body.text);
		expect(texts.length).toBeGreaterThanOrEqual(count);
	});
	return texts;
}

const message = (m: Record<string, unknown>, overrides: Record<string, unknown> = {}) =>
	toCallback(callbacks.message("u1", m, overrides)) as Extract<Callback, { event: "message" }>;

describe("POST /webhook liberal field types", () => {
	it("answers 200 to a sticker_id sent as a string, as Viber's docs show it", async () => {
		const res = await post(
			callbacks.message(newUserId(), { type: "sticker", sticker_id: "40129" }),
		);
		expect(res.status).toBe(200);
	});

	it("answers 200 to a message whose type is literally unknown, and runs message:unknown", async () => {
		const userId = newUserId();
		const res = await post(callbacks.message(userId, { type: "unknown" }));
		expect(res.status).toBe(200);
		expect(await repliesTo(userId)).toEqual(["unknown message type unknown"]);
	});

	it("answers 200 to an event literally named unknown", async () => {
		const userId = newUserId();
		const body = { event: "unknown", timestamp: Date.now(), message_token: newToken() };
		const res = await post({ ...body, user_id: userId });
		expect(res.status).toBe(200);
		expect(await repliesTo(userId)).toEqual(["unknown event unknown"]);
	});

	it("answers 200 to numbers as strings, nulls for optional fields and locale tags", async () => {
		const userId = newUserId();
		const res = await post(
			callbacks.conversationStarted(userId, true, {
				timestamp: String(Date.now()),
				chat_hostname: null,
				context: null,
				subscribed: "true",
				user: user(userId, { api_version: "8", language: "en-CA", name: null, avatar: null }),
			}),
		);
		expect(res.status).toBe(200);
	});
});

describe("toCallback liberal field types", () => {
	it('reads sticker_id as a number, whether Viber sends 40129 or "40129"', () => {
		expect(message({ type: "sticker", sticker_id: "40129" }).message).toMatchObject({
			sticker_id: 40129,
		});
		expect(message({ type: "sticker", sticker_id: 40129 }).message).toMatchObject({
			sticker_id: 40129,
		});
	});

	it("reads numbers sent as strings as numbers, and null as absent", () => {
		const now = Date.now();
		const callback = message(
			{ type: "location", location: { lat: "50.76891", lon: "6.11499" }, tracking_data: null },
			{ timestamp: String(now), sender: user("u1", { api_version: "8", avatar: null }) },
		);
		expect(callback.timestamp).toBe(now);
		expect(callback.sender.api_version).toBe(8);
		expect(callback.sender.avatar).toBeUndefined();
		expect(callback.message).toMatchObject({ location: { lat: 50.76891, lon: 6.11499 } });
		expect(callback.message.tracking_data).toBeUndefined();
		const file = message({ type: "file", media: "m", size: "2048", file_size: 2048 }).message;
		expect(file).toMatchObject({ size: 2048, file_size: 2048 });
	});

	it("keeps a message type literally named unknown as unknown", () => {
		expect(message({ type: "unknown" }).message).toMatchObject({
			type: "unknown",
			original_type: "unknown",
		});
	});

	it("stays strict on ids, tokens, timestamps and the fields a message is made of", () => {
		const bad: Record<string, unknown>[] = [
			callbacks.message("u1", { type: "sticker", sticker_id: "forty" }),
			callbacks.text("u1", "x", { timestamp: "yesterday" }),
			callbacks.text("u1", "x", { timestamp: null }),
			callbacks.text("u1", "x", { message_token: "12a" }),
			callbacks.text("u1", "x", { sender: user("") }),
			callbacks.text("u1", "x", { sender: { ...user("u1"), id: 42 } }),
			callbacks.message("u1", { type: "text", text: 42 }),
			callbacks.message("u1", { type: "location", location: { lat: "north", lon: 1 } }),
			{ event: "unsubscribed", timestamp: Date.now(), message_token: "1", user_id: null },
		];
		for (const body of bad) expect(() => toCallback(body), JSON.stringify(body)).toThrow();
	});

	it("refuses a timestamp that JSON turned into Infinity", async () => {
		const res = await post(
			JSON.stringify(callbacks.text(newUserId(), "x")).replace(
				/"timestamp":\d+/,
				'"timestamp":1e400',
			),
		);
		expect(res.status).toBe(400);
	});
});

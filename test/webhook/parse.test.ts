import { describe, expect, it, vi } from "vitest";
import { CALLBACK_FIXTURES, MESSAGE_FIXTURES } from "../fixtures/callbacks";
import { callbacks, newToken, newUserId, post } from "../helpers/callbacks";
import { fakeViber } from "../helpers/fake-viber";

describe("POST /webhook parsing", () => {
	it.each(Object.entries(CALLBACK_FIXTURES))(
		"accepts the %s callback as Viber sends it",
		async (_name, body) => {
			const res = await post(body);
			expect(res.status).toBe(200);
		},
	);

	it.each(Object.entries(MESSAGE_FIXTURES))(
		"accepts an inbound %s message",
		async (_type, message) => {
			const res = await post(callbacks.message(newUserId(), message));
			expect(res.status).toBe(200);
		},
	);

	it("answers 400 for malformed JSON", async () => {
		const res = await post('{"event":"message",');
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ error: "the body is not valid JSON" });
	});

	it("answers 400 for bytes that are not UTF-8, though signed", async () => {
		// Valid JSON but for one 0xff byte inside a string: only the UTF-8 check can refuse it.
		const bytes = new TextEncoder().encode('{"event":"webhook","timestamp":1,"x":"?"}');
		bytes[bytes.indexOf("?".charCodeAt(0))] = 0xff;
		const res = await post(bytes);
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ error: "the body is not valid JSON" });
	});

	it("answers 400 naming the field when the shape is wrong", async () => {
		const res = await post({
			event: "message",
			timestamp: 1,
			message_token: newToken(),
			message: { type: "text", text: "x" },
		});
		expect(res.status).toBe(400);
		expect((await res.json()) as { error: string }).toEqual({
			error: expect.stringContaining("sender"),
		});
	});

	it("answers 400 for a JSON value that is not an object", async () => {
		expect((await post("[1,2]")).status).toBe(400);
		expect((await post("null")).status).toBe(400);
	});

	it("answers 413 for a 2 MiB body without reading it", async () => {
		const res = await post(`{"event":"webhook","pad":"${"x".repeat(2 * 1024 * 1024)}"}`);
		expect(res.status).toBe(413);
	});

	it("answers 200 to an unknown event type and passes it to the bot as unknown", async () => {
		const userId = newUserId();
		const res = await post({
			event: "brand_new_event",
			timestamp: Date.now(),
			message_token: newToken(),
			user: { id: userId },
		});
		expect(res.status).toBe(200);
		await vi.waitFor(async () => {
			const sent = await fakeViber.requests({ endpoint: "send_message", receiver: userId });
			expect(sent.map((r) => r.body.text)).toEqual(["unknown event brand_new_event"]);
		});
	});

	it("answers 200 to an unknown message type and passes it to the bot as unknown", async () => {
		const userId = newUserId();
		const res = await post(callbacks.message(userId, { type: "hologram", media: "x" }));
		expect(res.status).toBe(200);
		await vi.waitFor(async () => {
			const sent = await fakeViber.requests({ endpoint: "send_message", receiver: userId });
			expect(sent.map((r) => r.body.text)).toEqual(["unknown message type hologram"]);
		});
	});
});

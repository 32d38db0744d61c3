import { describe, expect, it, vi } from "vitest";
import { stringifyJson } from "../../src/viber/json";
import { MAX_BODY_BYTES } from "../../src/webhook/app";
import { CALLBACK_FIXTURES, MESSAGE_FIXTURES, withFreshTimestamp } from "../fixtures/callbacks";
import { callbacks, newToken, newUserId, post } from "../helpers/callbacks";
import { fakeViber } from "../helpers/fake-viber";

describe("POST /webhook parsing", () => {
	it.each(Object.entries(CALLBACK_FIXTURES))(
		"accepts the %s callback as Viber sends it",
		async (_name, body) => {
			const res = await post(withFreshTimestamp(body));
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

	it("answers 400, never 500, to bodies nested deeper than 32 levels", async () => {
		const deep = (d: number) => ({
			objects: `${'{"a":'.repeat(d)}1${"}".repeat(d)}`,
			arrays: `${"[".repeat(d)}${"]".repeat(d)}`,
		});
		// Around 3,000 levels the structured clone to the Subscriber overflowed its stack: a 500.
		for (const depth of [33, 2_500, 3_000, 40_000]) {
			for (const [kind, value] of Object.entries(deep(depth))) {
				const body = stringifyJson(callbacks.text(newUserId(), "x")).replace(
					'"text":"x"',
					`"text":"x","extra":${value}`,
				);
				const res = await post(body);
				expect(res.status, `${depth} ${kind}`).toBe(body.length > MAX_BODY_BYTES ? 413 : 400);
			}
		}
		// Brackets inside strings do not count, and 32 levels are fine (the callback's object is one).
		const text = stringifyJson(callbacks.text(newUserId(), '[[[[{{{{\\"'.repeat(100)));
		const res = await post(text.replace('"event"', `"extra":${deep(31).arrays},"event"`));
		expect(res.status).toBe(200);
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

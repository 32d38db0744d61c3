import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/webhook/app";
import { BODY_WITHIN_MS } from "../../src/webhook/body";
import { callbacks, newUserId, subscriber } from "../helpers/callbacks";
import { testBot } from "../worker";

/** A request with a declared `Content-Length`, answered in-process. */
function declared(body: ReadableStream<Uint8Array>, length: number) {
	const request = new Request("http://bot.test/webhook", {
		method: "POST",
		body,
		headers: { "content-length": String(length) },
	});
	return createApp(testBot).fetch(request, env, createExecutionContext());
}

describe("A body of a declared length", () => {
	it("answers 408 when it trickles in slower than the deadline", async () => {
		const stream = new ReadableStream<Uint8Array>({
			async pull(controller) {
				await scheduler.wait(200);
				controller.enqueue(new Uint8Array(10).fill(0x20));
			},
		});
		const started = Date.now();
		const res = await declared(stream, 100_000);
		expect(res.status).toBe(408);
		expect(Date.now() - started).toBeLessThan(BODY_WITHIN_MS + 10_000);
	});

	it("answers 400 when the upload breaks off, or ends short, and dispatches nothing", async () => {
		const userId = newUserId();
		const text = new TextEncoder().encode(JSON.stringify(callbacks.text(userId, "x")));
		const broken = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(text.slice(0, 40));
				controller.error(new Error("connection lost"));
			},
		});
		expect((await declared(broken, text.byteLength)).status).toBe(400);
		const short = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(text.slice(0, 40));
				controller.close();
			},
		});
		expect((await declared(short, text.byteLength)).status).toBe(400);
		expect(await subscriber(userId).profile()).toBeNull();
	});
});

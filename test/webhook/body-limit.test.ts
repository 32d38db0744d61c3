import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signBody } from "../../src/viber/signature";
import { createApp, MAX_BODY_BYTES } from "../../src/webhook/app";
import { BODY_WITHIN_MS } from "../../src/webhook/body";
import { callbacks, newUserId, post, subscriber, TOKEN } from "../helpers/callbacks";
import { testBot } from "../worker";

const CHUNK = new Uint8Array(64 * 1024).fill(0x20);

/** A chunked body (no Content-Length) of `chunks` 64 KiB pieces, or endless; counts what was pulled. */
function chunkedBody(chunks = Number.POSITIVE_INFINITY) {
	const seen = { pulled: 0 };
	const stream = new ReadableStream<Uint8Array>({
		pull(controller) {
			if (seen.pulled >= chunks) return controller.close();
			seen.pulled += 1;
			controller.enqueue(CHUNK);
		},
	});
	return { stream, seen };
}

/** An endless body of 10 bytes every 200 ms: slower than any deadline allows. */
function trickle() {
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			await scheduler.wait(200);
			controller.enqueue(new Uint8Array(10).fill(0x20));
		},
	});
}

function postRaw(body: BodyInit, headers: Record<string, string> = {}, path = "/webhook") {
	return exports.default.fetch(`http://bot.test${path}`, { method: "POST", headers, body });
}

/** In-process: across a service binding the sender's own fetch would fail first on a broken body. */
function postInProcess(body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) {
	const request = new Request("http://bot.test/webhook", { method: "POST", body, headers });
	return createApp(testBot).fetch(request, env, createExecutionContext());
}

/** A body that sends `bytes`, then breaks off (`error`) or ends there. */
function cutBody(bytes: Uint8Array, how: "error" | "close") {
	return new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(bytes);
			if (how === "error") controller.error(new Error("connection lost"));
			else controller.close();
		},
	});
}

describe("POST /webhook body cap", () => {
	it("accepts the largest callback Viber sends: 7,000 escaped non-Latin characters", async () => {
		const userId = newUserId();
		const text = "Ж".repeat(7000);
		// Viber escapes non-ASCII characters: 6 bytes each on the wire.
		const body = JSON.stringify(callbacks.text(userId, text)).replace(
			/[^\x20-\x7e]/g,
			(ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
		);
		expect(body.length).toBeGreaterThan(42_000);
		expect(body.length).toBeLessThan(MAX_BODY_BYTES / 3);
		const res = await post(body);
		expect(res.status).toBe(200);
	});

	it("answers 413 to a signed body one byte over the cap", async () => {
		const pad = " ".repeat(MAX_BODY_BYTES - 2);
		const atCap = `{${pad}}`.slice(0, MAX_BODY_BYTES);
		expect((await post(`${atCap} `)).status).toBe(413);
		// At the cap exactly the body is read, verified and parsed (`{ ... }` is no callback: 400).
		expect((await post(`{${" ".repeat(MAX_BODY_BYTES - 2)}}`)).status).toBe(400);
	});

	it("answers 413 before the signature: an unsigned over-size body is refused for its size", async () => {
		const res = await postRaw(new Uint8Array(MAX_BODY_BYTES + 1));
		expect(res.status).toBe(413);
		expect(await res.json()).toEqual({ error: "body larger than 128 KiB" });
	});

	it("answers 413 to a chunked upload past the cap, read to its end and dropped", async () => {
		const userId = newUserId();
		const head = JSON.stringify(callbacks.text(userId, "x")).slice(0, -1);
		const { stream, seen } = chunkedBody(80); // 5 MiB
		const signature = await signBody(TOKEN, head);
		const res = await postRaw(stream, { "x-viber-content-signature": signature });
		expect(res.status).toBe(413);
		// Read to the end (and thrown away), so the client gets its answer, not a reset.
		expect(seen.pulled).toBe(80);
		expect(await subscriber(userId).profile()).toBeNull();
	});

	it("answers 413 to an endless chunked upload, then stops reading it", async () => {
		const { stream, seen } = chunkedBody();
		const started = Date.now();
		const res = await postRaw(stream);
		expect(res.status).toBe(413);
		expect(Date.now() - started).toBeLessThan(10_000);
		// Drained at most 32 MiB (512 chunks of 64 KiB) plus what the pipe held, then no more.
		const pulled = seen.pulled;
		expect(pulled).toBeLessThan(600);
		await scheduler.wait(200);
		expect(seen.pulled).toBe(pulled);
	});

	for (const [how, headers] of [
		["chunked body", {}],
		["body of a declared length", { "content-length": "100000" }],
	] as const) {
		it(`answers 408 to a ${how} that trickles in slower than the deadline`, async () => {
			const started = Date.now();
			const res = await postInProcess(trickle(), headers);
			expect(res.status).toBe(408);
			expect(Date.now() - started).toBeGreaterThanOrEqual(BODY_WITHIN_MS - 100);
			expect(Date.now() - started).toBeLessThan(BODY_WITHIN_MS + 10_000);
		});
	}

	it("answers 400 to an upload that breaks off, and dispatches nothing", async () => {
		const userId = newUserId();
		const head = new TextEncoder().encode(JSON.stringify(callbacks.text(userId, "x")).slice(0, 40));
		const res = await postInProcess(cutBody(head, "error"));
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ error: "the body broke off" });
		expect(await subscriber(userId).profile()).toBeNull();
	});

	it("answers 400 to a body of a declared length that breaks off or ends short", async () => {
		const userId = newUserId();
		const text = new TextEncoder().encode(JSON.stringify(callbacks.text(userId, "x")));
		const declared = { "content-length": String(text.byteLength) };
		expect((await postInProcess(cutBody(text.slice(0, 40), "error"), declared)).status).toBe(400);
		expect((await postInProcess(cutBody(text.slice(0, 40), "close"), declared)).status).toBe(400);
		expect(await subscriber(userId).profile()).toBeNull();
	});

	it("answers 413 from Content-Length alone when it declares more than the cap", async () => {
		const body = new Uint8Array(MAX_BODY_BYTES * 2);
		const res = await postRaw(body, { "content-length": String(body.byteLength) });
		expect(res.status).toBe(413);
	});
});

describe("wrong paths and methods", () => {
	it("answers 405 with Allow: POST to other methods on /webhook", async () => {
		for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
			const res = await exports.default.fetch("http://bot.test/webhook", { method });
			expect(res.status, method).toBe(405);
			expect(res.headers.get("allow")).toBe("POST");
		}
	});

	it("answers 405 with Allow: GET to a POST on /health", async () => {
		const res = await postRaw("x", {}, "/health");
		expect(res.status).toBe(405);
		expect(res.headers.get("allow")).toBe("GET");
	});

	it("answers 404 to other paths, body or not", async () => {
		expect((await postRaw(chunkedBody(20).stream, {}, "/webhook/x")).status).toBe(404);
		expect((await exports.default.fetch("http://bot.test/")).status).toBe(404);
	});
});

import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signBody, verifySignature } from "../../src/viber/signature";
import { createApp } from "../../src/webhook/app";
import { callbacks, newUserId, post, TOKEN } from "../helpers/callbacks";
import { captureErrors } from "../helpers/console";
import { testBot } from "../worker";

const webhookEvent = () => ({
	event: "webhook",
	timestamp: Date.now(),
	message_token: "5466394344559121456",
});

describe("POST /webhook signature", () => {
	const errors = captureErrors();

	it("accepts a valid signature in X-Viber-Content-Signature", async () => {
		const res = await post(webhookEvent());
		expect(res.status).toBe(200);
	});

	it("accepts a valid signature in ?sig= when the header is absent", async () => {
		const res = await post(webhookEvent(), { signature: "query" });
		expect(res.status).toBe(200);
	});

	it("answers 401 when no signature is given", async () => {
		const res = await post(webhookEvent(), { signature: "none" });
		expect(res.status).toBe(401);
	});

	it("answers 403 when the signature was made with another key", async () => {
		const res = await post(webhookEvent(), { signWith: "some-other-token" });
		expect(res.status).toBe(403);
	});

	it("answers 403 when the signature is not 64 hex characters", async () => {
		for (const rawSignature of ["abc123", "g".repeat(64), "a".repeat(63), "a".repeat(65)]) {
			const res = await post(webhookEvent(), { rawSignature });
			expect(res.status, rawSignature).toBe(403);
		}
	});

	it("answers 403 when the signature belongs to a different body", async () => {
		const userId = newUserId();
		const signed = JSON.stringify(callbacks.text(userId, "hello"));
		const res = await post(JSON.stringify(callbacks.text(userId, "hellO")), {
			rawSignature: await signBody(TOKEN, signed),
		});
		expect(res.status).toBe(403);
		// Nothing ran: the user was never recorded.
		expect(await env.SUBSCRIBER.getByName(userId).profile()).toBeNull();
	});

	it("verifies the exact bytes: re-serialised JSON does not pass", async () => {
		const body = '{"event":"webhook", "timestamp":1,"message_token":5466394344559121456}';
		const sig = await signBody(TOKEN, body);
		expect(await verifySignature(TOKEN, new TextEncoder().encode(body), sig)).toBe(true);
		const reserialised = JSON.stringify(JSON.parse(body));
		expect(await verifySignature(TOKEN, new TextEncoder().encode(reserialised), sig)).toBe(false);
	});

	it("answers 500 and accepts nothing when VIBER_AUTH_TOKEN is missing", async () => {
		const app = createApp(testBot);
		const userId = newUserId();
		const body = JSON.stringify(callbacks.text(userId, "hello"));
		const req = new Request("http://bot.test/webhook", {
			method: "POST",
			headers: { "x-viber-content-signature": await signBody("any-token", body) },
			body,
		});
		const res = await app.fetch(req, { ...env, VIBER_AUTH_TOKEN: "" }, createExecutionContext());
		expect(res.status).toBe(500);
		expect(await res.json()).toEqual({ error: "the bot is not configured" });
		expect(await env.SUBSCRIBER.getByName(userId).profile()).toBeNull();
		await errors.logged(/^VIBER_AUTH_TOKEN is not set: put it in \.dev\.vars/);
	});
});

describe("GET /health", () => {
	it("answers 200 ok", async () => {
		const res = await exports.default.fetch("http://bot.test/health");
		expect(res.status).toBe(200);
		expect(await res.text()).toBe("ok");
	});
});

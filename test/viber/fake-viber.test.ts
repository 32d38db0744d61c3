import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseJson } from "../../src/viber/json";
import { fakeViber } from "../helpers/fake-viber";

const newToken = () => `fake-test-${crypto.randomUUID()}`;

/** Calls the fake's Viber side directly, as a bot would. */
async function call(endpoint: string, body: unknown, token?: string) {
	const headers: Record<string, string> = token ? { "X-Viber-Auth-Token": token } : {};
	const res = await env.FAKE_VIBER.fetch(`http://fake/pa/${endpoint}`, {
		method: "POST",
		headers,
		body: typeof body === "string" ? body : JSON.stringify(body),
	});
	const text = await res.text();
	return {
		http: res.status,
		text,
		json: res.ok ? (parseJson(text) as Record<string, unknown>) : {},
	};
}

const send = (token: string, receiver: string) =>
	call("send_message", { receiver, type: "text", text: "hi", sender: { name: "Bot" } }, token);

describe("fake Viber API", () => {
	it("answers a send with a raw 19-digit integer token past 2^53", async () => {
		const { http, text, json } = await send(newToken(), "u1");
		expect(http).toBe(200);
		expect(text).toMatch(/"message_token":\d{19}[,}]/);
		expect(json).toMatchObject({
			status: 0,
			status_message: "ok",
			chat_hostname: "SN-CHAT-01_",
			billing_status: 1,
		});
		expect(BigInt(json.message_token as string)).toBeGreaterThan(2n ** 53n);
	});

	it("answers status 2 without a token, and records the request", async () => {
		const receiver = crypto.randomUUID();
		const { json } = await call("send_message", {
			receiver,
			type: "text",
			text: "hi",
			sender: { name: "B" },
		});
		expect(json).toEqual({ status: 2, status_message: "missing_auth_token" });
		const [request] = await fakeViber.requests({ receiver });
		expect(request).toMatchObject({ token: "", endpoint: "send_message" });
	});

	it("answers HTTP 404 for an unknown endpoint", async () => {
		expect((await call("post", {}, newToken())).http).toBe(404);
	});

	it("answers status 3 for a body that is not JSON, keeping its raw text", async () => {
		const token = newToken();
		expect((await call("send_message", "{oops", token)).json).toMatchObject({ status: 3 });
		expect(await fakeViber.requests({ token })).toMatchObject([{ body: {}, rawBody: "{oops" }]);
	});

	it("answers status 3 for a message its schema rejects", async () => {
		const token = newToken();
		const { json } = await call(
			"send_message",
			{ receiver: "u", type: "text", text: "", sender: { name: "B" } },
			token,
		);
		expect(json).toMatchObject({ status: 3 });
	});

	it("answers status 3 for more than 300 broadcast ids or 100 online ids", async () => {
		const token = newToken();
		const many = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);
		const message = { type: "text", text: "hi", sender: { name: "B" } };
		expect(
			(await call("broadcast_message", { ...message, broadcast_list: many(301) }, token)).json,
		).toMatchObject({ status: 3 });
		expect(
			(await call("broadcast_message", { ...message, broadcast_list: many(300) }, token)).json,
		).toMatchObject({ status: 0 });
		expect((await call("get_online", { ids: many(101) }, token)).json).toMatchObject({ status: 3 });
		expect((await call("get_online", { ids: many(100) }, token)).json).toMatchObject({ status: 0 });
	});

	it("scopes unsubscribed receivers by token, and subscribe undoes it", async () => {
		const [a, b] = [newToken(), newToken()];
		await fakeViber.unsubscribe(a, "u1");
		expect((await send(a, "u1")).json).toMatchObject({
			status: 6,
			status_message: "notSubscribed",
		});
		expect((await send(b, "u1")).json).toMatchObject({ status: 0 });
		await fakeViber.subscribe(a, "u1");
		expect((await send(a, "u1")).json).toMatchObject({ status: 0 });
	});

	it("filters requests by receiver, matching broadcast list members, in arrival order", async () => {
		const token = newToken();
		const message = { type: "text", text: "hi", sender: { name: "B" } };
		await send(token, "x");
		await call("broadcast_message", { ...message, broadcast_list: ["y", "x"] }, token);
		await send(token, "y");
		const found = await fakeViber.requests({ token, receiver: "x" });
		expect(found.map((r) => r.endpoint)).toEqual(["send_message", "broadcast_message"]);
	});

	it("consumes a fault `times` times, for its own token only", async () => {
		const [a, b] = [newToken(), newToken()];
		await fakeViber.fault({ token: a, endpoint: "send_message", status: 12, times: 2 });
		expect((await send(b, "u")).json).toMatchObject({ status: 0 });
		expect((await send(a, "u")).json).toMatchObject({
			status: 12,
			status_message: "tooManyRequests",
		});
		expect((await send(a, "u")).json).toMatchObject({ status: 12 });
		expect((await send(a, "u")).json).toMatchObject({ status: 0 });
		expect(await fakeViber.requests({ token: a })).toHaveLength(3);
	});

	it("answers a fault's HTTP status and delays by delayMs", async () => {
		const token = newToken();
		await fakeViber.fault({ token, httpStatus: 503, delayMs: 50 });
		const started = Date.now();
		expect((await send(token, "u")).http).toBe(503);
		expect(Date.now() - started).toBeGreaterThanOrEqual(45);
	});

	it("makes the caller's fetch reject for a networkError fault", async () => {
		const token = newToken();
		await fakeViber.fault({ token, networkError: true });
		await expect(send(token, "u")).rejects.toThrow(/Network connection lost/);
		expect((await send(token, "u")).json).toMatchObject({ status: 0 });
	});

	it("resets one token's requests, faults and users, leaving others alone", async () => {
		const [a, b] = [newToken(), newToken()];
		for (const token of [a, b]) {
			await send(token, "u");
			await fakeViber.unsubscribe(token, "gone");
			await fakeViber.fault({ token, status: 9 });
		}
		await fakeViber.reset(a);
		expect(await fakeViber.requests({ token: a })).toEqual([]);
		expect((await send(a, "gone")).json).toMatchObject({ status: 0 });
		expect(await fakeViber.requests({ token: b })).toHaveLength(1);
		expect((await send(b, "u")).json).toMatchObject({ status: 9 });
		expect((await send(b, "gone")).json).toMatchObject({ status: 6 });
	});

	it("rejects a malformed fault rule", async () => {
		const res = await env.FAKE_VIBER.fetch("http://fake/_fake/faults", {
			method: "POST",
			body: JSON.stringify({ times: "twice" }),
		});
		expect(res.status).toBe(400);
	});
});

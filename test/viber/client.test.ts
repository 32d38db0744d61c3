import { describe, expect, it } from "vitest";
import { createViberApi, type ViberApiOptions } from "../../src/viber/client";
import { ViberApiError, ViberLimitError } from "../../src/viber/errors";
import { ViberTransportError } from "../../src/viber/transport-error";
import { fakeViber } from "../helpers/fake-viber";

const BASE_URL = "http://127.0.0.1:9/pa";

/** A client with a token of its own, so the fake's records and faults are this test's alone. */
function setup(options: Partial<ViberApiOptions> = {}) {
	const token = `client-test-${crypto.randomUUID()}`;
	const api = createViberApi({
		token,
		baseUrl: BASE_URL,
		sender: { name: "Test Bot", avatar: "https://example.com/bot.jpg" },
		retry: { baseDelayMs: 1 },
		...options,
	});
	const requests = (endpoint?: string) => fakeViber.requests({ token, endpoint });
	const fault = (rule: Parameters<typeof fakeViber.fault>[0]) =>
		fakeViber.fault({ token, ...rule });
	return { token, api, requests, fault };
}

const ids = (n: number, prefix = "user") =>
	Array.from({ length: n }, (_, i) => `${prefix}${i}+/${crypto.randomUUID().slice(0, 8)}==`);

const text = { type: "text", text: "Hello" } as const;

async function caught(promise: Promise<unknown>): Promise<Error> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	if (!(error instanceof Error))
		throw new Error(`expected a rejection with an Error, got ${error}`);
	return error;
}

describe("ViberApi requests", () => {
	it("sends set_webhook with the token header and returns the echoed event types", async () => {
		const { token, api, requests } = setup();
		// The emulator would call the URL first; script its answer to test the client alone.
		await fakeViber.fault({
			token,
			endpoint: "set_webhook",
			body: '{"status":0,"status_message":"ok","event_types":["delivered","seen"]}',
		});
		const answer = await api.setWebhook({
			url: "https://bot.example.com/webhook",
			event_types: ["delivered", "seen"],
			send_name: true,
		});
		expect(answer).toMatchObject({ status: 0, event_types: ["delivered", "seen"] });
		const [request, ...rest] = await requests();
		expect(rest).toEqual([]);
		expect(request).toMatchObject({ endpoint: "set_webhook", token });
		expect(request?.body).toEqual({
			url: "https://bot.example.com/webhook",
			event_types: ["delivered", "seen"],
			send_name: true,
		});
	});

	it("removes the webhook with an empty url", async () => {
		const { api, requests } = setup();
		await api.removeWebhook();
		expect((await requests("set_webhook")).map((r) => r.body)).toEqual([{ url: "" }]);
	});

	it("sends a message with the default sender and the API level it needs", async () => {
		const { api, requests } = setup();
		const answer = await api.sendMessage("abc+/=", text);
		expect(answer).toMatchObject({ status: 0, chat_hostname: "SN-CHAT-01_", billing_status: 1 });
		const [request] = await requests("send_message");
		expect(request?.body).toEqual({
			receiver: "abc+/=",
			type: "text",
			text: "Hello",
			sender: { name: "Test Bot", avatar: "https://example.com/bot.jpg" },
			min_api_version: 1,
		});
	});

	it("keeps a message's own sender over the default", async () => {
		const { api, requests } = setup();
		await api.sendMessage("u1", { ...text, sender: { name: "Support" } });
		const [request] = await requests("send_message");
		expect(request?.body.sender).toEqual({ name: "Support" });
	});

	it("asks get_account_info with an empty body and parses the answer", async () => {
		const { api, requests } = setup();
		const info = await api.getAccountInfo();
		expect(info).toMatchObject({
			status: 0,
			webhook: "",
			name: expect.any(String),
			subscribers_count: 0,
		});
		expect((await requests("get_account_info")).map((r) => r.body)).toEqual([{}]);
	});

	it("asks get_user_details for one id", async () => {
		const { api, requests } = setup();
		const { user } = await api.getUserDetails("u+/1=");
		expect(user).toMatchObject({ id: "u+/1=", api_version: expect.any(Number) });
		expect((await requests("get_user_details")).map((r) => r.body)).toEqual([{ id: "u+/1=" }]);
	});
});

describe("ViberApi message tokens", () => {
	it("returns message_token as the exact 19-digit string past 2^53", async () => {
		const { api } = setup();
		const { message_token } = await api.sendMessage("u1", text);
		expect(message_token).toMatch(/^\d{19}$/);
		expect(BigInt(message_token)).toBeGreaterThan(2n ** 53n);
		// Exact: the digits survive a round trip that a Number would round.
		expect(BigInt(message_token).toString()).toBe(message_token);
	});

	it("keeps two tokens that differ only past 2^53 distinct", async () => {
		const { api, fault } = setup();
		const answer = (token: string) =>
			`{"status":0,"status_message":"ok","message_token":${token},"chat_hostname":"SN-CHAT-05_"}`;
		await fault({ endpoint: "send_message", body: answer("5466394919049723652") });
		await fault({ endpoint: "send_message", body: answer("5466394919049723653") });
		const first = await api.sendMessage("u1", text);
		const second = await api.sendMessage("u1", text);
		expect(first.message_token).toBe("5466394919049723652");
		expect(second.message_token).toBe("5466394919049723653");
		// JSON.parse would have made them one number.
		expect(Number(first.message_token)).toBe(Number(second.message_token));
	});
});

describe("ViberApi batching", () => {
	it("splits a broadcast to 650 ids into 300, 300 and 50, merging failures", async () => {
		const { token, api, requests } = setup();
		const receivers = ids(650);
		const gone = [receivers[5], receivers[420], receivers[649]] as string[];
		for (const receiver of gone) await fakeViber.unsubscribe(token, receiver);
		const result = await api.broadcastMessage(receivers, text);
		const calls = await requests("broadcast_message");
		expect(calls.map((r) => (r.body.broadcast_list as string[]).length)).toEqual([300, 300, 50]);
		expect(calls.flatMap((r) => r.body.broadcast_list as string[])).toEqual(receivers);
		expect(calls[0]?.body).toMatchObject({
			type: "text",
			text: "Hello",
			sender: { name: "Test Bot" },
		});
		expect(result.message_tokens).toHaveLength(3);
		expect(result.failed_list.map((f) => [f.receiver, f.status])).toEqual(gone.map((r) => [r, 6]));
	});

	it("splits get_online for 250 ids into 100, 100 and 50, merging users", async () => {
		const { api, requests } = setup();
		const wanted = ids(250);
		const { users } = await api.getOnline(wanted);
		const calls = await requests("get_online");
		expect(calls.map((r) => (r.body.ids as string[]).length)).toEqual([100, 100, 50]);
		expect(users.map((u) => u.id)).toEqual(wanted);
		expect(users.every((u) => u.online_status === 0)).toBe(true);
	});

	it("makes no call for an empty broadcast or online list", async () => {
		const { api, requests } = setup();
		expect(await api.broadcastMessage([], text)).toEqual({ message_tokens: [], failed_list: [] });
		expect(await api.getOnline([])).toEqual({ users: [] });
		expect(await requests()).toEqual([]);
	});
});

describe("ViberApi errors and retries", () => {
	it("throws ViberApiError without retrying when Viber answers status 3", async () => {
		const { api, requests, fault } = setup();
		await fault({ endpoint: "send_message", status: 3, times: 5 });
		const error = await caught(api.sendMessage("u1", text));
		expect(error).toBeInstanceOf(ViberApiError);
		expect(error).toMatchObject({ status: 3, statusName: "badData", endpoint: "send_message" });
		expect(await requests()).toHaveLength(1);
	});

	it("throws ViberApiError 6 without retrying when the receiver unsubscribed", async () => {
		const { token, api, requests } = setup();
		await fakeViber.unsubscribe(token, "gone");
		const error = await caught(api.sendMessage("gone", text));
		expect(error).toMatchObject({ status: 6, statusName: "receiverNotSubscribed" });
		expect(await requests()).toHaveLength(1);
	});

	it("keeps billing_status on the error", async () => {
		const { api, fault } = setup();
		await fault({ body: '{"status":24,"status_message":"noBalance","billing_status":5}' });
		const error = await caught(api.sendMessage("u1", text));
		expect(error).toMatchObject({ status: 24, billingStatus: 5 });
	});

	it("retries status 12 and succeeds", async () => {
		const { api, requests, fault } = setup();
		await fault({ endpoint: "send_message", status: 12 });
		const { message_token } = await api.sendMessage("u1", text);
		expect(message_token).toMatch(/^\d{19}$/);
		expect(await requests()).toHaveLength(2);
	});

	it("retries HTTP 503 and succeeds", async () => {
		const { api, requests, fault } = setup();
		await fault({ httpStatus: 503, times: 2 });
		await expect(api.getAccountInfo()).resolves.toMatchObject({ status: 0 });
		expect(await requests()).toHaveLength(3);
	});

	it("retries when fetch rejects like a dropped connection", async () => {
		const { api, requests, fault } = setup();
		await fault({ networkError: true });
		await expect(api.getOnline(["u1"])).resolves.toMatchObject({ users: [{ id: "u1" }] });
		expect(await requests()).toHaveLength(2);
	});

	it("retries a read whose answer breaks off after the headers", async () => {
		const { api, requests, fault } = setup();
		await fault({ networkError: "body" });
		await expect(api.getAccountInfo()).resolves.toHaveProperty("status", 0);
		expect(await requests()).toHaveLength(2);
	});

	it("does not retry a send whose answer broke off after HTTP 200: it was delivered", async () => {
		const { api, requests, fault } = setup();
		await fault({ networkError: "body" });
		await expect(api.sendMessage("u1", text)).rejects.toMatchObject({
			kind: "network",
			httpStatus: 200,
		});
		expect(await requests()).toHaveLength(1);
	});

	it("makes exactly `attempts` requests, then throws the last error", async () => {
		const { api, requests, fault } = setup({ retry: { attempts: 3, baseDelayMs: 1 } });
		await fault({ status: 12, times: 10 });
		const error = await caught(api.sendMessage("u1", text));
		expect(error).toMatchObject({ status: 12, statusName: "tooManyRequests" });
		expect(await requests()).toHaveLength(3);
	});

	it("gives up on HTTP 5xx after the default 4 attempts with a ViberTransportError", async () => {
		const { api, requests, fault } = setup();
		await fault({ httpStatus: 500, times: 10 });
		const error = await caught(api.getAccountInfo());
		expect(error).toBeInstanceOf(ViberTransportError);
		expect(error).toMatchObject({ kind: "http", httpStatus: 500, endpoint: "get_account_info" });
		expect(await requests()).toHaveLength(4);
	});

	it("stops retrying when the time budget runs out", async () => {
		const { api, requests, fault } = setup({
			retry: { attempts: 10, baseDelayMs: 50, maxDelayMs: 50, maxElapsedMs: 0 },
		});
		await fault({ networkError: true, times: 10 });
		await expect(api.getAccountInfo()).rejects.toMatchObject({ kind: "network" });
		expect(await requests()).toHaveLength(1);
	});

	it("does not retry HTTP 4xx", async () => {
		const { api, requests, fault } = setup();
		await fault({ httpStatus: 429, times: 5 });
		await expect(api.getAccountInfo()).rejects.toMatchObject({ kind: "http", httpStatus: 429 });
		expect(await requests()).toHaveLength(1);
	});

	it("throws a clear error without retrying when the answer is not JSON", async () => {
		const { api, requests, fault } = setup();
		await fault({ body: "<html>Bad gateway</html>", times: 5 });
		const error = await caught(api.getAccountInfo());
		expect(error).toMatchObject({ kind: "response" });
		expect(error.message).toMatch(/get_account_info failed: the answer is not JSON/);
		expect(await requests()).toHaveLength(1);
	});

	it("throws a clear error when the answer has the wrong shape", async () => {
		const { api, fault } = setup();
		await fault({ body: '{"status":0,"status_message":"ok","chat_hostname":"SN-CHAT-01_"}' });
		const error = await caught(api.sendMessage("u1", text));
		expect(error).toMatchObject({ kind: "response" });
		expect(error.message).toMatch(/unexpected shape \(message_token/);
	});
});

describe("ViberApi checks before sending", () => {
	it("throws ViberLimitError for a 7001-character text and sends nothing", async () => {
		const { api, requests } = setup();
		const error = await caught(api.sendMessage("u1", { type: "text", text: "x".repeat(7001) }));
		expect(error).toBeInstanceOf(ViberLimitError);
		expect(error).toMatchObject({ field: "text" });
		expect(await requests()).toEqual([]);
	});

	it("throws ViberLimitError for a request over 30 KB and sends nothing", async () => {
		const { api, requests } = setup();
		const longIds = Array.from({ length: 300 }, (_, i) => `${i}${"x".repeat(120)}`);
		const error = await caught(api.broadcastMessage(longIds, text));
		expect(error).toMatchObject({ name: "ViberLimitError", field: "request" });
		expect(await requests()).toEqual([]);
	});

	it("refuses a plain http base URL to a remote host", () => {
		for (const baseUrl of [
			"http://example.com/pa",
			"http://127.0.0.1.example.com/pa",
			"http://localhost.example.com/pa",
			"ftp://localhost/pa",
			"not a url",
		]) {
			expect(() => setup({ baseUrl }), baseUrl).toThrow(/base URL/);
		}
		expect(() => setup({ baseUrl: "http://example.com/pa" })).toThrow(/unencrypted/);
	});

	it("accepts https and loopback http base URLs, with or without a trailing slash", () => {
		const cases = {
			"http://localhost:8788/pa": "http://localhost:8788/pa",
			"http://127.0.0.7/pa/": "http://127.0.0.7/pa",
			"http://[::1]:8788/pa": "http://[::1]:8788/pa",
			"https://chatapi.viber.com/pa/": "https://chatapi.viber.com/pa",
		};
		for (const [baseUrl, normalized] of Object.entries(cases)) {
			expect(setup({ baseUrl }).api.baseUrl).toBe(normalized);
		}
		expect(setup({ baseUrl: undefined }).api.baseUrl).toBe("https://chatapi.viber.com/pa");
	});

	it("calls the right endpoint when the base URL ends with a slash", async () => {
		const { api, requests } = setup({ baseUrl: `${BASE_URL}/` });
		await api.getAccountInfo();
		expect((await requests()).map((r) => r.endpoint)).toEqual(["get_account_info"]);
	});
});

describe("ViberApi token secrecy", () => {
	it("never puts the token in an error message", async () => {
		const { token, api, fault } = setup({ retry: { attempts: 1 } });
		// Answers that echo the token back, the worst case for a message built from them.
		await fault({ body: `{"status":2,"status_message":"invalid token ${token}"}` });
		await fault({ body: `not json ${token}` });
		await fault({ httpStatus: 503 });
		await fault({ networkError: true });
		await fault({ networkError: "body" });
		const errors = [];
		for (let i = 0; i < 5; i++) errors.push(await caught(api.getAccountInfo()));
		expect(errors.map((e) => e.name)).toEqual([
			"ViberApiError",
			"ViberTransportError",
			"ViberTransportError",
			"ViberTransportError",
			"ViberTransportError",
		]);
		for (const error of errors) {
			expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(token);
		}
		expect(errors[0]).toMatchObject({ status: 2, statusMessage: "invalid token [token]" });
	});

	it("does not show the token when the client is logged or serialized", () => {
		const { token, api } = setup();
		expect(JSON.stringify(api)).not.toContain(token);
		expect(Object.values(api).join(" ")).not.toContain(token);
	});
});

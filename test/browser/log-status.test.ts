/**
 * The chat page's log tells HTTP statuses from Viber's: one case per way the emulator records an
 * answer (emulator/src/api.ts, emulator.ts, ui.ts). Pure functions, no browser needed.
 */
import { describe, expect, it } from "vitest";
import { labels, outcome } from "../../emulator/public/log-status.js";

type Entry = Parameters<typeof outcome>[0];
const api = (fields: Partial<Entry>): Entry => ({
	kind: "api",
	name: "send_message",
	status: 0,
	response: undefined,
	...fields,
});
const texts = (entry: Entry) => labels(outcome(entry)).map((l) => `${l.text}${l.bad ? " !" : ""}`);

describe("log outcome", () => {
	it("an answered API call: HTTP 200 and Viber's status with its message", () => {
		expect(texts(api({ response: { status: 0, status_message: "ok" } }))).toEqual([
			"HTTP 200",
			"status 0 ok",
		]);
		expect(
			texts(api({ status: 6, response: { status: 6, status_message: "notSubscribed" } })),
		).toEqual(["HTTP 200", "status 6 notSubscribed !"]);
	});

	it("an API call not answered yet", () => {
		expect(texts(api({ status: -1 }))).toEqual(["waiting…"]);
	});

	it("an emulated outage is an HTTP status, not a Viber one", () => {
		expect(texts(api({ status: 503, response: { http: 503 } }))).toEqual(["HTTP 503 !"]);
	});

	it("scripted faults, each as the caller saw it", () => {
		const fault = (rule: Record<string, unknown>, status = -1) =>
			texts(api({ status, response: { fault: rule } }));
		expect(fault({ status: 12 }, 12)).toEqual(["HTTP 200", "status 12 scripted !"]);
		expect(fault({ httpStatus: 500 }, 500)).toEqual(["HTTP 500 !"]);
		expect(fault({ body: "not json" })).toEqual(["HTTP 200", "raw body (scripted) !"]);
		expect(fault({ networkError: true })).toEqual(["connection dropped (scripted) !"]);
		expect(fault({ networkError: "body" })).toEqual(["HTTP 200", "body cut off (scripted) !"]);
	});

	it("the welcome message has a Viber status only", () => {
		const welcome = api({ name: "welcome", response: { status: 0, status_message: "ok" } });
		expect(texts(welcome)).toEqual(["status 0 ok"]);
	});

	it("a callback: the HTTP status of the bot's answer, or none", () => {
		const callback = (status: number, response: unknown) =>
			texts({ kind: "callback", name: "conversation_started", status, response });
		expect(callback(200, "")).toEqual(["HTTP 200"]);
		expect(callback(500, "oops")).toEqual(["HTTP 500 !"]);
		expect(callback(0, { error: "connection refused" })).toEqual(["connection refused !"]);
	});
});

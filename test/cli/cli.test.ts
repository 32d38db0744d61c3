/** The `npm run viber` CLI's pure parts, and its commands against the fake Viber API. */
import { describe, expect, it } from "vitest";
import { toCommand, UsageError } from "../../scripts/cli/command";
import { describeFailure, runCommand } from "../../scripts/cli/commands";
import { parseDevVars } from "../../scripts/cli/dev-vars";
import { resolveSettings, SettingsError } from "../../scripts/cli/settings";
import { createViberApi } from "../../src/viber/client";
import { ViberApiError } from "../../src/viber/errors";
import { fakeViber } from "../helpers/fake-viber";
import { thrown } from "./thrown";

const BASE_URL = "http://127.0.0.1:9/pa";

/** A client with a token of its own, reaching the fake Viber API (vitest.config.ts). */
function setup() {
	const token = `cli-test-${crypto.randomUUID()}`;
	const api = createViberApi({
		token,
		baseUrl: BASE_URL,
		sender: { name: "CLI Bot" },
		retry: { attempts: 1 },
	});
	return { token, api };
}

const usageError = (run: () => unknown) => thrown(UsageError, run);

describe("parseDevVars", () => {
	it("reads KEY=value lines and skips comments and blank lines", () => {
		const text = '# secrets\n\nVIBER_AUTH_TOKEN=abc==\r\nexport BOT_NAME="Pizza Bot"\nnot a line\n';
		expect(parseDevVars(text)).toEqual({ VIBER_AUTH_TOKEN: "abc==", BOT_NAME: "Pizza Bot" });
	});

	it("drops quotes and trailing comments, and lets a later line win", () => {
		const text = "A='one # two'\nB=plain # note\nC=\nA=three";
		expect(parseDevVars(text)).toEqual({ A: "three", B: "plain", C: "" });
		expect(parseDevVars("Q='# kept'")).toEqual({ Q: "# kept" });
	});
});

describe("resolveSettings", () => {
	it("takes the environment first, then .dev.vars, and defaults the rest", () => {
		const settings = resolveSettings({
			env: { VIBER_AUTH_TOKEN: "from-env", BOT_NAME: "" },
			devVars: { VIBER_AUTH_TOKEN: "from-file", BOT_NAME: "File Bot" },
		});
		expect(settings).toEqual({
			token: "from-env",
			baseUrl: "https://chatapi.viber.com/pa",
			botName: "File Bot",
		});
	});

	it("prefers --api over VIBER_API_URL", () => {
		const sources = {
			env: { VIBER_API_URL: "http://localhost:1/pa" },
			devVars: { VIBER_AUTH_TOKEN: "t" },
		};
		expect(resolveSettings(sources).baseUrl).toBe("http://localhost:1/pa");
		expect(resolveSettings({ ...sources, api: "http://127.0.0.1:8788/pa" }).baseUrl).toBe(
			"http://127.0.0.1:8788/pa",
		);
		expect(resolveSettings(sources).botName).toBe("Bot");
	});

	it("says where to put the token when there is none", () => {
		expect(() => resolveSettings({ env: { VIBER_AUTH_TOKEN: "" }, devVars: {} })).toThrow(
			SettingsError,
		);
	});
});

describe("toCommand", () => {
	it("maps webhook set with name and photo on by default", () => {
		expect(toCommand(["webhook", "set", "https://bot.example/viber"], {})).toEqual({
			name: "webhook set",
			url: "https://bot.example/viber",
			sendName: true,
			sendPhoto: true,
		});
	});

	it("takes the events and the name and photo switches for webhook set", () => {
		const flags = { events: "delivered, seen", "no-name": true, "no-photo": true };
		expect(toCommand(["webhook", "set", "https://b.example/"], flags)).toMatchObject({
			events: ["delivered", "seen"],
			sendName: false,
			sendPhoto: false,
		});
		expect(toCommand(["webhook", "set", "https://b.example/"], { events: "" })).toMatchObject({
			events: [],
		});
	});

	it("maps the other commands and joins an unquoted text", () => {
		expect(toCommand(["webhook", "remove"], {})).toEqual({ name: "webhook remove" });
		expect(toCommand(["account"], { json: true })).toEqual({ name: "account" });
		expect(toCommand(["user", "a+/="], {})).toEqual({ name: "user", id: "a+/=" });
		expect(toCommand(["online", "a", "b"], {})).toEqual({ name: "online", ids: ["a", "b"] });
		expect(toCommand(["send", "a", "Hello", "there"], {})).toEqual({
			name: "send",
			id: "a",
			text: "Hello there",
		});
		expect(toCommand(["account"], { help: true })).toEqual({ name: "help" });
	});

	it("refuses command lines that do not fit", () => {
		expect(usageError(() => toCommand([], {}))).toBe("No command given");
		expect(usageError(() => toCommand(["acount"], {}))).toBe('Unknown command "acount"');
		expect(usageError(() => toCommand(["send", "a"], {}))).toMatch(/a user id and a text/);
		expect(usageError(() => toCommand(["webhook", "set", "bot.example"], {}))).toMatch(/URL/);
		expect(
			usageError(() => toCommand(["webhook", "set", "https://b.example"], { events: "sen" })),
		).toMatch(/Unknown event "sen"/);
		expect(usageError(() => toCommand(["account"], { "no-name": true }))).toMatch(/webhook set/);
		expect(usageError(() => toCommand(["account"], { api: "http://example.com/pa" }))).toMatch(
			/unencrypted/,
		);
	});
});

describe("runCommand", () => {
	it("prints the account's name, webhook, event types and subscribers", async () => {
		const { api } = setup();
		const { text, answer } = await runCommand(api, { name: "account" });
		expect(text).toMatch(/^Name: +\S/);
		expect(text).toContain("Webhook:     (not set)");
		expect(text).toMatch(/Subscribers: \d+/);
		expect(answer).toMatchObject({ status: 0 });
	});

	it("reports the events Viber echoes for webhook set", async () => {
		const { token, api } = setup();
		const body = '{"status":0,"status_message":"ok","event_types":["delivered","message"]}';
		await fakeViber.fault({ token, endpoint: "set_webhook", body });
		const command = toCommand(["webhook", "set", "https://bot.example/viber"], {});
		if (command.name === "help") throw new Error("unreachable");
		const { text } = await runCommand(api, command);
		expect(text).toBe("Webhook set to https://bot.example/viber (events: delivered, message)");
		const [request] = await fakeViber.requests({ token, endpoint: "set_webhook" });
		expect(request?.body).toMatchObject({ send_name: true, send_photo: true });
	});

	it("prints one line per user with the status name", async () => {
		const { api } = setup();
		const body = await runCommand(api, { name: "online", ids: ["short=", "a-longer-id=="] });
		expect(body.text).toBe("short=         online\na-longer-id==  online");
	});

	it("prints the message token of a send exactly", async () => {
		const { token, api } = setup();
		const body =
			'{"status":0,"status_message":"ok","message_token":5741311803571721087,"billing_status":1}';
		await fakeViber.fault({ token, endpoint: "send_message", body });
		const { text } = await runCommand(api, { name: "send", id: "u1=", text: "Hi" });
		expect(text).toBe("Sent to u1= (message_token 5741311803571721087, inSessionNonBillableBot)");
	});
});

describe("describeFailure", () => {
	it("names Viber's status and says what to do", async () => {
		const { token, api } = setup();
		await fakeViber.unsubscribe(token, "gone=");
		const error = await runCommand(api, { name: "send", id: "gone=", text: "Hi" }).catch((e) => e);
		expect(error).toBeInstanceOf(ViberApiError);
		const text = describeFailure(error, { baseUrl: BASE_URL, token });
		expect(text).toMatch(/^Viber refused: status 6 receiverNotSubscribed \(/);
		expect(text).toContain("subscribe first");
	});

	it("names the API it could not use and never shows the token", () => {
		const token = "secret-token-123";
		const error = new ViberApiError("get_account_info", 2, `bad token ${token}`);
		const text = describeFailure(error, { baseUrl: BASE_URL, token });
		expect(text).toContain("status 2 invalidAuthToken (bad token [token])");
		expect(text).not.toContain(token);
		expect(describeFailure(new Error(`oops ${token}`), { baseUrl: BASE_URL, token })).toBe(
			"oops [token]",
		);
	});
});

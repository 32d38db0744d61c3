/** The Viber endpoints under `/pa/` (viber-api.md §2), checked and answered like Viber does. */
import { Hono } from "hono";
import { parseJson } from "../../src/viber/json";
import { FILTERABLE_EVENTS } from "../../src/viber/schemas/callbacks";
import { knownUserRefusal, subscriptionRefusal, webhookRefusal } from "./account";
import { envelope, webhookCheckFailure } from "./callbacks";
import type { Emulator, EmulatorVars } from "./emulator";
import { playFault } from "./faults";
import { addressees, matchesFilter } from "./filter";
import { jsonResponse, newMessageToken } from "./reply";
import {
	checkIdList,
	checkMessageBody,
	checkReceiverApiVersion,
	checkRequestBytes,
	messageOf,
	type Rejection,
	reject,
} from "./rules";
import { ENDPOINTS, type Endpoint } from "./types";

type Body = Record<string, unknown>;
type Answer = { status: number; status_message?: string } & Body;
type Handler = (emu: Emulator, token: string, body: Body) => Answer | Promise<Answer>;

const MAX_BROADCAST = 300;
const MAX_ONLINE = 100;
/** What Viber echoes when `set_webhook` names no `event_types` (§2.1). */
const ALL_EVENTS = [...FILTERABLE_EVENTS, "subscribed", "unsubscribed"];

const ok = (fields: Body = {}): Answer => ({ status: 0, status_message: "ok", ...fields });
const refuse = (r: Rejection): Answer => ({ status: r.status, status_message: r.message });
const fail = (status: number, detail: string): Answer => refuse(reject(status, detail));
const sentFields = () => ({
	message_token: newMessageToken(),
	chat_hostname: "SN-CHAT-01_",
	billing_status: 1,
});
const isStringList = (x: unknown): x is string[] =>
	Array.isArray(x) && x.every((i) => typeof i === "string");

/** Viber's broadcast placeholders, replaced per receiver anywhere in the message (§2.3). */
function personalise(message: Body, receiver: string, name: string): Body {
	// Replaced inside JSON text, so the values go in JSON-escaped (a name may hold `"` or `\`).
	const escaped = (value: string) => JSON.stringify(value).slice(1, -1);
	const text = JSON.stringify(message)
		.replaceAll("replace_me_with_url_encoded_receiver_id", escaped(encodeURIComponent(receiver)))
		.replaceAll("replace_me_with_receiver_id", escaped(receiver))
		.replaceAll("replace_me_with_user_name", escaped(name));
	return JSON.parse(text) as Body;
}

const handlers: Record<Endpoint, Handler> = {
	async set_webhook(emu, token, body) {
		if (typeof body.url !== "string") return fail(4, "url");
		if (body.url === "") {
			emu.store.setWebhook(token, undefined);
			return ok();
		}
		if (body.event_types !== undefined && !isStringList(body.event_types))
			return fail(3, "event_types must be a list of strings");
		const event_types = body.event_types ?? ALL_EVENTS;
		const webhook = {
			url: body.url,
			event_types,
			send_name: body.send_name === true,
			send_photo: body.send_photo === true,
		};
		// Viber calls the URL before it answers, and keeps the webhook only on a 200 (§2.1).
		const result = await emu.postNow(token, envelope("webhook"), undefined, webhook);
		const failure = webhookCheckFailure(body.url, result);
		if (failure) return refuse(failure);
		emu.store.setWebhook(token, webhook);
		return ok({ event_types });
	},

	send_message(emu, token, body) {
		const { strict } = emu.settings(token);
		const noWebhook = strict && webhookRefusal(emu.store, token);
		if (noWebhook) return refuse(noWebhook);
		if (typeof body.receiver !== "string") return fail(4, "receiver");
		const bad = checkMessageBody(body, "receiver");
		if (bad) return refuse(bad);
		const receiver = body.receiver;
		const away = subscriptionRefusal(emu.store, token, receiver, strict);
		if (away) return refuse(away);
		const message = messageOf(body, "receiver");
		const tooNew = checkReceiverApiVersion(message, emu.store.user(token, receiver)?.api_version);
		if (tooNew) return refuse(tooNew);
		const busy = emu.unreplied.check(token, receiver, Date.now());
		if (busy) return refuse(busy);
		const fields = sentFields();
		emu.sent(token, receiver, message, fields.message_token);
		return ok(fields);
	},

	broadcast_message(emu, token, body) {
		const { strict } = emu.settings(token);
		const noWebhook = strict && webhookRefusal(emu.store, token);
		if (noWebhook) return refuse(noWebhook);
		const badList = checkIdList(body.broadcast_list, "broadcast_list", MAX_BROADCAST);
		if (badList) return refuse(badList);
		const bad = checkMessageBody(body, "broadcast_list");
		if (bad) return refuse(bad);
		const paced = emu.broadcasts.check(token, Date.now());
		if (paced) return refuse(paced);
		emu.broadcasts.record(token, Date.now());
		const message = messageOf(body, "broadcast_list");
		const fields = sentFields();
		const failed_list: { receiver: string; status: number; status_message: string }[] = [];
		for (const receiver of body.broadcast_list as string[]) {
			const user = emu.store.user(token, receiver);
			const refusal =
				subscriptionRefusal(emu.store, token, receiver, strict) ??
				checkReceiverApiVersion(message, user?.api_version);
			if (refusal)
				failed_list.push({ receiver, status: refusal.status, status_message: refusal.message });
			else
				emu.sent(
					token,
					receiver,
					personalise(message, receiver, user?.name ?? "Subscriber"),
					fields.message_token,
				);
		}
		emu.broadcastBook.record(token, {
			messageToken: fields.message_token,
			message,
			receivers: (body.broadcast_list as string[]).length,
			failedList: failed_list,
		});
		return ok({ ...fields, failed_list });
	},

	get_account_info(emu, token) {
		const webhook = emu.store.webhook(token);
		return ok({
			id: "pa:5466394919049723652",
			name: "Local Viber Bot",
			uri: "localviberbot",
			icon: "https://example.com/emulator/icon.jpg",
			background: "https://example.com/emulator/background.jpg",
			category: "Utilities",
			subcategory: "Developer tools",
			location: { lon: 0.1, lat: 51.5 },
			country: "UK",
			webhook: webhook?.url ?? "",
			event_types: webhook?.event_types ?? [],
			subscribers_count: emu.store.countSubscribed(token),
			members: [],
		});
	},

	get_user_details(emu, token, body) {
		if (typeof body.id !== "string") return fail(4, "id");
		const refusal =
			knownUserRefusal(emu.store, token, body.id, emu.settings(token).strict) ??
			emu.userDetails.check(token, body.id, Date.now());
		if (refusal) return refuse(refusal);
		emu.userDetails.record(token, body.id, Date.now());
		// Only a bare fake (strict off) answers for an id it never met, with a made-up profile.
		const user = emu.store.user(token, body.id);
		return ok({
			message_token: newMessageToken(),
			user: {
				id: body.id,
				name: user?.name ?? "John McClane",
				avatar: user?.avatar ?? "https://example.com/emulator/avatar.jpg",
				country: user?.country ?? "UK",
				language: user?.language ?? "en",
				primary_device_os: "android 14",
				api_version: user?.api_version ?? 10,
				viber_version: "24.8.0.0",
				mcc: 234,
				mnc: 10,
				device_type: "Pixel 8",
			},
		});
	},

	get_online(emu, token, body) {
		const bad = checkIdList(body.ids, "ids", MAX_ONLINE);
		if (bad) return refuse(bad);
		// Viber reports users who are not subscribed as unavailable (§2.6).
		const { strict } = emu.settings(token);
		const users = (body.ids as string[]).map((id) =>
			subscriptionRefusal(emu.store, token, id, strict)
				? { id, online_status: 4, online_status_message: "unavailable" }
				: { id, online_status: 0, online_status_message: "online" },
		);
		return ok({ users });
	},
};

function parseBody(text: string): { body: Body; rawBody?: string } {
	try {
		const json = parseJson(text);
		if (typeof json === "object" && json !== null && !Array.isArray(json))
			return { body: json as Body };
	} catch {
		// Kept as raw text; answered with status 3 below.
	}
	return { body: {}, rawBody: text };
}

const isEndpoint = (name: string): name is Endpoint =>
	(ENDPOINTS as readonly string[]).includes(name);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Checks that apply before any endpoint's own: token, JSON, size, switched-on faults. */
async function precheck(
	emu: Emulator,
	token: string,
	raw: string,
	rawBody: string | undefined,
): Promise<Answer | Response | undefined> {
	const settings = emu.settings(token);
	if (settings.apiDelayMs > 0) await sleep(settings.apiDelayMs);
	if (Math.random() < settings.apiErrorRate)
		return new Response("Service Unavailable (emulated)", { status: 503 });
	if (Math.random() < settings.tooManyRequestsRate) return fail(12, "emulated rate limit");
	if (!token) return { status: 2, status_message: "missing_auth_token" };
	if (!emu.acceptsToken(token)) return fail(2, "this is not the token of the emulated bot");
	if (rawBody !== undefined) return fail(3, "the body is not a JSON object");
	const tooBig = checkRequestBytes(raw);
	return tooBig && refuse(tooBig);
}

/** `POST /pa/<endpoint>`: logs the request, plays a scripted fault, else checks and answers. */
export const api = new Hono<EmulatorVars>();

api.post("/:endpoint", async (c) => {
	const emu = c.var.emulator;
	const endpoint = c.req.param("endpoint");
	if (!isEndpoint(endpoint)) return c.text("Not Found", 404);
	const raw = await c.req.text();
	const { body, rawBody } = parseBody(raw);
	// Viber takes the token from the JSON body when the header is absent, as its own Python SDK
	// sends it (no header, no Content-Type), and ignores the Content-Type header altogether.
	const bodyToken = typeof body.auth_token === "string" ? body.auth_token : "";
	const token = c.req.header("X-Viber-Auth-Token") ?? bodyToken;
	const seq = emu.journal.record({
		kind: "api",
		token,
		name: endpoint,
		addressees: addressees(body),
		request: body,
		rawRequest: rawBody,
		response: undefined,
		status: -1,
	});

	const fault = emu.journal.takeFault((rule) => matchesFilter(rule, { token, endpoint, body }));
	const scripted = fault && (await playFault(fault));
	if (scripted) {
		emu.journal.answer(seq, { fault }, fault.status ?? fault.httpStatus ?? -1);
		return scripted;
	}
	const answer =
		(await precheck(emu, token, raw, rawBody)) ?? (await handlers[endpoint](emu, token, body));
	if (answer instanceof Response) {
		emu.journal.answer(seq, { http: answer.status }, answer.status);
		return answer;
	}
	emu.journal.answer(seq, answer, answer.status);
	return jsonResponse(answer);
});

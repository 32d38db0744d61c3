/** The Viber endpoints under `/pa/` (viber-api.md §2), answered like chatapi.viber.com does. */
import { Hono } from "hono";
import * as v from "valibot";
import { parseJson } from "../../src/viber/json";
import { OutgoingMessageSchema } from "../../src/viber/schemas/messages";
import { playFault } from "./faults";
import { newMessageToken, viberOk, viberStatus } from "./reply";
import { getWebhook, isSubscribed, record, setWebhook, takeFault } from "./state";
import { ENDPOINTS, type Endpoint, type RecordedRequest } from "./types";

type Body = Record<string, unknown>;
type Handler = (token: string, body: Body) => Response;

const MAX_BROADCAST = 300;
const MAX_ONLINE = 100;
/** What Viber echoes when `set_webhook` names no `event_types` (§2.1). */
const ALL_EVENTS = [
	"delivered",
	"seen",
	"failed",
	"subscribed",
	"unsubscribed",
	"conversation_started",
];

const sent = () => ({
	message_token: newMessageToken(),
	chat_hostname: "SN-CHAT-01_",
	billing_status: 1,
});

const isStringList = (x: unknown): x is string[] =>
	Array.isArray(x) && x.every((item) => typeof item === "string");

/** Status 3 for a message our own schemas reject, or 4 without a sender; `undefined` when fine. */
function checkMessage(body: Body, addressKey: string): Response | undefined {
	const { [addressKey]: _, auth_token: __, ...message } = body;
	if (message.sender === undefined) return viberStatus(4, "missingData: sender");
	const result = v.safeParse(OutgoingMessageSchema, message);
	if (result.success) return undefined;
	const [issue] = result.issues;
	const path = issue.path?.map((item) => String(item.key)).join(".") ?? "message";
	return viberStatus(3, `badData: ${path}: ${issue.message}`);
}

const handlers: Record<Endpoint, Handler> = {
	set_webhook(token, body) {
		if (typeof body.url !== "string") return viberStatus(4, "missingData: url");
		const event_types = isStringList(body.event_types) ? body.event_types : ALL_EVENTS;
		setWebhook(token, { url: body.url, event_types });
		return viberOk({ event_types });
	},

	send_message(token, body) {
		if (typeof body.receiver !== "string") return viberStatus(4, "missingData: receiver");
		const bad = checkMessage(body, "receiver");
		if (bad) return bad;
		if (!isSubscribed(token, body.receiver)) return viberStatus(6, "notSubscribed");
		return viberOk(sent());
	},

	broadcast_message(token, body) {
		const list = body.broadcast_list;
		if (!isStringList(list) || list.length === 0) {
			return viberStatus(3, "badData: broadcast_list must be a non-empty list of ids");
		}
		if (list.length > MAX_BROADCAST) {
			return viberStatus(3, `badData: broadcast_list has more than ${MAX_BROADCAST} ids`);
		}
		const bad = checkMessage(body, "broadcast_list");
		if (bad) return bad;
		const failed_list = list
			.filter((receiver) => !isSubscribed(token, receiver))
			.map((receiver) => ({ receiver, status: 6, status_message: "notSubscribed" }));
		return viberOk({ ...sent(), failed_list });
	},

	get_account_info(token) {
		const webhook = getWebhook(token);
		return viberOk({
			id: "pa:5466394919049723652",
			name: "Fake Viber Bot",
			uri: "fakeviberbot",
			icon: "https://example.com/fake-viber/icon.jpg",
			background: "https://example.com/fake-viber/background.jpg",
			category: "Utilities",
			subcategory: "Developer tools",
			location: { lon: 0.1, lat: 51.5 },
			country: "UK",
			webhook: webhook?.url ?? "",
			event_types: webhook?.event_types ?? [],
			subscribers_count: 0,
			members: [],
		});
	},

	get_user_details(token, body) {
		if (typeof body.id !== "string") return viberStatus(4, "missingData: id");
		if (!isSubscribed(token, body.id)) return viberStatus(6, "notSubscribed");
		return viberOk({
			message_token: newMessageToken(),
			user: {
				id: body.id,
				name: "John McClane",
				avatar: "https://example.com/fake-viber/avatar.jpg",
				country: "UK",
				language: "en",
				primary_device_os: "android 14",
				api_version: 10,
				viber_version: "24.8.0.0",
				mcc: 234,
				mnc: 10,
				device_type: "Pixel 8",
			},
		});
	},

	get_online(token, body) {
		if (!isStringList(body.ids) || body.ids.length === 0) {
			return viberStatus(3, "badData: ids must be a non-empty list of ids");
		}
		if (body.ids.length > MAX_ONLINE) {
			return viberStatus(3, `badData: ids has more than ${MAX_ONLINE} ids`);
		}
		// Viber reports users who are not subscribed as unavailable (§2.6).
		const users = body.ids.map((id) =>
			isSubscribed(token, id)
				? { id, online_status: 0, online_status_message: "online" }
				: { id, online_status: 4, online_status_message: "unavailable" },
		);
		return viberOk({ users });
	},
};

function parseBody(text: string): Pick<RecordedRequest, "body" | "rawBody"> {
	try {
		const json = parseJson(text);
		if (typeof json === "object" && json !== null && !Array.isArray(json)) {
			return { body: json as Body };
		}
	} catch {
		// Recorded with its raw text; answered with status 3 below.
	}
	return { body: {}, rawBody: text };
}

const isEndpoint = (name: string): name is Endpoint =>
	(ENDPOINTS as readonly string[]).includes(name);

/** `POST /pa/<endpoint>`: records the request, plays a matching fault, else answers like Viber. */
export const api = new Hono();

api.post("/:endpoint", async (c) => {
	const endpoint = c.req.param("endpoint");
	if (!isEndpoint(endpoint)) return c.text("Not Found", 404);
	const token = c.req.header("X-Viber-Auth-Token") ?? "";
	const request = record({ endpoint, token, ...parseBody(await c.req.text()) });

	const fault = takeFault(request);
	const scripted = fault && (await playFault(fault));
	if (scripted) return scripted;

	if (!token) return viberStatus(2, "missing_auth_token");
	if (request.rawBody !== undefined)
		return viberStatus(3, "badData: the body is not a JSON object");
	return handlers[endpoint](token, request.body);
});

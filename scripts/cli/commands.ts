/** Runs a CLI command through the typed Viber client and turns the answer or failure into text. */
import type { ViberApi } from "../../src/viber/client";
import { billingStatusName, ViberApiError, ViberLimitError } from "../../src/viber/errors";
import { redact } from "../../src/viber/request";
import { ONLINE_STATUS, type OnlineUser } from "../../src/viber/schemas/responses";
import { ViberTransportError } from "../../src/viber/transport-error";
import type { Command } from "./command";

/** Viber's answer (for `--json`) and the same in words. */
export type CommandResult = { answer: unknown; text: string };

/** Every command that calls Viber. */
export type ApiCommand = Exclude<Command, { name: "help" }>;

/** Label/value rows, labels aligned; rows without a value are left out. */
function rows(pairs: [string, string | number | undefined][]): string {
	const shown = pairs.filter((pair): pair is [string, string | number] => pair[1] !== undefined);
	const width = Math.max(...shown.map(([label]) => label.length)) + 2;
	return shown.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`).join("\n");
}

function eventList(events: string[] | undefined): string {
	if (events === undefined) return "all";
	return events.length ? events.join(", ") : "none besides message, subscribed, unsubscribed";
}

function onlineLine(user: OnlineUser, width: number): string {
	let status = ONLINE_STATUS[user.online_status];
	if (user.last_online !== undefined) {
		status += ` (last online ${new Date(user.last_online).toISOString()})`;
	}
	return `${user.id.padEnd(width)}  ${status}`;
}

/**
 * Calls Viber for `command`; Viber's errors are thrown (see `describeFailure`).
 *
 * @example const { text } = await runCommand(api, { name: "account" }); // "Name:  My Bot\n..."
 */
export async function runCommand(api: ViberApi, command: ApiCommand): Promise<CommandResult> {
	switch (command.name) {
		case "webhook set": {
			const answer = await api.setWebhook({
				url: command.url,
				...(command.events && { event_types: command.events }),
				send_name: command.sendName,
				send_photo: command.sendPhoto,
			});
			const events = eventList(answer.event_types ?? command.events);
			return { answer, text: `Webhook set to ${command.url} (events: ${events})` };
		}
		case "webhook remove": {
			const answer = await api.removeWebhook();
			return { answer, text: "Webhook removed: the bot's 1-on-1 chats are closed until it is set" };
		}
		case "account": {
			const answer = await api.getAccountInfo();
			const text = rows([
				["Name", answer.name],
				["URI", answer.uri],
				["Id", answer.id],
				["Webhook", answer.webhook || "(not set)"],
				["Event types", answer.event_types?.join(", ") || "(none)"],
				["Subscribers", answer.subscribers_count],
			]);
			return { answer, text };
		}
		case "user": {
			const answer = await api.getUserDetails(command.id);
			const { user } = answer;
			const text = rows([
				["Id", user.id],
				["Name", user.name],
				["Avatar", user.avatar],
				["Country", user.country],
				["Language", user.language],
				["Device", user.device_type],
				["OS", user.primary_device_os],
				["Viber", user.viber_version],
				["API version", user.api_version],
			]);
			return { answer, text };
		}
		case "online": {
			const answer = await api.getOnline(command.ids);
			const width = Math.max(...answer.users.map((u) => u.id.length));
			return { answer, text: answer.users.map((u) => onlineLine(u, width)).join("\n") };
		}
		case "send": {
			const answer = await api.sendMessage(command.id, { type: "text", text: command.text });
			const billing =
				answer.billing_status === undefined ? "" : `, ${billingStatusName(answer.billing_status)}`;
			const text = `Sent to ${command.id} (message_token ${answer.message_token}${billing})`;
			return { answer, text };
		}
	}
}

/** What to do about the statuses a person at a terminal can fix; each ends the error's one line. */
const HINTS: Record<number, string> = {
	1: "Viber posts a `webhook` event to the URL first and needs HTTP 200: deploy the bot there (public HTTPS, trusted certificate) and try again.",
	2: "Check VIBER_AUTH_TOKEN (environment or .dev.vars), and that --api / VIBER_API_URL is the API that token belongs to.",
	6: "The user has to subscribe first: they open the bot's chat and send it a message.",
	10: "Set a webhook first: npm run viber -- webhook set <url>",
	12: "Too many requests: wait, or let the user reply first.",
};

function causeOf(error: Error): string {
	// fetch's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND, ...) in its cause.
	const inner = (error.cause as { cause?: unknown } | undefined)?.cause;
	return inner instanceof Error ? `: ${inner.message}` : "";
}

/**
 * The failure in one line, for stderr: Viber's status number and name with a hint, the transport
 * error, or a limit broken before sending. The token is redacted from anything passed through.
 *
 * @example describeFailure(new ViberApiError("get_account_info", 2, "invalid auth token"), { baseUrl, token })
 * // "Viber refused: status 2 invalidAuthToken (invalid auth token). Check VIBER_AUTH_TOKEN ..."
 */
export function describeFailure(error: unknown, where: { baseUrl: string; token: string }): string {
	let text: string;
	if (error instanceof ViberApiError) {
		const hint = HINTS[error.status];
		text = `Viber refused: status ${error.status} ${error.statusName} (${error.statusMessage})`;
		if (hint) text += `. ${hint}`;
	} else if (error instanceof ViberTransportError) {
		text =
			error.kind === "network"
				? `Could not reach the Viber API at ${where.baseUrl}: ${error.message}${causeOf(error)}`
				: `Bad answer from the Viber API at ${where.baseUrl}: ${error.message}`;
	} else if (error instanceof ViberLimitError) {
		text = `Not sent, Viber would refuse it: ${error.message}`;
	} else {
		text = error instanceof Error ? error.message : String(error);
	}
	// One line, whatever the message held.
	return redact(text, where.token).replace(/\s*\n\s*/g, " ");
}

/** Viber status codes and the typed errors a send can fail with (viber-api.md §2.2, §6). */
import type * as v from "valibot";

/**
 * Viber's API `status` codes and their names (§6.1). Switch on the number: the `status_message`
 * Viber sends along is free text that varies (`notSubscribed`, `Too many requests`, ...).
 *
 * @example if (response.status === 6) markUnsubscribed(userId); // VIBER_STATUS[6] === "receiverNotSubscribed"
 */
export const VIBER_STATUS = {
	0: "ok",
	1: "invalidUrl",
	2: "invalidAuthToken",
	3: "badData",
	4: "missingData",
	5: "receiverNotRegistered",
	6: "receiverNotSubscribed",
	7: "publicAccountBlocked",
	8: "publicAccountNotFound",
	9: "publicAccountSuspended",
	10: "webhookNotSet",
	11: "receiverNoSuitableDevice",
	12: "tooManyRequests",
	13: "apiVersionNotSupported",
	14: "incompatibleWithVersion",
	15: "publicAccountNotAuthorized",
	16: "inchatReplyMessageNotAllowed",
	17: "publicAccountIsNotInline",
	18: "noPublicChat",
	19: "cannotSendBroadcast",
	20: "broadcastNotAllowed",
	21: "unsupportedCountry",
	22: "paymentUnsupported",
	23: "freeMessagesExceeded",
	24: "noBalance",
} as const;
export type ViberStatusName = (typeof VIBER_STATUS)[keyof typeof VIBER_STATUS] | "generalError";

/**
 * The name of a Viber status code; Viber documents every other code as `generalError`.
 *
 * @example statusName(12) // "tooManyRequests"
 */
export function statusName(code: number): ViberStatusName {
	return nameIn(VIBER_STATUS, code, "generalError");
}

function nameIn<T extends Record<number, string>, F extends string>(
	table: T,
	code: number,
	fallback: F,
): T[keyof T] | F {
	return Object.hasOwn(table, code) ? table[code as keyof T] : fallback;
}

/**
 * What Viber charged for a sent message: the `billing_status` of a send response (§2.2).
 *
 * @example BILLING_STATUS[5] // "outOfSessionBilledMessage"
 */
export const BILLING_STATUS = {
	0: "free",
	1: "inSessionNonBillableBot",
	2: "inSessionForBillableBot",
	3: "outOfSessionFreeMessageNonBillableBot",
	4: "outOfSessionFreeMessageForBillableBot",
	5: "outOfSessionBilledMessage",
} as const;
export type BillingStatusName = (typeof BILLING_STATUS)[keyof typeof BILLING_STATUS] | "unknown";

/**
 * The name of a `billing_status` value, or `"unknown"` for one Viber added after this list.
 *
 * @example billingStatusName(0) // "free"
 */
export function billingStatusName(n: number): BillingStatusName {
	return nameIn(BILLING_STATUS, n, "unknown");
}

/**
 * Viber answered a call with a non-zero `status` (it does so with HTTP 200).
 *
 * @example
 * try { await api.sendMessage(id, msg) } catch (e) {
 *   if (e instanceof ViberApiError && e.status === 12) retryLater();
 * }
 */
export class ViberApiError extends Error {
	override readonly name = "ViberApiError";
	/** The numeric `status`; see `VIBER_STATUS`. */
	readonly status: number;
	/** The documented name of `status`, e.g. `receiverNotSubscribed`. */
	readonly statusName: string;
	/** Viber's own `status_message`, free text. */
	readonly statusMessage: string;
	/** The endpoint called, e.g. `send_message`. */
	readonly endpoint: string;
	/** The response's `billing_status`, when Viber sent one. */
	readonly billingStatus?: number;

	constructor(
		endpoint: string,
		status: number,
		statusMessage: string,
		extra: { billingStatus?: number } = {},
	) {
		const name = statusName(status);
		super(`${endpoint} failed: status ${status} ${name} (${statusMessage})`);
		this.status = status;
		this.statusName = name;
		this.statusMessage = statusMessage;
		this.endpoint = endpoint;
		if (extra.billingStatus !== undefined) this.billingStatus = extra.billingStatus;
	}
}

/**
 * A message breaks one of Viber's limits; thrown before any API call, so nothing was sent.
 *
 * @example new ViberLimitError("text", "at most 7000 characters") // message "text: at most 7000 characters"
 */
export class ViberLimitError extends Error {
	override readonly name = "ViberLimitError";
	/** Where the problem is: `text`, `keyboard.Buttons[2].ActionBody`, `request`, ... */
	readonly field: string;
	/** The rule broken, in words: `at most 7000 characters`, `required`, ... */
	readonly limit: string;

	constructor(field: string, limit: string, detail?: string) {
		super(`${field}: ${limit}${detail ? `. ${detail}` : ""}`);
		this.field = field;
		this.limit = limit;
	}

	/**
	 * Turns a valibot issue into the error: `field` is its path (`keyboard.Buttons[0].ActionBody`),
	 * `limit` the rule in words, with the numbers taken from the issue (that is, from `LIMITS`).
	 *
	 * @example throw ViberLimitError.fromIssue(v.safeParse(schema, input).issues[0]);
	 */
	static fromIssue(issue: v.BaseIssue<unknown>): ViberLimitError {
		let field = "";
		for (const { key } of issue.path ?? []) {
			if (typeof key === "number") field += `[${key}]`;
			else field += field ? `.${String(key)}` : String(key);
		}
		field ||= "message";
		const limit = describeIssue(issue);
		if (limit !== "unknown field") return new ViberLimitError(field, limit);
		// The usual typo is camelCase for one of Viber's snake_case keys.
		const key = String(issue.path?.at(-1)?.key);
		const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
		const hint = snake === key ? "" : `; did you mean "${snake}"?`;
		return new ViberLimitError(field, limit, `Viber does not know this key${hint}`);
	}
}

/** The rule a valibot issue reports, in the words `ViberLimitError.limit` uses. */
function describeIssue(issue: v.BaseIssue<unknown>): string {
	const { requirement: n, input, expected } = issue;
	const unit = typeof input === "string" ? "characters" : "items";
	const last = issue.path?.at(-1);
	switch (issue.type) {
		case "max_length":
			return `at most ${n} ${unit}`;
		case "min_length":
			return `at least ${n} ${unit}`;
		case "non_empty":
			return typeof input === "string" ? "must not be empty" : "at least 1 item";
		case "max_value":
			return `at most ${n}`;
		case "min_value":
			return `at least ${n}`;
		case "integer":
			return "must be an integer";
		case "picklist":
		case "variant": {
			// expected reads `("a" | "b" | (undefined | undefined))`; the undefined is the keyboard-only message.
			const options = (expected ?? "").replace(/^\(|\)$/g, "").split(" | ");
			return `must be one of ${options.filter((o) => o.startsWith('"')).join(", ")}`;
		}
	}
	if (issue.kind !== "schema") return issue.message;
	if (expected === "never") return last?.type === "array" ? "too many items" : "unknown field";
	if (last?.origin === "key") return "required";
	return `must be ${expected}`;
}

/**
 * Refused to message a user who unsubscribed or never subscribed: Viber would answer status 6.
 *
 * @example if (e instanceof NotSubscribedError) await forget(e.userId);
 */
export class NotSubscribedError extends Error {
	override readonly name = "NotSubscribedError";
	/** The Viber user id the message was meant for. */
	readonly userId: string;

	constructor(userId: string) {
		super(
			`User ${userId} is not subscribed: Viber forbids messaging a user who unsubscribed or has ` +
				"not subscribed yet, so no API call was made. A user who has not subscribed can only get " +
				"the welcome message (ctx.welcome() in conversation_started); they subscribe by sending a message.",
		);
		this.userId = userId;
	}
}

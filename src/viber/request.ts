/** One POST to a Viber endpoint: send, read, parse losslessly, check `status`, validate. */
import * as v from "valibot";
import { ViberApiError } from "./errors";
import { parseJson } from "./json";
import { ViberResponseSchema } from "./schemas/responses";
import { ViberRedirectError, ViberTransportError } from "./transport-error";

/** Where and how to call: the base URL is already checked by `normalizeBaseUrl`. */
export type RequestTarget = { baseUrl: string; token: string; fetch: typeof fetch };

/** Replaces the token wherever it could leak into an error message. */
export function redact(text: string, token: string): string {
	return token ? text.replaceAll(token, "[token]") : text;
}

function describeIssue(issue: v.BaseIssue<unknown>): string {
	const path = issue.path?.map((item) => String(item.key)).join(".");
	return path ? `${path}: ${issue.message}` : issue.message;
}

/** Where a redirect pointed, as an origin only: its path or query may carry secrets. */
function locationOrigin(response: Response, url: string): string | undefined {
	const location = response.headers.get("location");
	if (location === null) return undefined;
	try {
		return new URL(location, url).origin;
	} catch {
		return "(an invalid URL)";
	}
}

async function send(target: RequestTarget, endpoint: string, body: string): Promise<string> {
	const url = `${target.baseUrl}/${endpoint}`;
	let response: Response;
	try {
		response = await target.fetch(url, {
			method: "POST",
			headers: { "Content-Type": "application/json", "X-Viber-Auth-Token": target.token },
			body,
			// Following would re-send the token header to wherever `Location` points.
			redirect: "manual",
		});
	} catch (cause) {
		throw new ViberTransportError(endpoint, "network", networkDetail(cause, target.token), {
			cause,
		});
	}
	if (response.status >= 300 && response.status < 400) {
		await response.body?.cancel().catch(() => {});
		const origin = locationOrigin(response, url);
		throw new ViberRedirectError(endpoint, response.status, origin && redact(origin, target.token));
	}
	if (!response.ok) {
		await response.body?.cancel().catch(() => {});
		const hint = response.status === 404 ? " (unknown endpoint: check the base URL)" : "";
		throw new ViberTransportError(endpoint, "http", `HTTP ${response.status}${hint}`, {
			httpStatus: response.status,
		});
	}
	try {
		return await response.text();
	} catch (cause) {
		throw new ViberTransportError(endpoint, "network", networkDetail(cause, target.token), {
			cause,
			httpStatus: response.status,
		});
	}
}

function networkDetail(cause: unknown, token: string): string {
	const text = cause instanceof Error ? cause.message : String(cause);
	return `network error (${redact(text, token)})`;
}

/**
 * Posts `body` (JSON text) to `endpoint` once and returns the answer validated by `schema`.
 * Throws `ViberApiError` for a non-zero `status`, `ViberTransportError` for everything else.
 *
 * @example await postOnce(target, "get_account_info", "{}", AccountInfoSchema)
 */
export async function postOnce<S extends v.GenericSchema>(
	target: RequestTarget,
	endpoint: string,
	body: string,
	schema: S,
): Promise<v.InferOutput<S>> {
	const text = await send(target, endpoint, body);
	const bad = (detail: string) =>
		new ViberTransportError(endpoint, "response", redact(detail, target.token));
	let json: unknown;
	try {
		json = parseJson(text);
	} catch {
		throw bad(`the answer is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
	}
	const head = v.safeParse(ViberResponseSchema, json);
	if (!head.success) {
		throw bad(`the answer is not a Viber response (${describeIssue(head.issues[0])})`);
	}
	const { status, status_message, billing_status } = head.output;
	if (status !== 0) {
		const billingStatus = typeof billing_status === "number" ? billing_status : undefined;
		throw new ViberApiError(endpoint, status, redact(status_message, target.token), {
			billingStatus,
		});
	}
	const result = v.safeParse(schema, json);
	if (!result.success) {
		throw bad(`the answer has an unexpected shape (${describeIssue(result.issues[0])})`);
	}
	return result.output;
}

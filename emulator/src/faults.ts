/** Plays a scripted fault: a delay, a dropped connection, an HTTP error or a chosen answer. */
import { viberStatus } from "./reply";
import type { FaultRule } from "./types";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Thrown to fail the caller's fetch. `index.ts` lets it escape the worker: workerd then rejects
 * the caller's `fetch()` with this very error (service bindings and `outboundService` alike),
 * which is as close to a dropped connection as a worker gets. Returning `Response.error()` also
 * rejects, but with a confusing message; a throw caught by Hono becomes a plain HTTP 500.
 */
export class NetworkFault extends TypeError {
	static readonly MESSAGE = "Network connection lost (a networkError fault of the fake Viber API)";
	constructor() {
		super(NetworkFault.MESSAGE);
	}
}

/** Headers go out, then the body breaks off: the caller's `response.text()` rejects. */
function brokenBody(): Response {
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(new TextEncoder().encode('{"status":0,'));
			controller.error(new NetworkFault());
		},
	});
	return new Response(body, { headers: { "content-type": "application/json" } });
}

/**
 * The answer a fault rule dictates, or `undefined` to answer normally (a rule with only
 * `delayMs`). Throws `NetworkFault` for `networkError: true`.
 */
export async function playFault(rule: FaultRule): Promise<Response | undefined> {
	if (rule.delayMs) await sleep(rule.delayMs);
	if (rule.networkError === "body") return brokenBody();
	if (rule.networkError) throw new NetworkFault();
	if (rule.body !== undefined) {
		return new Response(rule.body, {
			status: rule.httpStatus ?? 200,
			headers: { "content-type": "application/json" },
		});
	}
	if (rule.httpStatus !== undefined) {
		return new Response(`HTTP ${rule.httpStatus} from the fake Viber API`, {
			status: rule.httpStatus,
		});
	}
	if (rule.status !== undefined) return viberStatus(rule.status);
	return undefined;
}

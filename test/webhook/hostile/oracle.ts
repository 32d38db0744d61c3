/** Turns a plan into a `Request`, and says which answers the webhook's documented rules allow. */
import { signBody } from "../../../src/viber/signature";
import { MAX_BODY_BYTES } from "../../../src/webhook/app";
import type { Plan } from "./requests";

const HEADER = "x-viber-content-signature";
const ZEROS = "0".repeat(64);

/** A request to send, whether it carries a valid signature over its exact body, and the answers allowed. */
export type Built = { request: Request; signed: boolean; allowed: number[] };

function stream(body: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
	let offset = 0;
	let i = 0;
	return new ReadableStream({
		pull(controller) {
			if (offset >= body.length) return controller.close();
			const size = sizes[i++ % sizes.length] ?? 1;
			controller.enqueue(body.slice(offset, offset + size));
			offset += size;
		},
	});
}

/** The header and query signature a plan sends. */
async function signatures(plan: Plan, token: string, body: Uint8Array) {
	const valid = await signBody(token, body);
	const mode = plan.signature;
	switch (mode.kind) {
		case "none":
			return { valid };
		case "valid": {
			const value = mode.upper ? valid.toUpperCase() : valid;
			return { valid, [mode.where]: value };
		}
		case "other-key":
			return { valid, header: await signBody(`${token}-other`, body) };
		case "other-body":
			return { valid, header: await signBody(token, mode.other) };
		case "raw":
			return { valid, [mode.where]: mode.value };
		case "header-wins":
			return {
				valid,
				header: mode.headerValid ? valid : ZEROS,
				query: mode.headerValid ? ZEROS : valid,
			};
	}
}

function decodedPath(path: string): string {
	const pathname = new URL(`http://bot.test${path}`).pathname;
	try {
		return decodeURI(pathname);
	} catch {
		return pathname;
	}
}

/** The statuses the app documents for a POST /webhook with this body and signature. */
function webhookStatuses(plan: Plan, body: Uint8Array, given: string | undefined, valid: string) {
	if (body.length > MAX_BODY_BYTES) return { signed: false, allowed: [413] };
	if (!given) return { signed: false, allowed: [401] };
	const signed = /^[0-9a-fA-F]{64}$/.test(given) && given.toLowerCase() === valid;
	if (!signed) return { signed, allowed: [403] };
	const allowed = { valid: [200], accepted: [200], invalid: [400], unsure: [200, 400] };
	return { signed, allowed: allowed[plan.known.kind] };
}

/** Signs and builds the request of a plan with the bot's `token`. */
export async function build(plan: Plan, token: string): Promise<Built> {
	const body = plan.body ?? new Uint8Array(0);
	const sig = await signatures(plan, token, body);
	const headers = new Headers();
	if (sig.header !== undefined) headers.set(HEADER, sig.header);
	const url = new URL(`http://bot.test${plan.path}`);
	if (sig.query !== undefined) url.searchParams.set("sig", sig.query);
	let requestBody: BodyInit | null = plan.body;
	if (plan.body && plan.chunks) requestBody = stream(plan.body, plan.chunks);
	const request = new Request(url, { method: plan.method, headers, body: requestBody });

	const path = decodedPath(plan.path);
	let result: { signed: boolean; allowed: number[] } = { signed: false, allowed: [404] };
	if (path === "/webhook") {
		const given = headers.has(HEADER) ? (headers.get(HEADER) ?? "") : sig.query;
		result =
			plan.method === "POST"
				? webhookStatuses(plan, body, given, sig.valid)
				: { signed: false, allowed: [405] };
	} else if (path === "/health") {
		result = {
			signed: false,
			allowed: plan.method === "GET" || plan.method === "HEAD" ? [200] : [405],
		};
	}
	return { request, ...result };
}

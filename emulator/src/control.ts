/** Test controls under `/_fake/`: read recorded requests, script faults, (un)subscribe, reset. */
import { Hono } from "hono";
import type { EmulatorVars } from "./emulator";
import { jsonResponse } from "./reply";
import type { EmulatorStore } from "./store";
import type { FaultRule } from "./types";

export const control = new Hono<EmulatorVars>();

const bad = (message: string) => Response.json({ error: message }, { status: 400 });

async function jsonBody(request: Request): Promise<Record<string, unknown> | undefined> {
	const json: unknown = await request.json().catch(() => undefined);
	return typeof json === "object" && json !== null && !Array.isArray(json)
		? (json as Record<string, unknown>)
		: undefined;
}

const optionalString = (x: unknown) => x === undefined || typeof x === "string";

/** `GET /_fake/requests?token=&endpoint=&receiver=` → `{ requests }`, oldest first. */
control.get("/requests", (c) => {
	const { token, endpoint, receiver } = c.req.query();
	const requests = c.var.emulator.journal.requests({ token, endpoint, receiver });
	// Bodies may hold message tokens: keep them exact on the way out.
	return jsonResponse({ requests });
});

/** `POST /_fake/faults` with a `FaultRule`. */
control.post("/faults", async (c) => {
	const rule = await jsonBody(c.req.raw);
	if (!rule) return bad("expected a JSON object: a FaultRule");
	const { token, endpoint, receiver, times, status, httpStatus, networkError, body, delayMs } =
		rule;
	const numbers = [times, status, httpStatus, delayMs].every(
		(n) => n === undefined || (typeof n === "number" && Number.isInteger(n) && n >= 0),
	);
	if (!numbers || ![token, endpoint, receiver, body].every(optionalString)) {
		return bad(
			"token, endpoint, receiver, body are strings; times, status, httpStatus, delayMs integers ≥ 0",
		);
	}
	if (![undefined, true, "body"].includes(networkError as never)) {
		return bad('networkError must be true or "body"');
	}
	c.var.emulator.journal.addFault(rule as FaultRule);
	return c.json({ ok: true });
});

async function subscription(
	store: EmulatorStore,
	request: Request,
	subscribed: boolean,
): Promise<Response> {
	const body = await jsonBody(request);
	if (!body || typeof body.receiver !== "string" || !optionalString(body.token)) {
		return bad("expected { receiver: string, token?: string }");
	}
	store.markUnsubscribed(body.receiver, !subscribed, body.token as string | undefined);
	return Response.json({ ok: true });
}

/** `POST /_fake/unsubscribe` `{ token?, receiver }`: sends to them answer status 6. */
control.post("/unsubscribe", (c) => subscription(c.var.emulator.store, c.req.raw, false));
/** `POST /_fake/subscribe` `{ token?, receiver }`: undoes `unsubscribe`. */
control.post("/subscribe", (c) => subscription(c.var.emulator.store, c.req.raw, true));

/** `POST /_fake/reset` `{ token }`: forgets that token's requests, faults, users and webhook. */
control.post("/reset", async (c) => {
	const body = await jsonBody(c.req.raw);
	if (!body || typeof body.token !== "string") return bad("expected { token: string }");
	c.var.emulator.reset(body.token);
	return c.json({ ok: true });
});

/** The HTTP surface: `GET /health` and `POST /webhook` (size cap → verify → parse → dispatch). */
import { type Context, Hono } from "hono";
import type { AnyBot } from "../subscriber/subscriber";
import { discardBody } from "./body";
import { dispatch } from "./dispatch";
import { BadCallbackError, parseCallback } from "./parse";
import { type VerifiedEnv, verifyViberSignature } from "./verify";

export { MAX_BODY_BYTES } from "./body";

/** Answers a known path asked with a method it does not serve: 405 with `Allow`. */
const methodNotAllowed = (allow: string) => async (c: Context) => {
	await discardBody(c.req.raw);
	c.header("allow", allow);
	return c.json({ error: `method not allowed: use ${allow}` }, 405);
};

/** The worker's Hono app for a bot. */
export function createApp(bot: AnyBot): Hono<VerifiedEnv> {
	const app = new Hono<VerifiedEnv>();

	app.get("/health", (c) => c.text("ok"));

	app.post("/webhook", verifyViberSignature(), async (c) => {
		let callback: ReturnType<typeof parseCallback>;
		try {
			callback = parseCallback(c.var.rawBody);
		} catch (error) {
			if (error instanceof BadCallbackError) return c.json({ error: error.message }, 400);
			throw error;
		}
		return dispatch(callback, c.env, (p) => c.executionCtx.waitUntil(p), bot);
	});

	app.all("/webhook", methodNotAllowed("POST"));
	app.all("/health", methodNotAllowed("GET"));

	app.notFound(async (c) => {
		await discardBody(c.req.raw);
		return c.json({ error: "not found" }, 404);
	});

	app.onError((error, c) => {
		console.error("Unhandled error in", c.req.method, c.req.path, error);
		return c.json({ error: "internal error" }, 500);
	});

	return app;
}

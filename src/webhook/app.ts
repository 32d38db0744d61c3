/** The HTTP surface: `GET /health` and `POST /webhook` (size cap → verify → parse → dispatch). */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AnyBot } from "../subscriber/subscriber";
import { dispatch } from "./dispatch";
import { BadCallbackError, parseCallback } from "./parse";
import { type VerifiedEnv, verifyViberSignature } from "./verify";

/** Viber's callbacks are a few KB; anything near this is not from Viber. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The worker's Hono app for a bot. */
export function createApp(bot: AnyBot): Hono<VerifiedEnv> {
	const app = new Hono<VerifiedEnv>();

	app.get("/health", (c) => c.text("ok"));

	app.post(
		"/webhook",
		bodyLimit({
			maxSize: MAX_BODY_BYTES,
			onError: (c) => c.json({ error: "body larger than 1 MiB" }, 413),
		}),
		verifyViberSignature(),
		async (c) => {
			let callback: ReturnType<typeof parseCallback>;
			try {
				callback = parseCallback(c.var.rawBody);
			} catch (error) {
				if (error instanceof BadCallbackError) return c.json({ error: error.message }, 400);
				throw error;
			}
			return dispatch(callback, c.env, (p) => c.executionCtx.waitUntil(p), bot);
		},
	);

	app.onError((error, c) => {
		console.error("Unhandled error in", c.req.method, c.req.path, error);
		return c.json({ error: "internal error" }, 500);
	});

	return app;
}

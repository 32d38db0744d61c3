/** Webhook middleware: the raw body, verified against Viber's signature before anything reads it. */
import { createMiddleware } from "hono/factory";
import { MISSING_TOKEN_HELP } from "../runtime/viber";
import { isSignatureShaped, verifySignature } from "../viber/signature";

export type VerifiedEnv = { Bindings: Env; Variables: { rawBody: ArrayBuffer } };

const problem = (error: string) => ({ error });

/**
 * Takes the signature from `X-Viber-Content-Signature`, else from `?sig=`; checks it over the
 * exact bytes received. Missing → 401, wrong → 403; either way nothing else runs.
 */
export const verifyViberSignature = () =>
	createMiddleware<VerifiedEnv>(async function verifyViberSignature(c, next) {
		const token = c.env.VIBER_AUTH_TOKEN;
		if (!token) {
			// Refuse rather than accept unverified callbacks; the log says how to fix it.
			console.error(MISSING_TOKEN_HELP);
			return c.json(problem("the bot is not configured"), 500);
		}
		const signature = c.req.header("x-viber-content-signature") ?? c.req.query("sig");
		if (!signature) return c.json(problem("missing X-Viber-Content-Signature"), 401);
		if (!isSignatureShaped(signature)) return c.json(problem("invalid signature"), 403);
		const body = await c.req.arrayBuffer();
		if (!(await verifySignature(token, body, signature))) {
			return c.json(problem("invalid signature"), 403);
		}
		c.set("rawBody", body);
		await next();
	});

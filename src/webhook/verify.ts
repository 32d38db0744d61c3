/** Webhook middleware: the raw body, size-capped, verified against Viber's signature before anything reads it. */
import { createMiddleware } from "hono/factory";
import { MISSING_TOKEN_HELP } from "../runtime/viber";
import { isSignatureShaped, verifySignature } from "../viber/signature";
import {
	BODY_WITHIN_MS,
	BROKEN,
	discardBody,
	MAX_BODY_BYTES,
	readBodyCapped,
	TOO_LARGE,
	TOO_SLOW,
} from "./body";

export type VerifiedEnv = { Bindings: Env; Variables: { rawBody: Uint8Array<ArrayBuffer> } };

const problem = (error: string) => ({ error });

/**
 * Reads the body first, whatever else is wrong with the request, so the sender always finishes
 * its upload and gets an answer: over `MAX_BODY_BYTES` → 413, slower than `BODY_WITHIN_MS`
 * → 408. Then takes the signature from
 * `X-Viber-Content-Signature`, else from `?sig=`, and checks it over the exact bytes received:
 * missing → 401, wrong → 403; either way nothing else runs.
 */
export const verifyViberSignature = () =>
	createMiddleware<VerifiedEnv>(async function verifyViberSignature(c, next) {
		const token = c.env.VIBER_AUTH_TOKEN;
		if (!token) {
			// Refuse rather than accept unverified callbacks; the log says how to fix it.
			console.error(MISSING_TOKEN_HELP);
			await discardBody(c.req.raw);
			return c.json(problem("the bot is not configured"), 500);
		}
		const body = await readBodyCapped(c.req.raw, MAX_BODY_BYTES);
		if (body === TOO_LARGE) {
			return c.json(problem(`body larger than ${MAX_BODY_BYTES / 1024} KiB`), 413);
		}
		if (body === TOO_SLOW) {
			return c.json(problem(`the body took longer than ${BODY_WITHIN_MS / 1000} s`), 408);
		}
		if (body === BROKEN) return c.json(problem("the body broke off"), 400);
		const signature = c.req.header("x-viber-content-signature") ?? c.req.query("sig");
		if (!signature) return c.json(problem("missing X-Viber-Content-Signature"), 401);
		if (!isSignatureShaped(signature)) return c.json(problem("invalid signature"), 403);
		if (!(await verifySignature(token, body, signature))) {
			return c.json(problem("invalid signature"), 403);
		}
		c.set("rawBody", body);
		await next();
	});

/** The admin API's bearer token, derived from the bot token (shared by the worker and the CLI). */
import { signBody, verifySignature } from "../viber/signature";

const ADMIN_CONTEXT = "viber-bot admin v1";
const encoder = new TextEncoder();

/**
 * The admin bearer token for a bot token: HMAC-SHA256(token, "viber-bot admin v1"), hex. A leak
 * of it does not leak the Viber token.
 *
 * @example fetch(url, { headers: { authorization: `Bearer ${await adminToken(token)}` } })
 */
export function adminToken(viberToken: string): Promise<string> {
	return signBody(viberToken, ADMIN_CONTEXT);
}

/** Whether `presented` (64 hex digits) is the admin token; compared in constant time. */
export function isAdminToken(viberToken: string, presented: string): Promise<boolean> {
	return verifySignature(viberToken, encoder.encode(ADMIN_CONTEXT), presented.toLowerCase());
}

/** Viber's callback signature: lower-case hex HMAC-SHA256 of the raw body, keyed by the token. */

const encoder = new TextEncoder();
// Importing a key is far slower than using one: keep one per token for the isolate's life.
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(token: string): Promise<CryptoKey> {
	let key = keys.get(token);
	if (!key) {
		key = crypto.subtle.importKey(
			"raw",
			encoder.encode(token),
			{ name: "HMAC", hash: "SHA-256" },
			false,
			["sign", "verify"],
		);
		keys.set(token, key);
	}
	return key;
}

const HEX_SIGNATURE = /^[0-9a-fA-F]{64}$/;

/** Whether `signature` has the only shape Viber sends: 64 hex characters (32 bytes). */
export function isSignatureShaped(signature: string): boolean {
	return HEX_SIGNATURE.test(signature);
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
	const bytes = new Uint8Array(hex.length / 2);
	for (let i = 0; i < bytes.length; i++)
		bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
	return bytes;
}

/**
 * Checks a callback signature over the exact bytes received, in constant time
 * (`crypto.subtle.verify` compares the MACs itself).
 *
 * @example if (!(await verifySignature(token, await req.arrayBuffer(), sig))) return 403;
 */
export async function verifySignature(
	token: string,
	body: ArrayBuffer | ArrayBufferView,
	signature: string,
): Promise<boolean> {
	if (!isSignatureShaped(signature)) return false;
	return crypto.subtle.verify("HMAC", await hmacKey(token), hexToBytes(signature), body);
}

/**
 * Signs a body the way Viber does. Used by the emulator and by tests to make genuine callbacks.
 *
 * @example const sig = await signBody(token, JSON.stringify(callback));
 */
export async function signBody(
	token: string,
	body: string | ArrayBuffer | ArrayBufferView,
): Promise<string> {
	const bytes = typeof body === "string" ? encoder.encode(body) : body;
	const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(token), bytes));
	return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

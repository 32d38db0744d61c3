/** Reads a request body as a stream with a running count, and stops at a cap. */

/**
 * The largest webhook body accepted, 128 KiB. Viber's biggest callback is a `message` with a
 * 7,000-character text (its limit) whose characters are all JSON-escaped (`\uXXXX`, 6 bytes
 * each): about 42 KB with the envelope, user and tracking data. 128 KiB leaves three times that
 * as margin for fields Viber may add, and is still small enough to read quickly under load.
 */
export const MAX_BODY_BYTES = 128 * 1024;

/** The body broke the cap: the request is answered 413. */
export const TOO_LARGE = Symbol("too large");
/** The sender broke off its upload: the request is answered 400, if anyone still listens. */
export const BROKEN = Symbol("broken");

/**
 * How much of a refused body is read and thrown away, before answering, until the stream is
 * cancelled. Reading it lets the sender finish its upload and see the 4xx: behind `wrangler
 * dev`'s proxy, answering before the body was read (even with the read going on afterwards) gave
 * 500 "Network connection lost" or a reset for most 5 MB uploads at 20 in flight. The bounds keep
 * a sender that never stops, or trickles, from holding the worker.
 */
const DRAIN_BYTES = 32 * 1024 * 1024;
/**
 * The most time spent draining, so that a slow sender is answered within seconds: 4 s keeps the
 * answer under Viber's 5 s (and the hostile run's) limit while a loaded `wrangler dev` on two
 * cores takes about 3 s to take in 5 MB from each of 20 uploads at once.
 */
const DRAIN_MS = 4_000;

function concat(chunks: Uint8Array[], total: number): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(total);
	let offset = 0;
	for (const chunk of chunks) {
		out.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return out;
}

/**
 * Reads and discards what is left of a body we will not use (up to 32 MiB, for at most 4 s),
 * then cancels the rest. Await it before answering a request refused without reading its body.
 *
 * @example await discardBody(c.req.raw); return c.json({ error: "not found" }, 404);
 */
export async function discardBody(request: Request): Promise<void> {
	if (request.body && !request.bodyUsed) await drain(request.body.getReader());
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
	const deadline = Date.now() + DRAIN_MS;
	let drained = 0;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<"timeout">((resolve) => {
		timer = setTimeout(() => resolve("timeout"), DRAIN_MS);
	});
	try {
		while (drained < DRAIN_BYTES && Date.now() < deadline) {
			const next = await Promise.race([reader.read(), timeout]);
			if (next === "timeout" || next.done) break;
			drained += next.value.byteLength;
		}
	} catch {
		// The sender went away: nothing left to drain.
	} finally {
		clearTimeout(timer);
		await reader.cancel().catch(() => {});
	}
}

/**
 * The request's body bytes, or `TOO_LARGE` as soon as more than `max` bytes were declared
 * (`Content-Length`) or received (chunked uploads): never more than `max` bytes are kept.
 * `BROKEN` when the upload broke off.
 *
 * @example const body = await readBodyCapped(c.req.raw, MAX_BODY_BYTES); if (body === TOO_LARGE) return 413;
 */
export async function readBodyCapped(
	request: Request,
	max: number = MAX_BODY_BYTES,
): Promise<Uint8Array<ArrayBuffer> | typeof TOO_LARGE | typeof BROKEN> {
	if (!request.body) return new Uint8Array(0);
	const reader = request.body.getReader();
	const declared = Number(request.headers.get("content-length") ?? 0);
	if (declared > max) {
		await drain(reader);
		return TOO_LARGE;
	}
	const chunks: Uint8Array[] = [];
	let total = 0;
	for (;;) {
		let next: ReadableStreamReadResult<Uint8Array>;
		try {
			next = await reader.read();
		} catch {
			return BROKEN;
		}
		const { done, value } = next;
		if (done) return concat(chunks, total);
		total += value.byteLength;
		if (total > max) {
			await drain(reader);
			return TOO_LARGE;
		}
		chunks.push(value);
	}
}

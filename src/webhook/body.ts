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
/** The body did not arrive in time: the request is answered 408. */
export const TOO_SLOW = Symbol("too slow");

/**
 * How much of a refused body is read and thrown away, before answering, until the stream is
 * cancelled. Reading it lets the sender finish its upload and see the 4xx: behind `wrangler
 * dev`'s proxy, answering before the body was read (even with the read going on afterwards) gave
 * 500 "Network connection lost" or a reset for most 5 MB uploads at 20 in flight. The bounds keep
 * a sender that never stops, or trickles, from holding the worker.
 */
const DRAIN_BYTES = 32 * 1024 * 1024;
/**
 * The most time a body may take, read or drained, counted from the first read: a sender is
 * answered within about 3.5 s whatever it does, under Viber's 5 s limit. A loaded `wrangler dev`
 * on two cores took about 3 s to take in 5 MB from each of 20 uploads at once.
 */
export const BODY_WITHIN_MS = 3_500;

const TIMEOUT = Symbol("timeout");

/** `reader.read()`, or `TIMEOUT` once `deadline` (epoch ms) has passed. */
async function readBefore(
	reader: ReadableStreamDefaultReader<Uint8Array>,
	deadline: number,
): Promise<ReadableStreamReadResult<Uint8Array> | typeof TIMEOUT> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<typeof TIMEOUT>((resolve) => {
		timer = setTimeout(() => resolve(TIMEOUT), Math.max(0, deadline - Date.now()));
	});
	try {
		return await Promise.race([reader.read(), timeout]);
	} finally {
		clearTimeout(timer);
	}
}

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
 * Reads and discards what is left of a body we will not use (up to 32 MiB, for at most 3.5 s),
 * then cancels the rest. Await it before answering a request refused without reading its body.
 *
 * @example await discardBody(c.req.raw); return c.json({ error: "not found" }, 404);
 */
export async function discardBody(request: Request): Promise<void> {
	if (request.body && !request.bodyUsed) {
		await drain(request.body.getReader(), Date.now() + BODY_WITHIN_MS);
	}
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, deadline: number) {
	let drained = 0;
	try {
		while (drained < DRAIN_BYTES) {
			const next = await readBefore(reader, deadline);
			if (next === TIMEOUT || next.done) break;
			drained += next.value.byteLength;
		}
	} catch {
		// The sender went away: nothing left to drain.
	} finally {
		await reader.cancel().catch(() => {});
	}
}

/**
 * A body of a declared size (at most the cap), read whole: the HTTP layer delivers no more than
 * declared, so no running count is needed, and one timer guards the whole body. Reading chunk
 * by chunk cost more than the rest of a small request's handling.
 */
async function readDeclared(
	request: Request,
	size: number,
	deadline: number,
): Promise<Uint8Array<ArrayBuffer> | typeof TOO_SLOW | typeof BROKEN> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<typeof TIMEOUT>((resolve) => {
		timer = setTimeout(() => resolve(TIMEOUT), Math.max(0, deadline - Date.now()));
	});
	const reading = request.arrayBuffer().then(
		(bytes): Uint8Array<ArrayBuffer> | typeof BROKEN =>
			bytes.byteLength === size ? new Uint8Array(bytes) : BROKEN,
		(): typeof BROKEN => BROKEN,
	);
	const body = await Promise.race([reading, timeout]).finally(() => clearTimeout(timer));
	return body === TIMEOUT ? TOO_SLOW : body;
}

/**
 * The request's body bytes, or `TOO_LARGE` as soon as more than `max` bytes were declared
 * (`Content-Length`) or received (chunked uploads): never more than `max` bytes are kept.
 * `TOO_SLOW` when it did not arrive within `BODY_WITHIN_MS`, `BROKEN` when the upload broke off.
 *
 * @example const body = await readBodyCapped(c.req.raw, MAX_BODY_BYTES); if (body === TOO_LARGE) return 413;
 */
export async function readBodyCapped(
	request: Request,
	max: number = MAX_BODY_BYTES,
): Promise<Uint8Array<ArrayBuffer> | typeof TOO_LARGE | typeof TOO_SLOW | typeof BROKEN> {
	if (!request.body) return new Uint8Array(0);
	const deadline = Date.now() + BODY_WITHIN_MS;
	const declared = Number(request.headers.get("content-length") ?? 0);
	if (declared > 0 && declared <= max) return readDeclared(request, declared, deadline);
	const reader = request.body.getReader();
	if (declared > max) {
		await drain(reader, deadline);
		return TOO_LARGE;
	}
	const chunks: Uint8Array[] = [];
	let total = 0;
	for (;;) {
		let next: Awaited<ReturnType<typeof readBefore>>;
		try {
			next = await readBefore(reader, deadline);
		} catch {
			return BROKEN;
		}
		if (next === TIMEOUT) {
			await reader.cancel().catch(() => {});
			return TOO_SLOW;
		}
		if (next.done) return concat(chunks, total);
		total += next.value.byteLength;
		if (total > max) {
			await drain(reader, deadline);
			return TOO_LARGE;
		}
		chunks.push(next.value);
	}
}

/** Answers shaped like Viber's: HTTP 200, JSON, 64-bit message tokens as raw integers. */
import { statusName } from "../../src/viber/errors";
import { stringifyJson } from "../../src/viber/json";

// 10^18 ≤ token < 9.2 × 10^18: always 19 digits, past 2^53, within a signed 64-bit integer.
const TOKEN_MIN = 1_000_000_000_000_000_000n;
const TOKEN_SPAN = 8_200_000_000_000_000_000n;

/** A fresh random 19-digit message token, as its decimal string. */
export function newMessageToken(): string {
	const [random = 0n] = crypto.getRandomValues(new BigUint64Array(1));
	return (TOKEN_MIN + (random % TOKEN_SPAN)).toString();
}

/** A JSON answer; `message_token` strings go out as raw integers, like Viber's. */
export function jsonResponse(body: unknown, httpStatus = 200): Response {
	return new Response(stringifyJson(body), {
		status: httpStatus,
		headers: { "content-type": "application/json" },
	});
}

/** An error answer: HTTP 200 with a non-zero `status`, as Viber does (§1). */
export function viberStatus(status: number, message: string = statusName(status)): Response {
	return jsonResponse({ status, status_message: message });
}

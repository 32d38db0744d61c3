/**
 * Generators of hostile requests to the webhook, as plans: a body, where its signature comes
 * from and how it travels. `toRequest` (./oracle.ts) signs and builds them.
 */
import fc from "fast-check";
import { parseJson, stringifyJson } from "../../../src/viber/json";
import { MAX_BODY_BYTES } from "../../../src/webhook/app";
import { CALLBACK_FIXTURES, MESSAGE_FIXTURES, withFreshTimestamp } from "../../fixtures/callbacks";
import { hostileJsonValue, INVALID_UTF8 } from "../../fixtures/hostile";
import { callbacks, newToken, user } from "../../helpers/callbacks";

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

/** Where the signature comes from. `valid*` sign the exact bytes sent with the bot's token. */
export type SignatureMode =
	| { kind: "none" }
	| { kind: "valid"; where: "header" | "query"; upper: boolean }
	| { kind: "other-key" }
	| { kind: "other-body"; other: Uint8Array }
	| { kind: "raw"; value: string; where: "header" | "query" }
	| { kind: "header-wins"; headerValid: boolean };

/** A request to run: `known` says what the body is, for the oracle. */
export type Plan = {
	method: string;
	path: string;
	body: Uint8Array | null;
	/** Sent as a stream without Content-Length, cut in these pieces. */
	chunks?: number[];
	signature: SignatureMode;
	/**
	 * Signed, `valid` is a fresh callback about `userId` that must reach its Subscriber; `accepted`
	 * must be answered 200; `invalid` must be a 400; `unsure` is 200 or 400.
	 */
	known:
		| { kind: "valid"; userId: string }
		| { kind: "accepted" }
		| { kind: "invalid" }
		| { kind: "unsure" };
	label: string;
};

/**
 * Every callback fixture, as Viber's exact bytes but for a fresh timestamp (else the replay
 * window would ignore them before they reach anything), and every message type in a `message`.
 */
const FIXTURES: string[] = [
	...Object.values(CALLBACK_FIXTURES).map(withFreshTimestamp),
	...Object.values(MESSAGE_FIXTURES).map((m) => stringifyJson(callbacks.message("u+/=", m))),
];

const userId = fc
	.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 30 })
	.map((s) => `${s}=`);
const anyText = fc.string({ unit: "binary", maxLength: 300 });

let serial = 0;

/**
 * A genuine callback with a fresh timestamp and token. Those about a user who writes or
 * subscribes must reach that user's Subscriber (`id`, unique per run); receipts must be accepted.
 */
const validCallback = fc
	.tuple(userId, anyText, fc.constantFrom("text", "subscribed", "sticker", "delivered", "seen"))
	.map(([name, text, kind]): { body: unknown; known: Plan["known"] } => {
		serial += 1;
		const id = `${name}#${serial}=`;
		const fresh = { timestamp: Date.now(), message_token: newToken() };
		const valid = { kind: "valid" as const, userId: id };
		if (kind === "text") return { known: valid, body: callbacks.text(id, text) };
		if (kind === "subscribed") {
			return { known: valid, body: { event: "subscribed", ...fresh, user: user(id) } };
		}
		if (kind === "sticker") {
			const sticker = { type: "sticker", sticker_id: "40129" };
			return { known: valid, body: callbacks.message(id, sticker) };
		}
		const receipt = callbacks.receipt(kind as "delivered" | "seen", id, fresh.message_token);
		return { known: { kind: "accepted" }, body: receipt };
	});

const MARK = "__hostile_value__";

function setPath(value: unknown, path: string[]): unknown {
	if (path.length === 0) return MARK;
	const [head = "", ...rest] = path;
	const record = (typeof value === "object" && value !== null ? value : {}) as Record<
		string,
		unknown
	>;
	return { ...record, [head]: setPath(record[head], rest) };
}

function keyPaths(value: unknown, prefix: string[] = []): string[][] {
	if (typeof value !== "object" || value === null || Array.isArray(value)) return [prefix];
	return [prefix, ...Object.entries(value).flatMap(([k, v]) => keyPaths(v, [...prefix, k]))];
}

/** A fixture with one value replaced (or a key added) by a random or hostile JSON value. */
const retyped = fc
	.tuple(fc.constantFrom(...FIXTURES), fc.nat(), hostileJsonValue, fc.boolean())
	.map(([fixture, pick, raw, addKey]) => {
		const parsed = parseJson(fixture);
		const paths = keyPaths(parsed);
		const path = paths[pick % paths.length] ?? [];
		const target = addKey ? [...path, "extra_field"] : path;
		return bytes(stringifyJson(setPath(parsed, target)).replace(`"${MARK}"`, raw));
	});

type Damaged = { body: Uint8Array; known: "invalid" | "unsure" };

/** Byte-level damage to a fixture: cut short, a byte changed, invalid UTF-8 put in. */
const damaged = fc
	.tuple(fc.constantFrom(...FIXTURES), fc.nat(), fc.constantFrom("cut", "flip", "utf8" as const))
	.chain(([fixture, at, how]): fc.Arbitrary<Damaged> => {
		const source = bytes(fixture);
		const i = at % source.length;
		if (how === "cut") return fc.constant({ body: source.slice(0, i), known: "invalid" as const });
		if (how === "utf8") {
			return fc.constantFrom(...INVALID_UTF8).map((bad) => ({
				body: new Uint8Array([...source.slice(0, i), ...bad, ...source.slice(i)]),
				known: "invalid" as const,
			}));
		}
		return fc.integer({ min: 0, max: 255 }).map((b) => {
			const body = source.slice();
			body[i] = b;
			return { body, known: "unsure" as const };
		});
	});

/** A message callback without one of the fields it must have: signed, it is a 400. */
const missingRequired = fc
	.tuple(
		fc.constantFrom(...Object.values(MESSAGE_FIXTURES)),
		fc.constantFrom("event", "timestamp", "message_token", "sender", "message"),
	)
	.map(([message, key]) => {
		const body: Record<string, unknown> = callbacks.message("u+/=", message);
		delete body[key];
		return bytes(stringifyJson(body));
	});

const overSize = fc.integer({ min: MAX_BODY_BYTES + 1, max: 3 * MAX_BODY_BYTES }).map((n) => {
	const body = new Uint8Array(n).fill(0x20);
	body.set(bytes('{"event":"webhook","pad":"'));
	return body;
});

const hex = (n: number) =>
	fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: n, maxLength: n });

/** How the signature travels, valid or not. */
const signature: fc.Arbitrary<SignatureMode> = fc.oneof(
	{
		weight: 4,
		arbitrary: fc.record({
			kind: fc.constant("valid" as const),
			where: fc.constantFrom("header" as const, "query" as const),
			upper: fc.boolean(),
		}),
	},
	fc.constant({ kind: "none" as const }),
	fc.constant({ kind: "other-key" as const }),
	fc.uint8Array({ maxLength: 64 }).map((other) => ({ kind: "other-body" as const, other })),
	fc.record({
		kind: fc.constant("raw" as const),
		value: fc.oneof(
			hex(64),
			hex(63),
			hex(65),
			fc.string({ unit: "grapheme-ascii", maxLength: 80 }),
			fc.constant(""),
		),
		where: fc.constantFrom("header" as const, "query" as const),
	}),
	fc.boolean().map((headerValid) => ({ kind: "header-wins" as const, headerValid })),
);

const chunks = fc.option(
	fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 8 }),
	{ nil: undefined },
);

const post = (body: fc.Arbitrary<Uint8Array>, known: Plan["known"], label: string) =>
	fc
		.record({ body, signature, chunks })
		.map((p): Plan => ({ ...p, method: "POST", path: "/webhook", known, label }));

/** Requests with something wrong about the route: a method or a path the app does not serve. */
const wrongRoute = fc
	.oneof(
		fc.record({
			method: fc.constantFrom("GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"),
			path: fc.constant("/webhook"),
		}),
		fc.record({
			method: fc.constantFrom("POST", "PUT", "GET"),
			path: fc.oneof(
				fc.webPath(),
				fc.constantFrom("/webhook/", "/Webhook", "/webhook/x", "//webhook", "/health/"),
			),
		}),
	)
	.map(
		({ method, path }): Plan => ({
			method,
			path,
			body: method === "GET" || method === "HEAD" ? null : bytes("{}"),
			signature: { kind: "valid", where: "header", upper: false },
			known: { kind: "unsure" },
			label: "route",
		}),
	);

/** Every kind of hostile request, weighted towards the webhook's own checks. */
export const hostileRequest: fc.Arbitrary<Plan> = fc.oneof(
	{
		weight: 3,
		arbitrary: post(fc.uint8Array({ maxLength: 2048 }), { kind: "invalid" }, "random bytes"),
	},
	{
		weight: 4,
		arbitrary: damaged.chain((d) =>
			post(fc.constant(d.body), { kind: d.known }, "damaged fixture"),
		),
	},
	{ weight: 4, arbitrary: post(retyped, { kind: "unsure" }, "retyped fixture") },
	{ weight: 1, arbitrary: post(missingRequired, { kind: "invalid" }, "missing field") },
	{
		weight: 1,
		arbitrary: post(fc.constantFrom(...FIXTURES).map(bytes), { kind: "accepted" }, "fixture"),
	},
	{
		weight: 2,
		arbitrary: validCallback.chain(({ body, known }) =>
			post(fc.constant(bytes(stringifyJson(body))), known, "valid callback"),
		),
	},
	{ weight: 1, arbitrary: post(overSize, { kind: "unsure" }, "over size") },
	{ weight: 1, arbitrary: wrongRoute },
);

/**
 * The admin API for broadcasts (`npm run viber -- broadcast …`): `POST /admin/broadcasts` starts
 * one, `GET /admin/broadcasts/:id` reads its progress. Authenticated with a bearer derived from
 * `VIBER_AUTH_TOKEN`, so the admin secret never is the Viber token itself.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as v from "valibot";
import { ViberLimitError } from "../viber/errors";
import { OutgoingMessageSchema } from "../viber/schemas/messages";
import { isAdminToken } from "./admin-token";
import { broadcastStats, startBroadcast } from "./broadcast";

const Values = v.union([
	v.pipe(v.string(), v.maxLength(100)),
	v.pipe(v.array(v.pipe(v.string(), v.maxLength(100))), v.minLength(1), v.maxLength(100)),
]);

/** `POST /admin/broadcasts`: `text` or a whole `message`, and optionally whom to reach. */
export const BroadcastRequestSchema = v.pipe(
	v.strictObject({
		text: v.optional(v.pipe(v.string(), v.nonEmpty())),
		message: v.optional(OutgoingMessageSchema),
		filter: v.optional(
			v.strictObject({
				language: v.optional(Values),
				country: v.optional(Values),
				minApiVersion: v.optional(v.pipe(v.number(), v.integer())),
				sessionOpen: v.optional(v.boolean()),
			}),
		),
		sessionOpenOnly: v.optional(v.boolean()),
		id: v.optional(v.pipe(v.string(), v.regex(/^[\w:.-]{1,100}$/))),
	}),
	v.check((b) => (b.text === undefined) !== (b.message === undefined), "give text or message"),
);

const problem = (error: string) => ({ error });

/** The `/admin` routes; mount with `app.route("/admin", adminRoutes())`. */
export function adminRoutes(): Hono<{ Bindings: Env }> {
	const admin = new Hono<{ Bindings: Env }>();

	admin.use("*", async (c, next) => {
		const token = c.env.VIBER_AUTH_TOKEN;
		const presented = /^Bearer ([0-9a-f]{64})$/i.exec(c.req.header("authorization") ?? "")?.[1];
		if (!token) return c.json(problem("the bot is not configured"), 500);
		if (!presented) return c.json(problem("missing bearer token"), 401);
		if (!(await isAdminToken(token, presented))) return c.json(problem("wrong bearer token"), 403);
		await next();
	});

	admin.post(
		"/broadcasts",
		bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.json(problem("body over 64 KiB"), 413) }),
		async (c) => {
			const json: unknown = await c.req.json().catch(() => undefined);
			const parsed = v.safeParse(BroadcastRequestSchema, json);
			if (!parsed.success) {
				const issue = parsed.issues[0];
				const path = issue.path?.map((p) => String(p.key)).join(".");
				return c.json(problem(path ? `${path}: ${issue.message}` : issue.message), 400);
			}
			const { text, message, filter, sessionOpenOnly, id } = parsed.output;
			const body = message ?? { type: "text" as const, text: text as string };
			try {
				const started = await startBroadcast(c.env, body, { filter, sessionOpenOnly, id });
				return c.json({ id: started }, 202);
			} catch (error) {
				if (error instanceof ViberLimitError) return c.json(problem(error.message), 400);
				throw error;
			}
		},
	);

	admin.get("/broadcasts/:id", async (c) => {
		const stats = await broadcastStats(c.env, c.req.param("id"));
		return stats ? c.json(stats) : c.json(problem("no such broadcast"), 404);
	});

	return admin;
}

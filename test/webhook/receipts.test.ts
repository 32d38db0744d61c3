import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { receiptStatus } from "../../src/proactive/receipts";
import { callbacks, newToken, newUserId, post } from "../helpers/callbacks";
import { subscriberTables } from "../helpers/subscriber-tables";

describe("Receipts at the webhook", () => {
	it("keeps each receipt of a concurrent burst once, waking no user object", async () => {
		const receipts = Array.from({ length: 40 }, (_, i) => ({
			userId: newUserId(),
			token: newToken(),
			event: i % 2 === 0 ? ("delivered" as const) : ("seen" as const),
		}));
		const posts = receipts.flatMap((r) => {
			const body = callbacks.receipt(r.event, r.userId, r.token);
			return [post(body), post(body)]; // each one resent at once
		});
		const answers = await Promise.all(posts);
		expect(answers.map((a) => a.status)).toEqual(posts.map(() => 200));
		for (const r of receipts) {
			expect(await receiptStatus(env, r.userId, r.token, 0)).toEqual({ status: r.event });
			// The user's object holds nothing: no receipt reached its tables (as they once did).
			expect(await subscriberTables(r.userId)).toEqual([]);
		}
	});
});

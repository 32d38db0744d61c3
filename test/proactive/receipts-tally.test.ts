import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tallyReceipts } from "../../src/proactive/receipts";

describe("Receipt counts of a large broadcast", () => {
	it("counts a broadcast of 200,000 calls", async () => {
		const id = `big-${crypto.randomUUID()}`;
		const n = 200_000;
		// The calls' tokens registered in one token shard, each delivered, one in ten seen, stored
		// straight in SQL: 200,000 RPCs would take minutes.
		await runInDurableObject(env.RECEIPTS.getByName("receipts-5"), async (_o, state) => {
			state.storage.sql.exec(
				`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				 INSERT INTO tokens (token, broadcast_id) SELECT '${id}-' || (5000000000000000000 + i), ? FROM n`,
				n,
				id,
			);
		});
		await runInDurableObject(env.RECEIPTS.getByName("receipts-0"), async (_o, state) => {
			state.storage.sql.exec(
				`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				 INSERT INTO receipt_log (token, user_id, event, at)
				 SELECT '${id}-' || (5000000000000000000 + i), 'u' || i, 'delivered', 1 FROM n
				 UNION ALL
				 SELECT '${id}-' || (5000000000000000000 + i), 'u' || i, 'seen', 1 FROM n WHERE i % 10 = 0`,
				n,
			);
		});
		expect(await tallyReceipts(env, id)).toEqual({ delivered: n, seen: n / 10, failed: 0 });
	});
});

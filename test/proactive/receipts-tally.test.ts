import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tallyReceipts } from "../../src/proactive/receipts";

describe("Receipt counts of a large broadcast", () => {
	it("counts a broadcast of 400,000 calls (up to 120 million users)", async () => {
		const id = `big-${crypto.randomUUID()}`;
		const n = 400_000;
		// Viber's tokens: 19 digits, one per call of up to 300 users.
		const base = 5_000_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15));
		const token = `CAST(${base} + i AS TEXT)`;
		// The calls' tokens recorded in the broadcast's ledger, each delivered, one in ten seen,
		// stored straight in SQL: 400,000 RPCs would take far too long.
		await runInDurableObject(env.BROADCAST.getByName(id), async (_o, state) => {
			state.storage.sql.exec(
				`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				 INSERT INTO batches (key, queued, state, sent, token) SELECT 'k' || i, 300, 'done', 300, ${token} FROM n`,
				n,
			);
		});
		await runInDurableObject(env.RECEIPTS.getByName("receipts-0"), async (_o, state) => {
			state.storage.sql.exec(
				`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				 INSERT INTO receipt_log (token, user_id, event, at)
				 SELECT ${token}, 'u' || i, 'delivered', 1 FROM n
				 UNION ALL
				 SELECT ${token}, 'u' || i, 'seen', 1 FROM n WHERE i % 10 = 0`,
				n,
			);
		});
		expect(await tallyReceipts(env, id)).toEqual({ delivered: n, seen: n / 10, failed: 0 });
		// About 9 s alone on two cores: room for a machine busy with the other test files.
	}, 60_000);
});

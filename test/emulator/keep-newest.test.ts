import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { keepNewest } from "../../emulator/src/sql";
import { newUserId, subscriber } from "../helpers/callbacks";

describe("keepNewest", () => {
	it("keeps a token's own newest rows, whatever other tokens wrote in between", async () => {
		const kept = await runInDurableObject(subscriber(newUserId()), (_, state) => {
			const sql = state.storage.sql;
			sql.exec("CREATE TABLE t (seq INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL)");
			// "a" wrote 5 rows early; "b" wrote 20 after them.
			for (let i = 0; i < 5; i++) sql.exec("INSERT INTO t (token) VALUES ('a')");
			for (let i = 0; i < 20; i++) sql.exec("INSERT INTO t (token) VALUES ('b')");
			keepNewest(sql, "t", "a", 3);
			keepNewest(sql, "t", "b", 4);
			return sql
				.exec<{ token: string; seq: number }>("SELECT token, seq FROM t ORDER BY seq")
				.toArray()
				.map((r) => `${r.token}${r.seq}`);
		});
		expect(kept).toEqual(["a3", "a4", "a5", "b22", "b23", "b24", "b25"]);
	});
});

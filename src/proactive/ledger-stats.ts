/** A broadcast's progress and counts, read from its ledger's tables. */

/** Progress and counts of one broadcast. */
export interface LedgerStats {
	id: string;
	startedAt: number;
	/** Every shard is cut into batches and no batch waits or is being sent. */
	done: boolean;
	/** Batches by state: queued, sending, done, unknown, dead. */
	batches: Record<string, number>;
	queued: number;
	sent: number;
	/** Left out at send time: unsubscribed (or no longer matching) since the broadcast started. */
	skipped: number;
	/** Receivers in Viber's `failed_list`, and whole calls Viber refused, by status. */
	failed: Record<string, number>;
	/** Receivers of batches whose call may or may not have gone out (a crash between call and record). */
	unknown: number;
	/** Receivers of batches that ended in the dead-letter queue. */
	dead: number;
	/** `broadcast_message` calls answered with a `message_token`. */
	calls: number;
}

type Row = Record<string, SqlStorageValue>;

/** The stats of the broadcast whose ledger tables `sql` holds; `meta` is its meta row. */
export function ledgerStats(sql: SqlStorage, meta: Row): LedgerStats {
	const sum = (column: string, where = "1") =>
		sql
			.exec<{ n: number }>(`SELECT coalesce(sum(${column}), 0) AS n FROM batches WHERE ${where}`)
			.one().n;
	const batches: Record<string, number> = {};
	for (const r of sql.exec<Row>("SELECT state, count(*) AS n FROM batches GROUP BY state")) {
		batches[r.state as string] = r.n as number;
	}
	const failed: Record<string, number> = {};
	for (const r of sql.exec<Row>("SELECT status, n FROM failures ORDER BY status")) {
		failed[String(r.status)] = r.n as number;
	}
	const planned = sql.exec<{ n: number }>("SELECT count(*) AS n FROM plans WHERE more = 0").one().n;
	const open = (batches.queued ?? 0) + (batches.sending ?? 0);
	return {
		id: meta.id as string,
		startedAt: meta.started_at as number,
		done: planned === meta.shards && open === 0,
		batches,
		queued: sum("queued"),
		sent: sum("sent"),
		skipped: sum("skipped"),
		failed,
		unknown: sum("queued", "state = 'unknown'"),
		dead: sum("queued", "state = 'dead'"),
		calls: sql.exec<{ n: number }>("SELECT count(token) AS n FROM batches").one().n,
	};
}

/** A SQLite-backed Durable Object that creates its tables when it starts. */
import { DurableObject } from "cloudflare:workers";

export abstract class SqlObject extends DurableObject<Env> {
	protected readonly sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: Env, schema: string) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		this.sql.exec(schema);
	}
}

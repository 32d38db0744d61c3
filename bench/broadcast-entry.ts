/**
 * The worker as deployed (src/index.ts), plus one route only the broadcast benchmark has:
 * `POST /bench/seed {from, count}` puts `count` subscribed users straight into the roster.
 */
import worker from "../src/index";
import type { RosterEntry } from "../src/proactive/roster";
import { rosterShard } from "../src/proactive/roster-client";
import { shardCount, shardOf } from "../src/proactive/shard";

export * from "../src/index";

/** A user id shaped like Viber's: 24 characters of base64. */
const userId = (i: number) => btoa(`bench-${String(i).padStart(10, "0")}`).slice(0, 24);

async function seed(env: Env, from: number, count: number): Promise<number> {
	const shards = shardCount(env);
	const byShard = new Map<number, RosterEntry[]>();
	for (let i = from; i < from + count; i++) {
		const entry = {
			userId: userId(i),
			state: "subscribed",
			version: 1,
			country: "BE",
			apiVersion: 8,
		};
		const shard = shardOf(entry.userId, shards);
		byShard.set(shard, [...(byShard.get(shard) ?? []), entry]);
	}
	await Promise.all(
		[...byShard].map(([shard, entries]) => rosterShard(env, shard).applyMany(entries)),
	);
	return count;
}

export default {
	...worker,
	async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
		const url = new URL(request.url);
		if (url.pathname === "/bench/seed" && request.method === "POST") {
			const { from, count } = (await request.json()) as { from: number; count: number };
			return Response.json({ seeded: await seed(env, from, Math.min(count, 1000)) });
		}
		return worker.fetch(request, env, ctx);
	},
} satisfies ExportedHandler<Env>;

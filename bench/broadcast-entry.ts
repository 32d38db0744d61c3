/**
 * The worker as deployed (src/index.ts), plus two routes only the broadcast benchmark has:
 * `POST /bench/seed {from, count}` puts `count` subscribed users straight into the roster;
 * `POST /bench/calls {calls}` is the baseline: the same `broadcast_message` calls (300 ids each)
 * from this worker, and nothing else; 50 on their way at a time, the fastest of 10, 25, 50, 100,
 * 250 and 500 at a time tried for 500 calls (0.25 s; 500 at once 0.27–0.34 s).
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

/** Makes `calls` broadcast calls of 300 ids, 50 at a time, each fifty once the last is answered. */
async function calls(env: Env, count: number): Promise<number> {
	const list = Array.from({ length: 300 }, (_, i) => userId(i));
	const body = JSON.stringify({ type: "text", text: "baseline", broadcast_list: list });
	const call = () =>
		fetch(`${env.VIBER_API_URL}/broadcast_message`, {
			method: "POST",
			headers: { "Content-Type": "application/json", "X-Viber-Auth-Token": env.VIBER_AUTH_TOKEN },
			body,
		}).then((r) => r.text());
	for (let i = 0; i < count; i += 50) {
		await Promise.all(Array.from({ length: Math.min(50, count - i) }, call));
	}
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
		if (url.pathname === "/bench/calls" && request.method === "POST") {
			const { calls: count } = (await request.json()) as { calls: number };
			return Response.json({ calls: await calls(env, Math.min(count, 1000)) });
		}
		return worker.fetch(request, env, ctx);
	},
} satisfies ExportedHandler<Env>;

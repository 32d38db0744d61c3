/** Driving broadcasts in tests: start, wait for the end, read what the fake Viber received. */
import {
	createExecutionContext,
	createMessageBatch,
	getQueueResult,
	runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { type BroadcastStats, broadcastStats } from "../../src/proactive/broadcast";
import type { BroadcastTask } from "../../src/proactive/tasks";
import worker from "../worker";
import { TOKEN } from "./callbacks";
import { fakeViber } from "./fake-viber";

/** Waits until the broadcast's every batch is settled, and returns its stats. */
export async function settled(id: string, timeout = 30_000): Promise<BroadcastStats> {
	return vi.waitFor(
		async () => {
			const stats = await broadcastStats(env, id);
			if (!stats?.done) throw new Error(`broadcast ${id} not done: ${JSON.stringify(stats)}`);
			return stats;
		},
		{ timeout, interval: 200 },
	);
}

/** The `broadcast_message` calls the fake received for a message text. */
export async function callsWithText(text: string) {
	const calls = await fakeViber.requests({ token: TOKEN, endpoint: "broadcast_message" });
	return calls.filter((c) => c.body.text === text).map((c) => c.body.broadcast_list as string[]);
}

/** The message tokens a broadcast's calls were answered with. */
export function broadcastTokens(id: string): Promise<string[]> {
	return runInDurableObject(env.BROADCAST.getByName(id), (_, state) =>
		state.storage.sql
			.exec<{ token: string }>("SELECT token FROM batches WHERE token IS NOT NULL")
			.toArray()
			.map((r) => r.token),
	);
}

/** Hands tasks to the worker's queue handler as one delivery, like the queue does. */
export async function deliver(queue: string, tasks: BroadcastTask[], attempts = 1) {
	const batch = createMessageBatch<BroadcastTask>(
		queue,
		tasks.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
	);
	const ctx = createExecutionContext();
	await worker.queue(batch, env);
	return getQueueResult(batch, ctx);
}

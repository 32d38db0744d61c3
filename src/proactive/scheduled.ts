/** The worker's `scheduled()` and `queue()` handlers: cron jobs and the broadcast queue. */

import { consumeBroadcasts } from "./consumer";
import { JobContext } from "./job-context";
import type { JobRegistry } from "./jobs";
import { tellsBroadcastReceipts } from "./receipts";
import type { BroadcastTask } from "./tasks";

/**
 * Runs exactly the jobs registered for the expression that fired, one after the other.
 * @throws Error when no job is registered for it (wrangler.toml and the bot drifted apart), or
 * the first error a job threw after all jobs ran (so Cloudflare reports the run as failed).
 */
export async function runJobs(
	jobs: JobRegistry,
	controller: ScheduledController,
	env: Env,
): Promise<void> {
	const handlers = jobs.of(controller.cron);
	if (handlers.length === 0) {
		throw new Error(
			`No job for cron "${controller.cron}": register one with bot.cron("${controller.cron}", …) or remove it from wrangler.toml`,
		);
	}
	const errors: unknown[] = [];
	for (const [index, handler] of handlers.entries()) {
		try {
			await handler(new JobContext(env, controller.cron, controller.scheduledTime, index));
		} catch (error) {
			console.error(`Cron job ${index + 1} of "${controller.cron}" failed: ${error}`);
			errors.push(error);
		}
	}
	if (errors.length > 0) throw errors[0];
}

/** What the proactive handlers need of a bot: its jobs, and which receipts it handles. */
export interface ProactiveBot {
	readonly jobs: JobRegistry;
	mayHandle(event: string): boolean;
	readonly broadcastReceiptHandlers: boolean;
}

/** The handlers the worker exports next to `fetch`, for a bot's jobs and broadcasts. */
export function proactiveHandlers(bot: ProactiveBot) {
	return {
		scheduled: (controller: ScheduledController, env: Env) => runJobs(bot.jobs, controller, env),
		queue: (batch: MessageBatch, env: Env) =>
			consumeBroadcasts(batch as MessageBatch<BroadcastTask>, env, {
				registerTokens: tellsBroadcastReceipts(bot),
			}),
	};
}

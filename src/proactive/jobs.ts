/** Cron jobs registered next to the handlers: `bot.cron("0 9 * * *", (job) => …)`. */
import type { JobContext } from "./job-context";

export type JobHandler = (job: JobContext) => unknown;

// Five fields of digits, names and the `* , - / L W #` that Cloudflare's cron syntax uses.
const CRON = /^\s*\S+(\s+\S+){4}\s*$/;
const CRON_CHARS = /^[\w\s*,/#?-]+$/;

/** The jobs of a bot by cron expression; `wrangler.toml`'s `[triggers] crons` must list the same. */
export class JobRegistry {
	private readonly jobs = new Map<string, JobHandler[]>();

	/**
	 * Adds a job for `expression`, exactly as written in `wrangler.toml`.
	 * @throws Error when the expression does not have five fields.
	 */
	add(expression: string, handler: JobHandler): void {
		if (!CRON.test(expression) || !CRON_CHARS.test(expression)) {
			throw new Error(
				`bot.cron("${expression}"): a cron expression has five fields, e.g. "0 9 * * *"`,
			);
		}
		const list = this.jobs.get(expression) ?? [];
		list.push(handler);
		this.jobs.set(expression, list);
	}

	/** The expressions with jobs, in the order first registered. */
	expressions(): string[] {
		return [...this.jobs.keys()];
	}

	/** The jobs of one expression (none for an expression nothing registered). */
	of(expression: string): readonly JobHandler[] {
		return this.jobs.get(expression) ?? [];
	}
}

/** The bot: a composer with an error boundary and the options the runtime needs. */

import { type JobHandler, JobRegistry } from "../proactive/jobs";
import { Composer, once } from "./composer";
import type { Context } from "./context";
import { restoreSession, type SessionOptions } from "./session";

/** How failed handlers are retried before the event becomes a dead letter. */
export interface HandlerRetryOptions {
	/** Runs in all, the first included (default 5). */
	attempts?: number;
	/** Longest wait before the first retry, doubled each time; the wait is random up to it (default 1 s). */
	baseDelayMs?: number;
	/** Cap of one delay (default 5 min). */
	maxDelayMs?: number;
}

export interface BotOptions<S> extends SessionOptions<S> {
	retry?: HandlerRetryOptions;
	/**
	 * Run `delivered`/`seen`/`failed` receipts of broadcast messages through the handlers too
	 * (default false: they are only counted in the broadcast's stats, waking no user object).
	 */
	broadcastReceiptHandlers?: boolean;
}

/** An error thrown by a handler, with the context it was thrown in. */
export class BotError<C extends Context<object> = Context> extends Error {
	override name = "BotError";
	constructor(
		override readonly cause: unknown,
		readonly ctx: C,
		/** Which run of the handlers failed, from 1. */
		readonly attempt: number,
		/** Whether the event will be run again later. */
		readonly willRetry: boolean,
	) {
		super(`Handler failed on "${ctx.event.event}" (attempt ${attempt}): ${String(cause)}`, {
			cause,
		});
	}
}

export type ErrorHandler<C extends Context<object>> = (error: BotError<C>) => unknown;

const DEFAULT_RETRY: Required<HandlerRetryOptions> = {
	attempts: 5,
	baseDelayMs: 1_000,
	maxDelayMs: 5 * 60_000,
};

/**
 * Your bot. Register handlers on it in `src/bot.ts`.
 *
 * @example
 * const bot = new Bot<{ visits: number }>({ initialSession: () => ({ visits: 0 }) });
 * bot.on("message:text", (ctx) => ctx.reply(`Visit ${++ctx.session.visits}`));
 * export default bot;
 */
export class Bot<S extends object = Record<string, unknown>> extends Composer<Context<S>> {
	readonly retry: Required<HandlerRetryOptions>;
	/** The cron jobs, by expression; see `cron`. */
	readonly jobs = new JobRegistry();
	private errorHandler: ErrorHandler<Context<S>> | undefined;

	constructor(private readonly options: BotOptions<S> = {}) {
		super();
		this.retry = { ...DEFAULT_RETRY, ...options.retry };
	}

	/** A fresh session for a user seen for the first time. */
	initialSession(): S {
		return this.options.initialSession?.() ?? ({} as S);
	}

	/** Whether broadcast receipts also run the handlers (`BotOptions.broadcastReceiptHandlers`). */
	get broadcastReceiptHandlers(): boolean {
		return this.options.broadcastReceiptHandlers ?? false;
	}

	/**
	 * Registers a job for a cron expression, written exactly as in `wrangler.toml`'s
	 * `[triggers] crons` (`npm test` checks that both list the same expressions).
	 *
	 * @example bot.cron("0 9 * * *", (job) => job.broadcast("Good morning!"));
	 */
	cron(expression: string, handler: JobHandler): this {
		this.jobs.add(expression, handler);
		return this;
	}

	/**
	 * The session handlers get, from the one stored (`undefined` for a new user): migrated by
	 * `migrateSession`, with fields it lacks taken from `initialSession()`.
	 */
	restoreSession(stored: unknown): S {
		return restoreSession(stored, this.options);
	}

	/**
	 * Sees every error thrown by a handler, e.g. to report it. The event is still retried with
	 * backoff and, when the attempts run out, kept as a dead letter; nothing is dropped silently.
	 */
	catch(handler: ErrorHandler<Context<S>>): this {
		this.errorHandler = handler;
		return this;
	}

	/**
	 * Runs the handlers on one context.
	 * @throws BotError when a handler throws (after the error handler has seen it).
	 */
	async handle(
		ctx: Context<S>,
		attempt = 1,
		willRetry = attempt < this.retry.attempts,
	): Promise<void> {
		try {
			await this.middleware()(
				ctx,
				once(async () => {}),
			);
		} catch (cause) {
			const error = new BotError(cause, ctx, attempt, willRetry);
			try {
				await this.errorHandler?.(error);
			} catch (reportError) {
				console.error("bot.catch handler threw:", reportError);
			}
			throw error;
		}
	}
}

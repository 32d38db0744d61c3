/** What a cron job receives: when it fired, and ways to reach subscribers. */

import type { BotApi } from "../framework/api";
import { type Answer, toMessage } from "../framework/context";
import { guardedApi, subscribersOf } from "../runtime/guarded-api";
import { viberFromEnv } from "../runtime/viber";
import type { OutgoingMessage } from "../viber/schemas/messages";
import type { SentMessage } from "../viber/schemas/responses";
import {
	type BroadcastOptions,
	type BroadcastStats,
	broadcastStats,
	deriveBroadcastId,
	startBroadcast,
} from "./broadcast";
import type { RosterUser } from "./roster";
import {
	countSubscribers,
	type ListOptions,
	listSubscribers,
	type SubscriberPage,
	subscriberPages,
} from "./roster-client";
import type { SubscriberFilter } from "./roster-query";
import type { UserTimers } from "./timers";

/** Broadcasting and the roster, shared by jobs and handlers (`ctx.broadcast`, `ctx.schedule`). */
export class Proactive {
	private broadcasts = 0;
	private scheduled = 0;

	/**
	 * `seed` names the run (a cron firing, an event) so its broadcasts and timers get stable ids;
	 * `timers` are the user's, in a handler.
	 */
	constructor(
		protected readonly env: Env,
		private readonly seed: string,
		private readonly timers?: UserTimers,
	) {}

	/**
	 * Sends `message` to this user at `when` (a Date, or a delay in ms), unless they have
	 * unsubscribed by then; returns the timer's id (for `cancelSchedule`).
	 */
	async schedule(
		when: Date | number,
		message: Answer,
		options: { id?: string } = {},
	): Promise<string> {
		if (!this.timers) throw new Error("ctx.schedule needs an event about a user");
		const id = options.id ?? (await deriveBroadcastId(this.seed, "timer", this.scheduled++));
		return this.timers.schedule(when, message, id);
	}

	/** Cancels a timer set by `schedule`; false when it had fired or never existed. */
	cancelSchedule(id: string): boolean {
		if (!this.timers) throw new Error("ctx.cancelSchedule needs an event about a user");
		return this.timers.cancel(id);
	}

	/**
	 * Broadcasts `message` to every subscribed user (or those matching `options.filter`) through
	 * the queue, paced to Viber's limits; returns the broadcast's id at once. Placeholders such as
	 * `replace_me_with_user_name` are replaced per receiver by Viber (see `placeholders`).
	 *
	 * @example const id = await job.broadcast({ type: "text", text: "Good morning!" });
	 */
	async broadcast(
		message: string | OutgoingMessage,
		options: BroadcastOptions = {},
	): Promise<string> {
		const id = options.id ?? (await deriveBroadcastId(this.seed, this.broadcasts++));
		return startBroadcast(this.env, toMessage(message), { ...options, id });
	}

	/** A broadcast's progress and counts, or null for an unknown id. */
	broadcastStats(id: string): Promise<BroadcastStats | null> {
		return broadcastStats(this.env, id);
	}

	/** One page of subscribed users; pass the returned `cursor` for the next. */
	listSubscribers(options: ListOptions = {}): Promise<SubscriberPage> {
		return listSubscribers(this.env, options);
	}

	/**
	 * Every page of subscribed users in turn.
	 * @example for await (const page of job.subscribers({ filter: { country: "UA" } })) …
	 */
	subscribers(options: Omit<ListOptions, "cursor"> = {}): AsyncGenerator<RosterUser[]> {
		return subscriberPages(this.env, options);
	}

	/** How many subscribed users match `filter`. */
	countSubscribers(filter: SubscriberFilter = {}): Promise<number> {
		return countSubscribers(this.env, filter);
	}
}

/**
 * The context of a cron job.
 *
 * @example bot.cron("0 9 * * *", (job) => job.broadcast("Good morning!"));
 */
export class JobContext extends Proactive {
	/** Every Viber endpoint; sends refuse users who unsubscribed. */
	readonly api: BotApi;

	constructor(
		env: Env,
		/** The expression that fired, as in `wrangler.toml`. */
		readonly cron: string,
		/** When it was due, epoch ms. */
		readonly scheduledTime: number,
		index: number,
	) {
		super(env, `cron:${cron}:${scheduledTime}:${index}`);
		this.api = guardedApi(viberFromEnv(env), subscribersOf(env));
	}

	/** Sends to one user through their Subscriber (refused, with no API call, if they left). */
	send(userId: string, message: string | OutgoingMessage): Promise<SentMessage> {
		return this.api.sendMessage(userId, toMessage(message));
	}
}

/** The context a handler receives: the event, its user, and ways to answer. */

import type { BroadcastOptions, Proactive } from "../proactive";
import { SESSION_MS } from "../proactive/roster-query";
import type { Callback, InboundMessage, ViberUser } from "../viber/schemas/callbacks";
import type { OutgoingMessage } from "../viber/schemas/messages";
import type { SentMessage } from "../viber/schemas/responses";
import type { BotApi } from "./api";

/** What the runtime gives a context; the Subscriber Durable Object supplies all of it. */
export interface ContextOptions<S> {
	api: BotApi;
	/** The user the event concerns, with what is known of them. */
	user?: ViberUser;
	/** The stored session of that user (absent for events that concern no user). */
	session?: S;
	/** Broadcasting and timers from handlers (`ctx.broadcast`, `ctx.schedule`). */
	proactive?: Proactive;
	/** When the user last wrote (epoch ms), for `ctx.sessionOpen`. */
	lastInboundAt?: number;
}

/** A session lasts 24 hours from the user's last message (viber-api.md §3.6). */

export type Answer = string | OutgoingMessage;

/** Plain text becomes a text message; anything else is sent as given. */
export function toMessage(answer: Answer): OutgoingMessage {
	return typeof answer === "string" ? { type: "text", text: answer } : answer;
}

/**
 * One event on its way through the handlers.
 *
 * @example bot.on("message:text", (ctx) => ctx.reply(`You said: ${ctx.message.text}`));
 */
export class Context<S extends object = Record<string, unknown>> {
	/** The welcome message set by `ctx.welcome()`, sent back as the HTTP response body. */
	welcomeMessage: OutgoingMessage | undefined;
	/** What `hears` matched: the string, or the RegExp's match array. */
	match: string | RegExpMatchArray | undefined;
	readonly api: BotApi;
	readonly user: ViberUser | undefined;
	#session: S | undefined;
	readonly #proactive: Proactive | undefined;
	readonly #lastInboundAt: number | undefined;

	constructor(
		readonly event: Callback,
		options: ContextOptions<S>,
	) {
		this.api = options.api;
		this.user = options.user;
		this.#session = options.session;
		this.#proactive = options.proactive;
		this.#lastInboundAt = options.lastInboundAt;
	}

	/**
	 * Whether the user's 24-hour session is open (they wrote in the last 24 h): messages in it
	 * are free; outside it they are billed as bot-initiated.
	 */
	get sessionOpen(): boolean {
		return this.#lastInboundAt !== undefined && Date.now() - this.#lastInboundAt < SESSION_MS;
	}

	/** The message of a `message` event, else undefined. */
	get message(): InboundMessage | undefined {
		return this.event.event === "message" ? this.event.message : undefined;
	}

	/** Data kept per user across events; assign to replace it. Saved when the handlers finish. */
	get session(): S {
		if (this.#session === undefined) {
			throw new Error(
				`ctx.session is only available for events that concern a user, not "${this.event.event}"`,
			);
		}
		return this.#session;
	}

	set session(value: S) {
		this.#session = value;
	}

	/** The session as it stands now, or undefined when the event has none. */
	peekSession(): S | undefined {
		return this.#session;
	}

	/**
	 * Sends a message to the user of this event. Throws `NotSubscribedError` (and calls no API)
	 * when the user has unsubscribed or not yet subscribed; use `ctx.welcome()` for the latter.
	 */
	reply(answer: Answer): Promise<SentMessage> {
		if (!this.user)
			throw new Error(`ctx.reply has no receiver: "${this.event.event}" concerns no user`);
		return this.api.sendMessage(this.user.id, toMessage(answer));
	}

	/**
	 * Broadcasts to every subscribed user (or those matching `options.filter`) through the queue;
	 * returns the broadcast id at once. A retried handler does not broadcast twice.
	 *
	 * @example const id = await ctx.broadcast("We are back online!");
	 */
	broadcast(answer: Answer, options?: BroadcastOptions): Promise<string> {
		if (!this.#proactive) throw new Error("ctx.broadcast is not available here");
		return this.#proactive.broadcast(toMessage(answer), options);
	}

	/**
	 * Sends `answer` to this user at `when` (a Date, or a delay in ms), unless they unsubscribe
	 * first; kept in their Durable Object, so it survives restarts. Returns the timer's id.
	 *
	 * @example const id = await ctx.schedule(60 * 60_000, "Still there?");
	 */
	schedule(when: Date | number, answer: Answer, options?: { id?: string }): Promise<string> {
		if (!this.#proactive) throw new Error("ctx.schedule is not available here");
		return this.#proactive.schedule(when, answer, options);
	}

	/** Cancels a timer of this user set with `ctx.schedule`; false if it already fired. */
	cancelSchedule(id: string): boolean {
		if (!this.#proactive) throw new Error("ctx.cancelSchedule is not available here");
		return this.#proactive.cancelSchedule(id);
	}

	/**
	 * Sets the welcome message for `conversation_started`: Viber shows it even to users who have
	 * not subscribed, and it is the only message they may get before they do.
	 */
	welcome(answer: Answer): void {
		if (this.event.event !== "conversation_started") {
			throw new Error(`ctx.welcome only answers "conversation_started", not "${this.event.event}"`);
		}
		this.welcomeMessage = toMessage(answer);
	}
}

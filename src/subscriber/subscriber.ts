/** The Subscriber Durable Object: one per Viber user, owning everything about that user. */
import { DurableObject } from "cloudflare:workers";
import type { Bot } from "../framework/bot";
import { Context } from "../framework/context";
import { guardedApi, type Subscribers, subscribersOf } from "../runtime/guarded-api";
import { cachedUserDetails } from "../runtime/user-details-cache";
import { senderFromEnv, viberFromEnv } from "../runtime/viber";
import type { ViberApi } from "../viber/client";
import { NotSubscribedError, ViberApiError, ViberLimitError } from "../viber/errors";
import { prepareMessage } from "../viber/limits";
import { backoffDelay } from "../viber/retry";
import type { Callback } from "../viber/schemas/callbacks";
import type { OutgoingMessage } from "../viber/schemas/messages";
import { type SentMessage, sentMessage } from "../viber/schemas/responses";
import { type DeadLetter, Inbox } from "./inbox";
import { canReceive, stateAfter } from "./state";
import { type MessageStatus, type SubscriberProfile, SubscriberStore } from "./store";

// biome-ignore lint/suspicious/noExplicitAny: any session shape
export type AnyBot = Bot<any>;

/** What the webhook learns from handing an event over. */
export interface ReceiveResult {
	duplicate: boolean;
	/** For `conversation_started`: the welcome message, as JSON for the HTTP response body. */
	welcome?: string;
}

const RECEIPTS = new Set(["delivered", "seen", "failed"]);

/** Viber resends a callback until it gets a 200: `event` + `message_token` identify it. */
function dedupeKey(callback: Callback): string | undefined {
	if (!callback.message_token) return undefined;
	const event =
		callback.event === "unknown" ? `unknown:${callback.original_event}` : callback.event;
	return `${event}:${callback.message_token}`;
}

/**
 * Extend it in `src/index.ts` with your bot: `export class Subscriber extends SubscriberObject {
 * protected readonly bot = bot; }`. The webhook calls `receive`; handlers run one event at a
 * time, in arrival order, from the object's alarm.
 */
export abstract class SubscriberObject extends DurableObject<Env> {
	protected abstract readonly bot: AnyBot;
	private readonly store: SubscriberStore;
	private readonly inbox: Inbox;
	private client: ViberApi | undefined;
	/** Serialises handler runs: an await inside one handler must not let another event in. */
	private lock: Promise<unknown> = Promise.resolve();
	/** Welcome messages being made, by callback key, for resends that arrive meanwhile. */
	private readonly welcomes = new Map<string, Promise<string | undefined>>();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new SubscriberStore(ctx.storage.sql);
		this.inbox = new Inbox(ctx.storage.sql);
	}

	private viber(): ViberApi {
		this.client ??= viberFromEnv(this.env);
		return this.client;
	}

	private exclusive<T>(task: () => Promise<T>): Promise<T> {
		const run = this.lock.then(task, task);
		this.lock = run.catch(() => {});
		return run;
	}

	/** Takes one verified callback about `userId`. Fast: handlers run later, except the welcome. */
	async receive(userId: string, callback: Callback): Promise<ReceiveResult> {
		const now = Date.now();
		const key = dedupeKey(callback);
		if (key && !this.store.markSeen(key, now)) {
			// A resend while the first welcome is still being made gets that welcome too.
			const welcome = (await this.welcomes.get(key)) ?? this.store.seenResponse(key);
			return { duplicate: true, welcome };
		}
		this.record(userId, callback, now);
		if (callback.event === "conversation_started") {
			const making = this.exclusive(() => this.welcome(callback));
			if (key) this.welcomes.set(key, making);
			try {
				const welcome = await making;
				if (key && welcome) this.store.saveSeenResponse(key, welcome);
				return { duplicate: false, welcome };
			} finally {
				if (key) this.welcomes.delete(key);
			}
		}
		this.inbox.push(callback, now);
		if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now);
		return { duplicate: false };
	}

	/** Updates profile, subscription state and message statuses from one event. */
	private record(userId: string, callback: Callback, now: number): void {
		this.store.touch(userId, now);
		if (
			callback.event === "subscribed" ||
			callback.event === "conversation_started" ||
			callback.event === "client_status"
		) {
			this.store.updateProfile(callback.user);
		} else if (callback.event === "message") {
			this.store.updateProfile(callback.sender);
			this.store.noteInbound(callback.timestamp);
		}
		const state = stateAfter(callback);
		if (state && "timestamp" in callback && callback.timestamp !== undefined) {
			this.store.setState(state, callback.timestamp);
		}
		if (RECEIPTS.has(callback.event)) this.store.applyReceipt(callback, now);
	}

	private async welcome(callback: Callback): Promise<string | undefined> {
		try {
			const ctx = await this.runHandlers(callback, 1, false);
			if (!ctx.welcomeMessage) return undefined;
			return JSON.stringify(
				prepareMessage(ctx.welcomeMessage, { sender: senderFromEnv(this.env) }),
			);
		} catch (error) {
			// A welcome is due now or never: keep the failure as a dead letter instead of retrying.
			this.inbox.buryNew(callback, describe(error), Date.now());
			console.error(`Dead letter: conversation_started failed: ${describe(error)}`);
			return undefined;
		}
	}

	/** Runs the bot on one event with the user's session; the session is saved on success only. */
	private async runHandlers(
		callback: Callback,
		attempt: number,
		willRetry: boolean,
	): Promise<Context> {
		const session = this.bot.restoreSession(this.store.loadSession());
		const before = JSON.stringify(session);
		const user = this.store.user();
		const api = guardedApi(this.viber(), this.subscribersFrom(user?.id));
		const ctx = new Context(callback, { api, user, session });
		await this.bot.handle(ctx, attempt, willRetry);
		const after = JSON.stringify(ctx.peekSession());
		if (after !== before) this.store.saveSession(after);
		return ctx;
	}

	/** Every Subscriber over RPC, except this one, which is called directly. */
	private subscribersFrom(self: string | undefined): Subscribers {
		const others = subscribersOf(this.env);
		return {
			send: (id, message) => (id === self ? this.send(id, message) : others.send(id, message)),
			mayReceive: (id) => (id === self ? this.mayReceive() : others.mayReceive(id)),
			rejected: (id, status) =>
				id === self ? this.rejected(id, status) : others.rejected(id, status),
			userDetails: (id) => (id === self ? this.userDetails(id) : others.userDetails(id)),
		};
	}

	/** Drains the inbox in order; a failing event holds the line until retried or buried. */
	override async alarm(): Promise<void> {
		// One entry at a time under the lock, so a welcome waits for one handler at most.
		while (await this.exclusive(() => this.runNext())) {}
		this.store.purge(Date.now());
	}

	/** Runs the inbox's oldest entry if it is due; false when there is nothing to run now. */
	private async runNext(): Promise<boolean> {
		const entry = this.inbox.head();
		if (!entry) return false;
		if (entry.dueAt > Date.now()) {
			await this.ctx.storage.setAlarm(entry.dueAt);
			return false;
		}
		const { attempts: maxAttempts } = this.bot.retry;
		const attempt = entry.attempts + 1;
		try {
			await this.runHandlers(entry.callback, attempt, attempt < maxAttempts);
			this.inbox.done(entry.seq);
		} catch (error) {
			if (attempt >= maxAttempts || isPermanent(error)) {
				this.inbox.bury(entry.seq, attempt, describe(error), Date.now());
				console.error(
					`Dead letter: "${entry.callback.event}" failed ${attempt} times: ${describe(error)}`,
				);
			} else {
				const { baseDelayMs, maxDelayMs } = this.bot.retry;
				const dueAt = Date.now() + backoffDelay(attempt, baseDelayMs, maxDelayMs);
				this.inbox.retryAt(entry.seq, attempt, dueAt, describe(error));
			}
		}
		return true;
	}

	/**
	 * Sends a message to this user unless they unsubscribed (then `NotSubscribedError`, and no
	 * API call). Status 6 from Viber marks them unsubscribed.
	 */
	async send(userId: string, message: OutgoingMessage): Promise<SentMessage> {
		if (!canReceive(this.store.state())) throw new NotSubscribedError(userId);
		try {
			const response = await this.viber().sendMessage(userId, message);
			this.store.ensure(userId, Date.now());
			this.store.recordSent(response.message_token, Date.now());
			return sentMessage(response);
		} catch (error) {
			if (error instanceof ViberApiError) await this.rejected(userId, error.status);
			throw error;
		}
	}

	/** Whether this user may be messaged: not after they unsubscribed, nor before they subscribed. */
	async mayReceive(): Promise<boolean> {
		return canReceive(this.store.state());
	}

	/**
	 * Learns from a status Viber gave for a message to this user (a send, or a broadcast's
	 * `failed_list`): 6 means unsubscribed, 5 means no longer a Viber user.
	 */
	async rejected(userId: string, status: number): Promise<void> {
		if (status !== 5 && status !== 6) return;
		this.store.ensure(userId, Date.now());
		this.store.setState(status === 6 ? "unsubscribed" : "gone", Date.now());
	}

	/** This user's `get_user_details` answer: Viber is asked at most once per 12 h. */
	async userDetails(userId: string) {
		return cachedUserDetails(this.ctx.storage, () => this.viber().getUserDetails(userId));
	}

	/** What this object knows of its user, or null before any contact. */
	async profile(): Promise<SubscriberProfile | null> {
		return this.store.profile() ?? null;
	}

	/** The user's session as the next handler will see it (for tests and tools). */
	async session(): Promise<object> {
		return this.bot.restoreSession(this.store.loadSession());
	}

	async messageStatus(token: string): Promise<{ status: MessageStatus; detail?: string } | null> {
		return this.store.messageStatus(token) ?? null;
	}

	async deadLetters(): Promise<DeadLetter[]> {
		return this.inbox.deadLetters();
	}

	async pendingEvents(): Promise<number> {
		return this.inbox.pending();
	}
}

/** Failures that no retry can mend: the event goes straight to the dead letters. */
function isPermanent(error: unknown): boolean {
	const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
	return cause instanceof NotSubscribedError || cause instanceof ViberLimitError;
}

function describe(error: unknown): string {
	const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
	return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

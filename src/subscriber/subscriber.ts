/** The Subscriber Durable Object: one per Viber user, owning everything about that user. */
import { DurableObject } from "cloudflare:workers";
import type { Bot } from "../framework/bot";
import { Context } from "../framework/context";
import { Proactive } from "../proactive/job-context";
import { receiptStatus } from "../proactive/receipts";
import { syncRoster } from "../proactive/roster-sync";
import { UserTimers } from "../proactive/timers";
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
import { ViberRedirectError } from "../viber/transport-error";
import { DeliveryUnknownError, EffectJournal, isOutcomeUnknown, journaledApi } from "./effects";
import { type DeadLetter, Inbox, type InboxEntry } from "./inbox";
import { Sql } from "./schema";
import { canReceive } from "./state";
import { laterStatus, type MessageStatus, type SubscriberProfile, SubscriberStore } from "./store";

// biome-ignore lint/suspicious/noExplicitAny: any session shape
export type AnyBot = Bot<any>;

/** What the webhook learns from handing an event over. */
export interface ReceiveResult {
	duplicate: boolean;
	/** For `conversation_started`: the welcome message, as JSON for the HTTP response body. */
	welcome?: string;
}

/** A finished run of the handlers, with the session as it was before. */
interface HandlerRun {
	ctx: Context;
	before: string;
}

const RECEIPTS = new Set(["delivered", "seen", "failed"]);

/**
 * Handlers run inside `receive` while they take less than this, so the webhook answers after
 * them: the sends then reuse the object's connections (after the call they opened new ones)
 * and no alarm is needed. A slower run goes on after the answer, with the safety-net alarm set
 * to resume the inbox if the object dies meanwhile. Viber resends after about 5 s without an
 * answer (viber-api.md §3.1).
 */
export const HANDLER_BUDGET_MS = 1_000;
/** The safety net of a run that outlived `receive`: resumes the inbox if the object died. */
const SAFETY_NET_MS = 5 * 60 * 1000;

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
 * time, waiting events in Viber's timestamp order, inside `receive` while they are quick.
 */
export abstract class SubscriberObject extends DurableObject<Env> {
	protected abstract readonly bot: AnyBot;
	/** SQLite with the schema made on first need: no DDL on the common path. */
	private readonly sql: Sql;
	private readonly store: SubscriberStore;
	private readonly inbox: Inbox;
	private readonly timers: UserTimers; // proactive: ctx.schedule
	private client: ViberApi | undefined;
	/** Serialises handler runs: an await inside one handler must not let another event in. */
	private lock: Promise<unknown> = Promise.resolve();
	/** Welcome messages being made, by callback key, for resends that arrive meanwhile. */
	private readonly welcomes = new Map<string, Promise<string | undefined>>();
	/** The inbox being drained in this activation, if it is. */
	private draining: Promise<void> | undefined;
	/** Set when an event is queued: the drain in progress looks at the inbox once more. */
	private queued = false;
	/** The alarm as this activation set it (null: none, as far as it knows; undefined: unknown). */
	private alarmAt: number | null | undefined = null;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = new Sql(ctx.storage.sql);
		this.store = new SubscriberStore(this.sql);
		this.inbox = new Inbox(this.sql);
		this.timers = new UserTimers(this.sql, ctx.storage);
	}

	private readonly waitUntil = (promise: Promise<unknown>) => this.ctx.waitUntil(promise);

	private viber(): ViberApi {
		this.client ??= viberFromEnv(this.env);
		return this.client;
	}

	private exclusive<T>(task: () => Promise<T>): Promise<T> {
		const run = this.lock.then(task, task);
		this.lock = run.catch(() => {});
		return run;
	}

	/**
	 * Takes one verified callback about `userId` and runs the handlers on it, answering when they
	 * are done or after `HANDLER_BUDGET_MS`, whichever comes first (the welcome is always
	 * awaited). Events no handler could match are not queued at all.
	 */
	async receive(userId: string, callback: Callback): Promise<ReceiveResult> {
		const now = Date.now();
		const handled = this.bot.mayHandle(callback.event);
		// Receipts are kept by the receipts shards (the webhook sends them there): here they only
		// run the bot's receipt handlers.
		if (!handled && RECEIPTS.has(callback.event)) return { duplicate: false };
		const key = dedupeKey(callback);
		if (key && !this.store.markSeen(key, now)) {
			// A resend while the first welcome is still being made gets that welcome too.
			const welcome = (await this.welcomes.get(key)) ?? this.store.seenResponse(key);
			// A resend after a run that died with its object: the entry waits in the inbox.
			if (!this.draining && this.inbox.head()) await this.drainWithin();
			return { duplicate: true, welcome };
		}
		if (!RECEIPTS.has(callback.event)) this.store.record(userId, callback, now);
		// proactive: keep the roster in step (awaited below, after the welcome is registered)
		const roster = syncRoster(this.env, this.store, this.waitUntil);
		if (callback.event === "conversation_started") {
			const making = this.exclusive(() => this.welcome(callback));
			if (key) this.welcomes.set(key, making);
			try {
				const welcome = await making;
				if (key && welcome) this.store.saveSeenResponse(key, welcome);
				await roster;
				return { duplicate: false, welcome };
			} finally {
				if (key) this.welcomes.delete(key);
			}
		}
		if (handled) {
			this.inbox.push(callback, callback.timestamp ?? now, now);
			await this.drainWithin();
		}
		await roster;
		return { duplicate: false };
	}

	/**
	 * Runs the inbox, waiting for it up to `HANDLER_BUDGET_MS`; past that the run goes on after the
	 * caller is answered, with the safety-net alarm set. If the object dies during a run that
	 * was awaited, the webhook answers 5xx, and Viber's resend (a duplicate) resumes the inbox.
	 */
	private async drainWithin(): Promise<void> {
		const running = this.drain();
		this.ctx.waitUntil(running);
		let timer: ReturnType<typeof setTimeout> | undefined;
		const late = new Promise<"late">((resolve) => {
			timer = setTimeout(() => resolve("late"), HANDLER_BUDGET_MS);
		});
		try {
			if ((await Promise.race([running, late])) === "late") {
				this.setAlarm(earliest(Date.now() + SAFETY_NET_MS, this.alarmAt ?? undefined));
			}
		} finally {
			clearTimeout(timer);
		}
	}

	private async welcome(callback: Callback): Promise<string | undefined> {
		try {
			const run = await this.runHandlers(callback, 1, false);
			this.saveSession(run);
			const { ctx } = run;
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

	/** Runs the bot on one event with the user's session; the caller saves the session. */
	private async runHandlers(
		callback: Callback,
		attempt: number,
		willRetry: boolean,
		journal?: EffectJournal,
	): Promise<HandlerRun> {
		const session = this.bot.restoreSession(this.store.loadSession());
		const before = JSON.stringify(session);
		const user = this.store.user();
		const guarded = guardedApi(this.viber(), this.subscribersFrom(user?.id));
		const api = journal ? journaledApi(guarded, journal) : guarded;
		// proactive: ctx.broadcast and ctx.schedule, with ids from the event so a retry repeats neither
		const seed = `event:${user?.id}:${callback.event}:${callback.message_token}`;
		const proactive = new Proactive(this.env, seed, this.timers);
		const lastInboundAt = this.store.profile()?.lastInboundAt;
		const ctx = new Context(callback, { api, user, session, proactive, lastInboundAt });
		await this.bot.handle(ctx, attempt, willRetry);
		return { ctx, before };
	}

	/** Saves the session a successful run left, if it changed. */
	private saveSession({ ctx, before }: HandlerRun): void {
		const after = JSON.stringify(ctx.peekSession());
		if (after !== before) this.store.saveSession(after);
	}

	/** Every Subscriber over RPC, except this one, which is called directly. */
	private subscribersFrom(self: string | undefined): Subscribers {
		const others = subscribersOf(this.env);
		return {
			send: (id, message) => (id === self ? this.send(id, message) : others.send(id, message)),
			mayReceive: (id) => (id === self ? this.mayReceive() : others.mayReceive(id)),
			refusedAmong: others.refusedAmong, // proactive: the roster, not one RPC per receiver
			rejected: (id, status) =>
				id === self ? this.rejected(id, status) : others.rejected(id, status),
			userDetails: (id) => (id === self ? this.userDetails(id) : others.userDetails(id)),
		};
	}

	/** Resumes the inbox: after a crash, or when a retry is due. */
	override async alarm(): Promise<void> {
		this.alarmAt = null; // it rang
		// The recovery path trusts the table, not what this activation believes.
		if (!this.draining) this.inbox.forget();
		// proactive: due timers (ctx.schedule) first; dropped if the user unsubscribed meanwhile
		const userId = this.store.profile()?.userId;
		if (userId) await this.exclusive(() => this.timers.fire((m) => this.send(userId, m)));
		await this.drain();
	}

	/**
	 * Runs the inbox until it is empty or its next entry waits for a retry, then leaves the
	 * alarm set for that retry, or none. One drain at a time; an event queued meanwhile joins it.
	 */
	private drain(): Promise<void> {
		this.queued = true;
		if (!this.draining) {
			this.draining = this.drainLoop().finally(() => {
				this.draining = undefined;
			});
		}
		return this.draining;
	}

	private async drainLoop(): Promise<void> {
		while (this.queued) {
			this.queued = false;
			let step: "ran" | "empty" | number;
			do step = await this.exclusive(() => this.runNext());
			while (step === "ran");
			this.store.purge(Date.now());
			// In the same synchronous block as the last entry's end, so in the same commit.
			// proactive: the alarm also rings for the next timer
			this.setAlarm(earliest(step === "empty" ? null : step, this.timers.nextDue()));
		}
	}

	/**
	 * Sets (or with null clears) the alarm without waiting: the output gate holds what follows.
	 * Skipped when the alarm is already so as far as this activation knows: an alarm left by an
	 * earlier one only wakes the object for nothing.
	 */
	private setAlarm(at: number | null): void {
		if (at === this.alarmAt) return;
		this.alarmAt = at;
		const storage = this.ctx.storage;
		(at === null ? storage.deleteAlarm() : storage.setAlarm(at)).catch((error: unknown) => {
			// Unknown now: the next call goes through whatever it asks for.
			if (this.alarmAt === at) this.alarmAt = undefined;
			console.error("Subscriber alarm:", error);
		});
	}

	/** Runs the next entry if it is due: "ran", "empty", or the time it is due. */
	private async runNext(): Promise<"ran" | "empty" | number> {
		const entry = this.inbox.head();
		if (!entry) return "empty";
		if (entry.dueAt > Date.now()) return entry.dueAt;
		const { attempts: maxAttempts } = this.bot.retry;
		const attempt = entry.attempts + 1;
		const journal = this.journalOf(entry);
		try {
			const run = await this.runHandlers(entry.callback, attempt, attempt < maxAttempts, journal);
			// One synchronous block, so one transaction: the session and the end of the event.
			this.saveSession(run);
			this.inbox.done(entry.seq);
			// Its row is gone and its seq may be given to the next event: a send the handler did
			// not await must not write its record there.
			journal.close();
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
		return "ran";
	}

	/** The sends earlier runs of this event made; each new one is stored the moment it is made. */
	private journalOf(entry: InboxEntry): EffectJournal {
		return new EffectJournal(entry.effects, (records) =>
			this.inbox.saveEffects(entry.seq, records),
		);
	}

	/**
	 * Sends a message to this user unless they unsubscribed (then `NotSubscribedError`, and no
	 * API call). Status 6 from Viber marks them unsubscribed. A send whose answer broke off after
	 * Viber began it throws `DeliveryUnknownError`: it most likely arrived.
	 */
	async send(userId: string, message: OutgoingMessage): Promise<SentMessage> {
		if (!canReceive(this.store.state())) throw new NotSubscribedError(userId);
		try {
			const response = await this.viber().sendMessage(userId, message);
			const now = Date.now();
			this.store.ensure(userId, now);
			this.store.recordSent(response.message_token, now);
			return sentMessage(response);
		} catch (error) {
			if (error instanceof ViberApiError) await this.rejected(userId, error.status);
			if (isOutcomeUnknown(error)) throw DeliveryUnknownError.from(error);
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
		this.store.learn(userId, status === 6 ? "unsubscribed" : "gone", Date.now());
		await syncRoster(this.env, this.store, this.waitUntil); // proactive: roster
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

	/** Where a message this object sent stands: its receipts are kept by the receipts shards. */
	async messageStatus(token: string): Promise<{ status: MessageStatus; detail?: string } | null> {
		const sent = this.store.sentMessage(token);
		const userId = this.store.profile()?.userId;
		if (!sent || !userId) return null;
		const received = await receiptStatus(this.env, userId, token, sent.sentAt);
		return laterStatus(sent, received);
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
	return (
		cause instanceof NotSubscribedError ||
		cause instanceof ViberLimitError ||
		cause instanceof DeliveryUnknownError ||
		// A redirect is configuration, not a passing fault: a retry would meet it again.
		cause instanceof ViberRedirectError ||
		// The receiver left (6) or is no Viber user (5): a retry would be refused.
		(cause instanceof ViberApiError && (cause.status === 5 || cause.status === 6))
	);
}

function describe(error: unknown): string {
	const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
	return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/** The earlier of two optional times. */
function earliest(a: number | null, b: number | undefined): number | null {
	if (b === undefined) return a;
	return a === null ? b : Math.min(a, b);
}

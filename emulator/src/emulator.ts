/** The Emulator Durable Object: all of the emulator's state, and the callbacks it posts. */
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { parseJson } from "../../src/viber/json";
import { api } from "./api";
import { BroadcastBook } from "./broadcasts";
import {
	envelope,
	type PostResult,
	postCallback,
	RESEND_DELAYS_MS,
	userObject,
	wants,
} from "./callbacks";
import { control } from "./control";
import { NetworkFault } from "./faults";
import { Journal } from "./journal";
import { BroadcastPacer, UnrepliedCounter, UserDetailsCap } from "./rules";
import { DEFAULT_SETTINGS, type Settings } from "./settings";
import { type ChatItem, EmulatorStore, type OutboxEntry, type Webhook } from "./store";
import { ui } from "./ui";

export type EmulatorVars = { Variables: { emulator: Emulator }; Bindings: EmulatorEnv };

type CallbackJob = { callback: Record<string, unknown>; userId?: string };
type ReceiptJob = { event: "delivered" | "seen"; userId: string; messageToken: string };

/** One object (named "emulator") holds every bot token's state, scoped by token. */
export class Emulator extends DurableObject<EmulatorEnv> {
	readonly store: EmulatorStore;
	readonly journal: Journal;
	/** The broadcast_message calls answered, for the page's progress panel. */
	readonly broadcastBook: BroadcastBook;
	readonly unreplied = new UnrepliedCounter();
	readonly broadcasts = new BroadcastPacer();
	readonly userDetails = new UserDetailsCap();
	private readonly app = new Hono<EmulatorVars>();

	constructor(ctx: DurableObjectState, env: EmulatorEnv) {
		super(ctx, env);
		this.store = new EmulatorStore(ctx.storage.sql);
		this.journal = new Journal(ctx.storage.sql);
		this.broadcastBook = new BroadcastBook(ctx.storage.sql);
		this.app.use(async (c, next) => {
			c.set("emulator", this);
			await next();
		});
		this.app.route("/pa", api);
		this.app.route("/_fake", control);
		this.app.route("/api", ui);
		this.app.onError((error, c) => {
			// A scripted dropped connection must escape, so that the caller's fetch rejects.
			if (error instanceof NetworkFault) throw error;
			return c.text(`emulator error: ${error.message}`, 500);
		});
	}

	override fetch(request: Request): Promise<Response> {
		return Promise.resolve(this.app.fetch(request, this.env));
	}

	/** Forgets everything of one token: for tests. */
	reset(token: string): void {
		this.store.reset(token);
		this.journal.reset(token);
		this.broadcastBook.reset(token);
		this.userDetails.forget(token);
	}

	settings(token: string): Settings {
		// The tests' emulator makes tokens other than its bot's a bare fake API (wrangler.toml).
		const fake = this.env.FAKE_OTHER_TOKENS === "true" && token !== this.env.VIBER_AUTH_TOKEN;
		const defaults = { ...DEFAULT_SETTINGS, strict: !fake };
		const saved = this.store.settingsJson(token);
		return saved ? { ...defaults, ...(JSON.parse(saved) as Partial<Settings>) } : defaults;
	}

	/** Whether Viber would take this token: any, unless the emulator was told its bot's token. */
	acceptsToken(token: string): boolean {
		return this.env.ACCEPT_ANY_TOKEN !== "false" || token === this.env.VIBER_AUTH_TOKEN;
	}

	/**
	 * Posts a callback now and waits for the answer (for `webhook` and `conversation_started`,
	 * whose answers matter), logging both. Without a 200 it is resent later, like any callback.
	 */
	async postNow(
		token: string,
		callback: Record<string, unknown>,
		userId?: string,
		webhook: Webhook | undefined = this.store.webhook(token),
	): Promise<PostResult> {
		if (!webhook) return { error: "no webhook is set", slow: false };
		const result = await postCallback(webhook.url, token, callback);
		this.logCallback(token, callback, userId, result);
		const ok = "status" in result && result.status === 200;
		// A failed `webhook` check fails set_webhook instead; anything else is resent.
		if (!ok && callback.event !== "webhook") this.resendLater(token, { callback, userId }, 0);
		return result;
	}

	private logCallback(
		token: string,
		callback: Record<string, unknown>,
		userId: string | undefined,
		result: PostResult,
	): void {
		this.journal.record({
			kind: "callback",
			token,
			name: String(callback.event),
			user_id: userId,
			request: callback,
			response: "status" in result ? parseMaybe(result.body) : { error: result.error },
			status: "status" in result ? result.status : 0,
		});
	}

	/**
	 * Sends a callback the way Viber does: now (or a little later when reordering), again
	 * when a duplicate is wanted, and resent with backoff until it gets a 200.
	 */
	queueCallback(token: string, callback: Record<string, unknown>, userId?: string): void {
		const webhook = this.store.webhook(token);
		if (!webhook || !wants(webhook, String(callback.event))) return;
		const settings = this.settings(token);
		const copies = Math.random() < settings.duplicateCallbacks ? 2 : 1;
		for (let i = 0; i < copies; i++) {
			const hold = settings.reorderCallbacks ? Math.floor(Math.random() * 300) : 0;
			if (hold === 0 && i === 0) this.ctx.waitUntil(this.deliver(token, { callback, userId }, 0));
			else this.scheduleJob(token, Date.now() + hold + i * 50, "callback", { callback, userId });
		}
	}

	/** Schedules the next try of a callback after `attempt` tries, until the schedule runs out. */
	private resendLater(token: string, job: CallbackJob, attempt: number): void {
		const delay = RESEND_DELAYS_MS[attempt];
		if (delay !== undefined)
			this.scheduleJob(token, Date.now() + delay, "callback", job, attempt + 1);
	}

	private async deliver(token: string, job: CallbackJob, attempt: number): Promise<void> {
		const webhook = this.store.webhook(token);
		if (!webhook) return;
		const resend = () => this.resendLater(token, job, attempt);
		const result = await postCallback(webhook.url, token, job.callback, { onSlow: resend });
		const ok = "status" in result && result.status === 200;
		this.logCallback(token, job.callback, job.userId, result);
		if (!ok && !result.slow) resend();
	}

	/** After a successful send: the bot's message in the chat, then delivered and seen. */
	sent(
		token: string,
		receiver: string,
		message: Record<string, unknown>,
		messageToken: string,
	): ChatItem {
		const item = this.store.addChatItem(token, {
			user_id: receiver,
			direction: "out",
			message,
			message_token: messageToken,
			status: "sent",
		});
		this.store.setTrackingData(token, receiver, message.tracking_data as string | undefined);
		this.unreplied.sent(token, receiver, Date.now());
		const delay = this.settings(token).receiptDelayMs;
		const receipt = (event: ReceiptJob["event"]): ReceiptJob => ({
			event,
			userId: receiver,
			messageToken,
		});
		this.scheduleJob(token, Date.now() + delay, "receipt", receipt("delivered"));
		this.scheduleJob(token, Date.now() + 2 * delay, "receipt", receipt("seen"));
		return item;
	}

	private receipt(token: string, job: ReceiptJob): void {
		this.store.setChatStatus(token, job.messageToken, job.userId, job.event);
		const callback = {
			...envelope(job.event),
			message_token: job.messageToken,
			user_id: job.userId,
		};
		this.queueCallback(token, callback, job.userId);
	}

	/** A `message` callback from an emulated user: it also subscribes them (§3.3.5). */
	userSends(
		token: string,
		userId: string,
		message: Record<string, unknown>,
		silent: boolean,
	): ChatItem | undefined {
		const user = this.store.user(token, userId);
		if (!user) return undefined;
		const tracking = this.store.trackingData(token, userId);
		const full = { ...message, ...(tracking !== undefined ? { tracking_data: tracking } : {}) };
		const callback: Record<string, unknown> = {
			...envelope("message"),
			sender: userObject(user, this.store.webhook(token)),
			message: full,
		};
		this.store.setUserSubscribed(token, userId, true);
		this.unreplied.replied(token, userId);
		const item = silent
			? undefined
			: this.store.addChatItem(token, {
					user_id: userId,
					direction: "in",
					message: full,
					message_token: callback.message_token as string,
				});
		this.queueCallback(token, callback, userId);
		return item;
	}

	private scheduleJob(
		token: string,
		dueAt: number,
		kind: "callback" | "receipt",
		payload: CallbackJob | ReceiptJob,
		attempt = 0,
	): void {
		this.store.schedule(token, dueAt, kind, payload, attempt);
		this.ctx.waitUntil(this.armAlarm());
	}

	private async armAlarm(): Promise<void> {
		const due = this.store.nextDue();
		if (due === undefined) return;
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > due) await this.ctx.storage.setAlarm(due);
	}

	override async alarm(): Promise<void> {
		const jobs: Promise<void>[] = [];
		for (const entry of this.store.takeDue(Date.now())) jobs.push(this.run(entry));
		await Promise.all(jobs);
		await this.armAlarm();
	}

	private async run(entry: OutboxEntry): Promise<void> {
		const payload = JSON.parse(entry.payload) as CallbackJob | ReceiptJob;
		if (entry.kind === "receipt") this.receipt(entry.token, payload as ReceiptJob);
		else await this.deliver(entry.token, payload as CallbackJob, entry.attempt);
	}
}

function parseMaybe(text: string): unknown {
	if (text === "") return undefined;
	try {
		return parseJson(text);
	} catch {
		return text;
	}
}

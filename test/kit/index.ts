/**
 * The test kit: test your bot as its users meet it, without webhooks, signatures or Durable
 * Objects. Each `kit.user()` is a fresh Viber user in the emulator; the emulator posts signed
 * callbacks to your bot (`src/index.ts` as deployed, in workerd, vitest.config.ts) and shows
 * what it sends back.
 *
 * @example
 * const ann = await kit.user({ name: "Ann" });
 * expect(await ann.open()).toMatchObject({ text: "Hi Ann!" });
 * expect(await ann.send("hello")).toEqual([{ type: "text", text: "hello" }]);
 */
import { env } from "cloudflare:workers";
import type bot from "../../src/bot";
import type { Bot } from "../../src/framework/bot";
import type { SubscriberObject } from "../../src/subscriber/subscriber";
import { emulatorClient, type LogEntry } from "./emulator";
import { TestUser, type Wiring } from "./user";

export type { Reply, TestUser, UserMessage } from "./user";

/** The session type of a bot. */
export type SessionOf<B> = B extends Bot<infer S> ? S : never;

export interface KitOptions {
	/** A binding to the emulator worker that plays Viber for the bot. */
	emulator: Fetcher;
	/** The bot's token, as the emulator knows it. */
	token: string;
	/** A binding to the bot worker's `Subscriber` class. */
	subscribers: DurableObjectNamespace<SubscriberObject>;
	/** How long to wait for the bot to handle one event (default 10 s). */
	timeoutMs?: number;
}

/** A user profile for `kit.user()`; Viber sends these fields to the bot. */
export interface UserProfile {
	name?: string;
	avatar?: string;
	language?: string;
	country?: string;
	api_version?: number;
}

const POLL_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isAnswered = (entry: LogEntry, userId: string, event: string) =>
	entry.kind === "callback" && entry.name === event && entry.user_id === userId;

/** A kit for the bot behind `options` (`B`: its type, for sessions); `kit` below is for your bot. */
export function createKit<B = Bot>(options: KitOptions) {
	const client = emulatorClient(options.emulator, options.token);
	const timeoutMs = options.timeoutMs ?? 10_000;
	const subscriber = (userId: string) => options.subscribers.getByName(userId);
	let mark = 0;
	let webhook: Promise<unknown> | undefined;

	/** Waits for `done`, or fails with `what` once the time is up. */
	async function until(done: () => Promise<boolean>, what: () => string): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!(await done())) {
			if (Date.now() > deadline) throw new Error(`${what()} after ${timeoutMs} ms`);
			await sleep(POLL_MS);
		}
	}

	/** The newest log entry's seq: what comes after it is new. */
	async function logMark(): Promise<number> {
		mark = (await client.log(mark)).at(-1)?.seq ?? mark;
		return mark;
	}

	const wiring: Wiring = {
		client,
		async handle(userId, event, action) {
			const since = await logMark();
			const deadBefore = (await subscriber(userId).deadLetters()).length;
			const result = await action();
			let statuses: number[] = [];
			await until(
				async () => {
					const tries = (await client.log(since)).filter((e) => isAnswered(e, userId, event));
					statuses = tries.map((e) => e.status);
					return statuses.includes(200);
				},
				() =>
					statuses.length === 0
						? `The bot was still handling "${event}" (it had not answered yet)`
						: `The bot did not accept "${event}" (its answers: ${statuses.join(", ")})`,
			);
			await until(
				async () => (await subscriber(userId).pendingEvents()) === 0,
				() => `The bot was still handling "${event}" (is a handler failing and being retried?)`,
			);
			const dead = (await subscriber(userId).deadLetters()).slice(deadBefore);
			if (dead.length > 0) {
				throw new Error(`The bot's handlers failed on "${event}": ${dead.map((d) => d.error)}`);
			}
			return result;
		},
		session: (userId) => subscriber(userId).session(),
	};

	return {
		/** A new user, unique to the calling test, with a chat open to the bot's webhook. */
		async user(profile: UserProfile = {}): Promise<TestUser<SessionOf<B>>> {
			webhook ??= client.setWebhook().then((answer) => {
				if (answer.status !== 0) throw new Error(`set_webhook failed: ${JSON.stringify(answer)}`);
			});
			await webhook;
			const user = await client.newUser({ name: "Test User", ...profile });
			return new TestUser(wiring, user.id, user.name);
		},
	};
}

/** The kit for your bot, `src/index.ts`. */
export const kit = createKit<typeof bot>({
	emulator: env.BOT_EMULATOR,
	token: env.BOT_TOKEN,
	subscribers: env.BOT_SUBSCRIBER,
});

/**
 * The worker under test: the demo bot from `src/bot.ts` behind a few test-only triggers, with
 * fast handler retries. Everything else is the real wiring of `src/index.ts`.
 */
import demo from "../src/bot";
import { Bot } from "../src/framework/bot";
import { SubscriberObject } from "../src/subscriber/subscriber";
import { createApp } from "../src/webhook/app";
import { effectHandlers } from "./bots/effects";

export const testBot = new Bot<{ echoes: number }>({
	initialSession: () => ({ echoes: 0 }),
	retry: { attempts: 3, baseDelayMs: 0 },
});

// Fails every time: ends as a dead letter after `attempts` runs.
testBot.hears("throw", () => {
	throw new Error("failed on purpose");
});

// Fails on its first run only, keyed by the event's token: a retry succeeds.
const flakyRuns = new Map<string, number>();
testBot.hears("flaky", async (ctx) => {
	const runs = (flakyRuns.get(ctx.event.message_token) ?? 0) + 1;
	flakyRuns.set(ctx.event.message_token, runs);
	if (runs === 1) throw new Error("first run fails");
	await ctx.reply(`flaky ok after ${runs} runs`);
});

// Takes its time, then answers: later events of the same user must wait for it.
testBot.hears(/^slow (\d+)$/, async (ctx) => {
	await scheduler.wait(Number(ctx.match[1]));
	await ctx.reply(`${ctx.message.text} done`);
});

// Broadcasts to the listed users and says which it did not reach.
testBot.hears(/^broadcast (.+)$/, async (ctx) => {
	const ids = String(ctx.match[1]).split(" ");
	const { failed_list } = await ctx.api.broadcastMessage(ids, { type: "text", text: "news" });
	await ctx.reply(`not reached: ${failed_list.map((f) => f.receiver).join(" ")}`);
});

// A welcome that takes a while: a resend arrives before it is ready.
testBot.on("conversation_started", async (ctx, next) => {
	if (ctx.event.context === "slow") await scheduler.wait(500);
	await next();
});

testBot.on("message:unknown", (ctx) =>
	ctx.reply(`unknown message type ${ctx.message.original_type}`),
);
testBot.on("unknown", (ctx) => ctx.reply(`unknown event ${ctx.event.original_event}`));

testBot.use(effectHandlers);
testBot.use(demo);

export class Subscriber extends SubscriberObject {
	protected readonly bot = testBot;
}

export default { fetch: createApp(testBot).fetch } satisfies ExportedHandler<Env>;

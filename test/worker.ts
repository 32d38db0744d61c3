/**
 * The worker under test, also bundled as the end-to-end bot (test/e2e-bot.ts): the real wiring
 * of `src/index.ts` around a test bot, never `src/bot.ts`, so these tests pass whatever bot a
 * fork has. Add the triggers your tests need above the catch-alls. Being bundled, it imports
 * nothing from `cloudflare:test`.
 */
import { Bot } from "../src/framework/bot";
import { adminRoutes, proactiveHandlers } from "../src/proactive";
import { SubscriberObject } from "../src/subscriber/subscriber";
import type { Keyboard } from "../src/viber/schemas/keyboard";
import type { OutgoingMessage } from "../src/viber/schemas/messages";
import { createApp } from "../src/webhook/app";
import { effectHandlers } from "./bots/effects";

export interface TestSession {
	texts: number;
	others: number;
	/** Runs of the welcome handler, counted when the conversation's context is "count". */
	welcomes?: number;
}

export const testBot = new Bot<TestSession>({
	initialSession: () => ({ texts: 0, others: 0 }),
	// Sessions saved when `texts` was called `echoes`.
	migrateSession: ({ echoes, ...rest }) =>
		echoes === undefined ? rest : { ...rest, texts: Number(echoes) },
	retry: { attempts: 3, baseDelayMs: 0 },
});

export const TEST_KEYBOARD: Keyboard = {
	Type: "keyboard",
	Buttons: [
		{ Columns: 3, Rows: 1, ActionType: "reply", ActionBody: "send picture", Text: "Picture" },
		{ Columns: 3, Rows: 1, ActionType: "reply", ActionBody: "quiet", Text: "Quiet", Silent: true },
	],
};

/** What `send <kind>` answers: one message of each kind the emulator must show. */
export const SAMPLES: Record<string, OutgoingMessage> = {
	picture: { type: "picture", text: "a picture", media: "https://example.com/p.jpg" },
	carousel: {
		type: "rich_media",
		rich_media: {
			Type: "rich_media",
			ButtonsGroupColumns: 6,
			ButtonsGroupRows: 1,
			Buttons: [
				{
					Columns: 6,
					Rows: 1,
					ActionType: "reply",
					ActionBody: "order Cocoa",
					Text: "<b>Cocoa</b>",
				},
			],
		},
	},
	keyboard: { type: "text", text: "a keyboard", keyboard: TEST_KEYBOARD },
};

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

testBot.hears(/^send (\w+)$/, async (ctx) => {
	const sample = SAMPLES[String(ctx.match[1])];
	await ctx.reply(sample ?? `no sample "${ctx.match[1]}"`);
});

testBot.hears(/^order (\w+)$/, (ctx) => ctx.reply(`ordered ${ctx.match[1]}`));

// A welcome with a keyboard; a slow one (a resend arrives meanwhile) or none, as the context says.
testBot.on("conversation_started", async (ctx) => {
	if (ctx.event.context === "slow") await scheduler.wait(500);
	if (ctx.event.context === "throw") throw new Error("no welcome, on purpose");
	if (ctx.event.context === "count") ctx.session.welcomes = (ctx.session.welcomes ?? 0) + 1;
	ctx.welcome({
		type: "text",
		text: `Hi ${ctx.user?.name ?? "there"}!`,
		keyboard: TEST_KEYBOARD,
	});
});

testBot.on("message:unknown", (ctx) =>
	ctx.reply(`unknown message type ${ctx.message.original_type}`),
);
testBot.on("unknown", (ctx) => ctx.reply(`unknown event ${ctx.event.original_event}`));

// Proactive: a handler that broadcasts to the users of one country, named by the test.
testBot.hears(/^announce (\w+)$/, async (ctx) => {
	const id = await ctx.broadcast("announcement", { filter: { country: String(ctx.match[1]) } });
	await ctx.reply(`broadcast ${id}`);
});

// Broadcasts, then fails once (after the broadcast started, before the handler finished).
const flakyAnnouncements = new Set<string>();
testBot.hears(/^announce-flaky (\w+)$/, async (ctx) => {
	await ctx.broadcast("flaky announcement", { filter: { country: String(ctx.match[1]) } });
	if (!flakyAnnouncements.has(ctx.event.message_token)) {
		flakyAnnouncements.add(ctx.event.message_token);
		throw new Error("failed after broadcasting");
	}
});

// Per-user timers and the 24-hour session.
testBot.hears(/^remind (\d+) (.+)$/, async (ctx) => {
	const id = await ctx.schedule(Number(ctx.match[1]), String(ctx.match[2]));
	await ctx.reply(`timer ${id}`);
});
testBot.hears(/^cancel (\S+)$/, (ctx) =>
	ctx.reply(`cancelled ${ctx.cancelSchedule(String(ctx.match[1]))}`),
);
testBot.hears("session?", (ctx) => ctx.reply(`session open: ${ctx.sessionOpen}`));

// Effect triggers (test/bots/effects.ts) come before the catch-alls.
testBot.use(effectHandlers);

// The catch-alls, last: every other text is echoed, every other message acknowledged.
testBot.on("message:text", async (ctx) => {
	ctx.session.texts += 1;
	await ctx.reply(ctx.message.text);
});
testBot.on("message", async (ctx) => {
	ctx.session.others += 1;
	await ctx.reply(`got a ${ctx.message.type}`);
});

export class Subscriber extends SubscriberObject {
	protected readonly bot = testBot;
}

export {
	BroadcastLedger,
	BroadcastPacer,
	BroadcastReceipts,
	Roster,
} from "../src/proactive";

const app = createApp(testBot);
app.route("/admin", adminRoutes());

export default {
	fetch: app.fetch,
	...proactiveHandlers(testBot),
} satisfies ExportedHandler<Env>;

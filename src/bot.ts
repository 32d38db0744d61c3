/**
 * Your bot. This file is yours: register handlers on `bot` and export it; the worker
 * (`src/index.ts`) takes care of webhooks, signatures, subscribers, retries and sessions.
 *
 * A handler is `(ctx, next)`. `bot.on(query)` filters by Viber's own names ("message:text",
 * "conversation_started", "subscribed", "seen", …) and types `ctx` to match; `bot.hears(text)`
 * matches text messages, which is also what a keyboard's `reply` button sends.
 *
 * Order matters: for each event the handlers are tried in the order they are registered, and the
 * first one that matches handles it; the ones after it run only if it calls `await next()`.
 * So specific handlers go first and the catch-alls (`bot.on("message:text")`, `bot.on("message")`)
 * last: a handler added below them never sees what they match.
 */
import { Bot } from "./framework/bot";
import type { Keyboard } from "./viber/schemas/keyboard";
import type { RichMediaMessage } from "./viber/schemas/messages";

/**
 * What the bot remembers per user, as `ctx.session`, saved after every event. To add a field,
 * add it here and to `initialSession`: users who already have a session get its default.
 */
interface Session {
	echoes: number;
}

const bot = new Bot<Session>({ initialSession: () => ({ echoes: 0 }) });

// A keyboard: each button sends its ActionBody back as a text message when tapped.
const menu: Keyboard = {
	Type: "keyboard",
	Buttons: [
		{ Columns: 3, Rows: 1, ActionType: "reply", ActionBody: "picture", Text: "A picture" },
		{ Columns: 3, Rows: 1, ActionType: "reply", ActionBody: "carousel", Text: "A carousel" },
		{ Columns: 6, Rows: 1, ActionType: "reply", ActionBody: "help", Text: "Help" },
	],
};

// Someone opened the chat. They may not be subscribed yet, so the only way to greet them is the
// welcome message, which Viber shows with the keyboard. (Sending with ctx.reply would fail.)
bot.on("conversation_started", (ctx) => {
	ctx.welcome({
		type: "text",
		text: `Hi ${ctx.user?.name ?? "there"}! Say something, or tap a button.`,
		keyboard: menu,
	});
});

// The buttons. Keep sending the keyboard: Viber hides it after a message that has none.
bot.hears("help", (ctx) =>
	ctx.reply({
		type: "text",
		text: "I echo what you write. The buttons show what else I can send.",
		keyboard: menu,
	}),
);

bot.hears("picture", (ctx) =>
	ctx.reply({
		type: "picture",
		text: "A picture, sent by URL. Viber fetches it, so it must be public and end in .jpg or .png.",
		media: "https://picsum.photos/id/1025/600/400.jpg",
		keyboard: menu,
	}),
);

const carousel: RichMediaMessage = {
	type: "rich_media",
	alt_text: "Your Viber is too old to show this carousel.",
	rich_media: {
		Type: "rich_media",
		ButtonsGroupColumns: 6,
		ButtonsGroupRows: 2,
		Buttons: ["Tea", "Coffee", "Cocoa"].flatMap((drink) => [
			{
				Columns: 6,
				Rows: 1,
				ActionType: "none" as const,
				ActionBody: "none",
				Text: `<b>${drink}</b>`,
			},
			{
				Columns: 6,
				Rows: 1,
				ActionType: "reply" as const,
				ActionBody: `order ${drink}`,
				Text: "Order",
			},
		]),
	},
	keyboard: menu,
};

// A rich-media carousel: one card per drink, each with a button that answers the bot.
bot.hears("carousel", (ctx) => ctx.reply(carousel));

// `hears` also takes a RegExp; `ctx.match` holds what it matched.
bot.hears(/^order (\w+)$/, (ctx) =>
	ctx.reply({ type: "text", text: `One ${ctx.match[1]}, coming up!`, keyboard: menu }),
);

// ── Add your handlers above this line. ──────────────────────────────────────────────────────
// The two catch-alls below handle whatever no handler above took, so they stay last.

// Everything else that is text: echo it, and count in the session how often we did.
bot.on("message:text", async (ctx) => {
	ctx.session.echoes += 1;
	await ctx.reply({ type: "text", text: ctx.message.text, keyboard: menu });
});

// Pictures, stickers, locations…: any other message.
bot.on("message", (ctx) =>
	ctx.reply({ type: "text", text: `Thanks for the ${ctx.message.type}!`, keyboard: menu }),
);

// Every morning at 09:00 UTC, a short text to every subscribed user: paced to Viber's limits and
// sent once per user, however many there are. The expression must also be in wrangler.toml's
// [triggers] crons (`npm test` checks). `replace_me_with_user_name` becomes each user's name.
bot.cron("0 9 * * *", (job) => job.broadcast("Good morning, replace_me_with_user_name!"));

// Errors thrown above land here; the event is then retried with backoff, and kept as a dead
// letter if it keeps failing.
bot.catch((error) => console.error(error.message));

export default bot;

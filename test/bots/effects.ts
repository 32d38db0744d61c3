/**
 * Handlers for the effectively-once and ordering tests, used by the test worker's bot. Each
 * fails on its first run only (keyed by the event's token), so the retry shows what it repeats.
 */
import { Composer } from "../../src/framework/composer";
import type { Context } from "../../src/framework/context";

const runs = new Map<string, number>();
/** Counts this run of the event: 1 for the first. */
const runOf = (token: string) => {
	const n = (runs.get(token) ?? 0) + 1;
	runs.set(token, n);
	return n;
};

export const effectHandlers = new Composer<Context<object>>();

// Replies, fails once, replies again: the user must see each part once.
effectHandlers.hears("parts", async (ctx) => {
	await ctx.reply("part one");
	if (runOf(ctx.event.message_token) === 1) throw new Error("fails after part one");
	await ctx.reply("part two");
});

// Its first send's answer is cut off (the test scripts the fault). It sees the error, fails
// once, and on the retry must see the same error instead of a second "cut".
effectHandlers.hears("cut then go on", async (ctx) => {
	let saw = "nothing";
	try {
		await ctx.reply("cut");
	} catch (error) {
		saw = (error as Error).name;
	}
	if (runOf(ctx.event.message_token) === 1) throw new Error("fails after the cut send");
	await ctx.reply(`after the cut, saw ${saw}`);
});

// The same without catching: the event ends as a dead letter that says so.
effectHandlers.hears("cut", async (ctx) => {
	await ctx.reply("cut");
});

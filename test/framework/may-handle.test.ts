import { describe, expect, it } from "vitest";
import { Bot } from "../../src/framework/bot";
import { Composer } from "../../src/framework/composer";
import type { Context } from "../../src/framework/context";

describe("Bot.mayHandle", () => {
	it("knows which event types its filtered handlers can match", () => {
		const bot = new Bot();
		bot.on("message:text", () => {});
		bot.hears("hi", () => {});
		bot.on(["seen", "conversation_started"], () => {});
		expect(bot.mayHandle("message")).toBe(true);
		expect(bot.mayHandle("seen")).toBe(true);
		expect(bot.mayHandle("conversation_started")).toBe(true);
		expect(bot.mayHandle("delivered")).toBe(false);
		expect(bot.mayHandle("unsubscribed")).toBe(false);
	});

	it("counts a plain middleware, and anything nested under it, as matching every event", () => {
		const bot = new Bot();
		bot.on("message", () => {});
		expect(bot.mayHandle("delivered")).toBe(false);
		bot.use((_ctx, next) => next());
		expect(bot.mayHandle("delivered")).toBe(true);
	});

	it("looks into composers, also those extended after they were added", () => {
		const bot = new Bot();
		const feature = new Composer<Context>();
		bot.use(feature);
		bot.filter((ctx) => ctx.user !== undefined).on("subscribed", () => {});
		expect(bot.mayHandle("failed")).toBe(false);
		expect(bot.mayHandle("subscribed")).toBe(true);
		feature.on("failed", () => {});
		expect(bot.mayHandle("failed")).toBe(true);
		// A filter only narrows: an `on` inside it still limits the events.
		const inner = new Bot();
		inner.on("message", (_ctx, next) => next()).use(() => {});
		expect(inner.mayHandle("seen")).toBe(false);
	});
});

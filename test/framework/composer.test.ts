import { describe, expect, expectTypeOf, it, vi } from "vitest";
import type { BotApi } from "../../src/framework/api";
import { Bot, BotError } from "../../src/framework/bot";
import { Context } from "../../src/framework/context";
import { matchFilter } from "../../src/framework/filters";
import type { Callback } from "../../src/viber/callback";
import { toCallback } from "../../src/viber/callback";
import { MESSAGE_FIXTURES } from "../fixtures/callbacks";

const api = new Proxy({} as BotApi, {
	get: () => () => Promise.reject(new Error("no API in unit tests")),
});
const user = { id: "u1", name: "Ann" };
const event = (body: Record<string, unknown>): Callback =>
	toCallback({ timestamp: 1, message_token: "5466394919049723652", ...body });
const message = (m: Record<string, unknown>) =>
	event({ event: "message", sender: user, message: m });
const ctxFor = (callback: Callback) => new Context(callback, { api, user, session: {} });

describe("Composer", () => {
	it("runs middleware in order, each deciding whether to go on", async () => {
		const bot = new Bot();
		const seen: string[] = [];
		bot.use(async (_ctx, next) => {
			seen.push("a");
			await next();
			seen.push("a after");
		});
		bot.use(() => {
			seen.push("b");
		});
		bot.use(() => {
			seen.push("never");
		});
		await bot.handle(ctxFor(message({ type: "text", text: "x" })));
		expect(seen).toEqual(["a", "b", "a after"]);
	});

	it("filters by event and by message type", async () => {
		const bot = new Bot();
		const seen: string[] = [];
		bot.on("message:picture", () => void seen.push("picture"));
		bot.on("message:text", () => void seen.push("text"));
		bot.on(["seen", "delivered"], () => void seen.push("receipt"));
		bot.on("message", () => void seen.push("other message"));
		await bot.handle(ctxFor(message(MESSAGE_FIXTURES.text)));
		await bot.handle(ctxFor(message(MESSAGE_FIXTURES.sticker)));
		await bot.handle(ctxFor(event({ event: "seen", user_id: "u1" })));
		await bot.handle(ctxFor(event({ event: "subscribed", user })));
		expect(seen).toEqual(["text", "other message", "receipt"]);
	});

	it("matches every message type by its Viber name", () => {
		for (const [type, m] of Object.entries(MESSAGE_FIXTURES)) {
			expect(matchFilter(`message:${type}` as "message:text")(message(m)), type).toBe(true);
			expect(matchFilter("message:text")(message(m)), type).toBe(type === "text");
		}
	});

	it("refuses a filter query that names nothing", () => {
		expect(() => new Bot().on("message:hologram" as "message:text", () => {})).toThrow(
			/Invalid filter query/,
		);
		expect(() => new Bot().on("message:text:x" as "message:text", () => {})).toThrow(
			/Invalid filter query/,
		);
	});

	it("hears strings exactly and RegExps with their match", async () => {
		const bot = new Bot();
		const heard: unknown[] = [];
		bot.hears("menu", (ctx) => void heard.push(ctx.match));
		bot.hears(/^order (\d+)$/, (ctx) => void heard.push(ctx.match[1]));
		for (const text of ["menu", "Menu", "order 42", "order x"]) {
			await bot.handle(ctxFor(message({ type: "text", text })));
		}
		expect(heard).toEqual(["menu", "42"]);
	});

	it("refuses next() called twice", async () => {
		const bot = new Bot();
		bot.use(async (_ctx, next) => {
			await next();
			await next();
		});
		await expect(bot.handle(ctxFor(message(MESSAGE_FIXTURES.text)))).rejects.toThrow(
			/more than once/,
		);
	});

	it("passes handler errors to bot.catch with the context, then rethrows", async () => {
		const bot = new Bot();
		const caught = vi.fn();
		bot.catch(caught);
		bot.on("message", () => {
			throw new Error("boom");
		});
		const ctx = ctxFor(message(MESSAGE_FIXTURES.text));
		await expect(bot.handle(ctx, 2)).rejects.toBeInstanceOf(BotError);
		const error = caught.mock.calls[0]?.[0] as BotError;
		expect(error.ctx).toBe(ctx);
		expect(error.attempt).toBe(2);
		expect((error.cause as Error).message).toBe("boom");
	});

	it("allows ctx.welcome only on conversation_started", () => {
		const started = ctxFor(event({ event: "conversation_started", user, subscribed: false }));
		started.welcome("hi");
		expect(started.welcomeMessage).toEqual({ type: "text", text: "hi" });
		expect(() => ctxFor(message(MESSAGE_FIXTURES.text)).welcome("hi")).toThrow(
			/conversation_started/,
		);
	});

	it("has no session for events that concern no user", () => {
		const ctx = new Context(event({ event: "webhook" }), { api });
		expect(() => ctx.session).toThrow(/only available/);
	});
});

describe("Composer types", () => {
	it("narrows the context by filter query", () => {
		// Checked by tsc (npm run typecheck); never run, as the invalid queries would throw.
		const typeOnly = (bot: Bot<{ n: number }>) => {
			bot.on("message:text", (ctx) => {
				expectTypeOf(ctx.message.text).toEqualTypeOf<string>();
				expectTypeOf(ctx.event.sender.id).toEqualTypeOf<string>();
				expectTypeOf(ctx.session.n).toEqualTypeOf<number>();
			});
			bot.on("message:picture", (ctx) => {
				expectTypeOf(ctx.message.media).toEqualTypeOf<string>();
				// @ts-expect-error a picture has no sticker_id of a known type
				const id: number = ctx.message.sticker_id;
				void id;
			});
			bot.on("message:location", (ctx) => {
				expectTypeOf(ctx.message.location.lat).toEqualTypeOf<number>();
			});
			bot.on("message", (ctx) => {
				expectTypeOf(ctx.message.type).toEqualTypeOf<
					| "text"
					| "picture"
					| "video"
					| "file"
					| "sticker"
					| "contact"
					| "url"
					| "location"
					| "unknown"
				>();
			});
			bot.on("conversation_started", (ctx) => {
				expectTypeOf(ctx.event.subscribed).toEqualTypeOf<boolean | undefined>();
				// @ts-expect-error conversation_started carries no message
				void ctx.message.text;
			});
			bot.on("unsubscribed", (ctx) => {
				expectTypeOf(ctx.event.user_id).toEqualTypeOf<string>();
			});
			bot.on(["delivered", "seen"], (ctx) => {
				expectTypeOf(ctx.event.event).toEqualTypeOf<"delivered" | "seen">();
			});
			bot.hears(/x/, (ctx) => {
				expectTypeOf(ctx.message.text).toEqualTypeOf<string>();
				expectTypeOf(ctx.match).toExtend<string | RegExpMatchArray>();
			});
			// @ts-expect-error not a Viber event
			bot.on("messages", () => {});
			// @ts-expect-error not a Viber message type
			bot.on("message:photo", () => {});
		};
		expect(typeOnly).toBeTypeOf("function");
	});
});

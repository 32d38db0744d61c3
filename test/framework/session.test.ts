import { describe, expect, it } from "vitest";
import { Bot } from "../../src/framework/bot";

describe("Bot.restoreSession", () => {
	const bot = new Bot<{ visits: number; tags: string[] }>({
		initialSession: () => ({ visits: 0, tags: [] }),
	});

	it("gives a new user a fresh initial session each time", () => {
		const a = bot.restoreSession(undefined);
		a.tags.push("x");
		expect(bot.restoreSession(undefined)).toEqual({ visits: 0, tags: [] });
	});

	it("fills fields a stored session lacks from the initial session, keeping stored values", () => {
		expect(bot.restoreSession({ visits: 4 })).toEqual({ visits: 4, tags: [] });
		expect(bot.restoreSession({ visits: 4, tags: ["a"] })).toEqual({ visits: 4, tags: ["a"] });
	});

	it("runs migrateSession on the stored session before filling in defaults", () => {
		const migrated = new Bot<{ visits: number; tags: string[] }>({
			initialSession: () => ({ visits: 0, tags: [] }),
			migrateSession: ({ count, ...rest }) =>
				count === undefined ? rest : { ...rest, visits: Number(count) },
		});
		expect(migrated.restoreSession({ count: 7 })).toEqual({ visits: 7, tags: [] });
		// A session already in the current shape passes through unchanged.
		expect(migrated.restoreSession({ visits: 2, tags: ["b"] })).toEqual({ visits: 2, tags: ["b"] });
	});

	it("defaults to an empty session without initialSession", () => {
		expect(new Bot().restoreSession(undefined)).toEqual({});
		expect(new Bot().restoreSession({ a: 1 })).toEqual({ a: 1 });
	});
});

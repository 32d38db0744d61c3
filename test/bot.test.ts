/**
 * The demo bot (`src/bot.ts`), as its users meet it. This is the one test file about the demo:
 * when you replace the demo with your bot, replace this file with tests of yours (README,
 * "Testing your bot"). Every other test uses its own test bot and passes whatever bot you write.
 */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import demo from "../src/bot";
import worker from "../src/index";
import { deriveBroadcastId } from "../src/proactive/broadcast";
import { callsWithText, settled } from "./helpers/broadcast";
import { seedRoster } from "./helpers/roster";
import { kit } from "./kit";

const MENU = ["A picture", "A carousel", "Help"];
const buttonsOf = (keyboard: { Buttons: { Text?: string }[] } | undefined) =>
	keyboard?.Buttons.map((b) => b.Text);

describe("the demo bot", () => {
	it("welcomes a user by name with the menu keyboard", async () => {
		const ann = await kit.user({ name: "Ann" });
		const welcome = await ann.open();
		expect(welcome).toMatchObject({
			type: "text",
			text: "Hi Ann! Say something, or tap a button.",
		});
		expect(buttonsOf(welcome?.keyboard)).toEqual(MENU);
	});

	it("echoes text, keeps the keyboard, and counts the echoes in the session", async () => {
		const bob = await kit.user();
		expect(await bob.session()).toEqual({ echoes: 0 });
		expect(await bob.send("hello")).toEqual([
			{ type: "text", text: "hello", keyboard: expect.objectContaining({ Type: "keyboard" }) },
		]);
		await bob.send("again");
		expect(await bob.session()).toEqual({ echoes: 2 });
		expect(buttonsOf(await bob.keyboard())).toEqual(MENU);
	});

	it("explains itself on Help", async () => {
		const cy = await kit.user();
		await cy.open();
		expect(await cy.tap("Help")).toMatchObject([{ type: "text", text: /I echo what you write/ }]);
		expect(await cy.session()).toEqual({ echoes: 0 });
	});

	it("sends a picture by URL", async () => {
		const di = await kit.user();
		await di.open();
		const [picture] = await di.tap("A picture");
		expect(picture).toMatchObject({ type: "picture", media: expect.stringMatching(/\.jpg$/) });
		// Every answer carries the menu again, or Viber would hide it.
		expect(buttonsOf(await di.keyboard())).toEqual(MENU);
	});

	it("sends a carousel whose Order buttons place an order", async () => {
		const ed = await kit.user();
		await ed.open();
		const [carousel] = await ed.tap("A carousel");
		expect(carousel).toMatchObject({ type: "rich_media", alt_text: expect.any(String) });
		expect(buttonsOf(carousel?.keyboard)).toEqual(MENU);
		const [order] = await ed.tap("order Cocoa");
		expect(order).toMatchObject({ type: "text", text: "One Cocoa, coming up!" });
		expect(buttonsOf(order?.keyboard)).toEqual(MENU);
	});

	it("thanks for pictures, locations, contacts and stickers", async () => {
		const fay = await kit.user();
		const messages = [
			{ type: "picture", media: "https://example.com/p.jpg" },
			{ type: "location", location: { lat: 52.5, lon: 13.4 } },
			{ type: "contact", contact: { name: "Ann", phone_number: "+441234567890" } },
			{ type: "sticker", sticker_id: 46105 },
		] as const;
		for (const message of messages) {
			expect(await fay.send(message)).toMatchObject([
				{ type: "text", text: `Thanks for the ${message.type}!` },
			]);
		}
		expect(await fay.session()).toEqual({ echoes: 0 });
	});
});

describe("the demo's morning job", () => {
	it("is registered for 0 9 * * *", () => {
		expect(demo.jobs.expressions()).toEqual(["0 9 * * *"]);
	});
	it("broadcasts a good-morning text to every subscribed user when 0 9 * * * fires", async () => {
		const ids = await seedRoster(5, "DM");
		const scheduledTime = Date.UTC(2026, 11, 3, 9);
		await worker.scheduled(createScheduledController({ cron: "0 9 * * *", scheduledTime }), env);
		const text = "Good morning, replace_me_with_user_name!";
		await settled(await deriveBroadcastId(`cron:0 9 * * *:${scheduledTime}:0`, 0), 30_000);
		expect((await callsWithText(text)).flat().sort()).toEqual(ids.sort());
	}, 40_000);
});

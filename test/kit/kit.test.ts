/** The test kit itself, against the end-to-end test bot (test/e2e-bot.ts): it passes whatever bot a fork has. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { captureErrors } from "../helpers/console";
import type { testBot } from "../worker";
import { createKit } from ".";
import { emulatorClient } from "./emulator";

const options = {
	emulator: env.FAKE_VIBER,
	token: env.E2E_TOKEN,
	subscribers: env.E2E_SUBSCRIBER,
};
const kit = createKit<typeof testBot>(options);

describe("the test kit", () => {
	const errors = captureErrors({ worker: env.E2E_BOT });

	it("makes a new user each time", async () => {
		const [a, b] = await Promise.all([kit.user({ name: "Ann" }), kit.user()]);
		expect(a.name).toBe("Ann");
		expect(a.id).not.toBe(b.id);
	});

	it("opens the chat and gives the welcome message, without sender or min_api_version", async () => {
		const ann = await kit.user({ name: "Ann" });
		const welcome = await ann.open();
		expect(welcome).toEqual({ type: "text", text: "Hi Ann!", keyboard: expect.any(Object) });
		expect((await ann.keyboard())?.Buttons.map((b) => b.Text)).toEqual(["Picture", "Quiet"]);
	});

	it("sends text and gives the replies to it, then every reply so far", async () => {
		const bob = await kit.user();
		expect(await bob.send("one")).toEqual([{ type: "text", text: "one" }]);
		expect(await bob.send("two")).toEqual([{ type: "text", text: "two" }]);
		expect((await bob.replies()).map((r) => r.text)).toEqual(["one", "two"]);
		// Viber hides the keyboard after a message without one.
		expect(await bob.keyboard()).toBeUndefined();
	});

	it("waits for a slow handler instead of a fixed time", async () => {
		const cy = await kit.user();
		expect(await cy.send("slow 300")).toEqual([{ type: "text", text: "slow 300 done" }]);
	});

	it("reads the session as the next handler will see it", async () => {
		const di = await kit.user();
		expect(await di.session()).toEqual({ texts: 0, others: 0 });
		await di.send("hi");
		await di.send({ type: "location", location: { lat: 1, lon: 2 } });
		await di.send({ type: "picture", media: "https://example.com/a.jpg" });
		expect(await di.session()).toEqual({ texts: 1, others: 2 });
		expect((await di.replies()).map((r) => r.text)).toEqual([
			"hi",
			"got a location",
			"got a picture",
		]);
	});

	it("taps keyboard buttons by their text, silent ones too, and rich-media buttons", async () => {
		const ed = await kit.user();
		await ed.open();
		expect(await ed.tap("Picture")).toMatchObject([{ type: "picture" }]);
		await ed.send("send keyboard");
		expect(await ed.tap("Quiet")).toEqual([{ type: "text", text: "quiet" }]);
		await ed.send("send carousel");
		expect(await ed.tap("Cocoa")).toEqual([{ type: "text", text: "ordered Cocoa" }]);
		// The silent tap is not shown as the user's message; the others are.
		const chat = await emulatorClient(options.emulator, options.token).chat(ed.id);
		const said = chat.filter((i) => i.direction === "in").map((i) => i.message?.text);
		expect(said).toEqual(["send picture", "send keyboard", "send carousel", "order Cocoa"]);
	});

	it("refuses to tap a button that is not there, naming those that are", async () => {
		const fay = await kit.user();
		await fay.open();
		await expect(fay.tap("Nope")).rejects.toThrow(
			'No button "Nope" to tap; the buttons are: "Picture", "Quiet"',
		);
	});

	it("unsubscribes and subscribes again", async () => {
		const gus = await kit.user();
		await gus.send("hello");
		await gus.unsubscribe();
		await gus.subscribe();
		expect(await gus.send("back")).toEqual([{ type: "text", text: "back" }]);
	});

	it("fails with the handler's error when the bot's handlers fail", async () => {
		const ida = await kit.user();
		await expect(ida.send("throw")).rejects.toThrow(
			'The bot\'s handlers failed on "message": Error: failed on purpose',
		);
		await errors.logged(/^Dead letter: "message" failed 3 times/);
	});

	it("fails with the handler's error when the welcome cannot be made", async () => {
		const jo = await kit.user();
		await expect(jo.open("throw")).rejects.toThrow(
			'The bot\'s handlers failed on "conversation_started": Error: no welcome, on purpose',
		);
		await errors.logged(/^Dead letter: conversation_started failed: Error: no welcome/);
	});

	it("fails with the kit's message when the bot takes longer than the timeout", async () => {
		const impatient = createKit<typeof testBot>({ ...options, timeoutMs: 100 });
		const hal = await impatient.user();
		await expect(hal.send("slow 1000")).rejects.toThrow(
			'The bot was still handling "message" (it had not answered yet) after 100 ms',
		);
	});
});

import { beforeAll, describe, expect, it, vi } from "vitest";
import { E2E_TOKEN, emulator } from "../helpers/emulator";

const WAIT = { timeout: 5_000, interval: 50 };

describe("the emulator and the test bot, end to end", () => {
	beforeAll(async () => {
		// Viber calls the webhook with a signed `webhook` event before it answers: the bot must accept it.
		expect(await emulator.setWebhook()).toMatchObject({ status: 0 });
	});

	it("greets with the welcome message and its keyboard when the conversation opens", async () => {
		const user = await emulator.newUser({ name: "Ann Tester" });
		const { item } = await emulator.open(user.id);
		expect(item).toMatchObject({
			direction: "out",
			message: {
				type: "text",
				text: "Hi Ann Tester!",
				sender: { name: "Test Bot" },
				keyboard: { Type: "keyboard" },
			},
		});
	});

	it("echoes text, and the echo goes sent → delivered → seen", async () => {
		const user = await emulator.newUser();
		await emulator.open(user.id);
		expect((await emulator.say(user.id, "Hello, emulator")).item).toMatchObject({
			direction: "in",
		});
		await vi.waitFor(async () => {
			const [echo] = (await emulator.fromBot(user.id)).filter(
				(i) => i.message?.text === "Hello, emulator",
			);
			expect(echo?.status).toBe("seen");
		}, WAIT);
		// The chat shows "seen" as the receipt leaves; the log has it once the bot answered.
		await vi.waitFor(async () => {
			const receipts = (await emulator.log()).filter(
				(e) => e.user_id === user.id && ["delivered", "seen"].includes(e.name),
			);
			expect(receipts.map((e) => [e.name, e.status])).toEqual([
				["delivered", 200],
				["seen", 200],
			]);
		}, WAIT);
	});

	it("shows the bot's picture and carousel, and passes on a tap on the carousel", async () => {
		const user = await emulator.newUser();
		await emulator.say(user.id, "send picture");
		await emulator.say(user.id, "send carousel");
		await vi.waitFor(async () => {
			const types = (await emulator.fromBot(user.id)).map((i) => i.message?.type);
			expect(types).toEqual(["picture", "rich_media"]);
		}, WAIT);
		const tap = await emulator.say(user.id, "order Cocoa");
		expect(tap.item).not.toBeNull();
		await vi.waitFor(async () => {
			expect((await emulator.fromBot(user.id)).at(-1)?.message?.text).toBe("ordered Cocoa");
		}, WAIT);
	});

	it("keeps a silent button tap out of the chat but still delivers it", async () => {
		const user = await emulator.newUser();
		const { item } = await emulator.send(user.id, { type: "text", text: "quiet" }, true);
		expect(item).toBeNull();
		await vi.waitFor(async () => expect(await emulator.fromBot(user.id)).toHaveLength(1), WAIT);
		expect((await emulator.chat(user.id)).filter((i) => i.direction === "in")).toEqual([]);
	});

	it("sends a picture, a location, a contact and a sticker from the user", async () => {
		const user = await emulator.newUser();
		for (const message of [
			{ type: "picture", media: "https://example.com/p.jpg", text: "" },
			{ type: "location", location: { lat: 52.5, lon: 13.4 } },
			{ type: "contact", contact: { name: "Ann", phone_number: "+441234567890" } },
			{ type: "sticker", sticker_id: 46105 },
		]) {
			await emulator.send(user.id, message);
		}
		await vi.waitFor(async () => {
			const texts = (await emulator.fromBot(user.id)).map((i) => i.message?.text);
			expect(texts).toEqual(["got a picture", "got a location", "got a contact", "got a sticker"]);
		}, WAIT);
	});

	it("processes each callback once even when the emulator sends them twice", async () => {
		const user = await emulator.newUser();
		await emulator.settings({ duplicateCallbacks: 1 });
		try {
			await emulator.say(user.id, "twice?");
			await vi.waitFor(async () => {
				const sent = (await emulator.log()).filter(
					(e) => e.user_id === user.id && e.name === "message",
				);
				expect(sent).toHaveLength(2);
			}, WAIT);
			await vi.waitFor(async () => expect(await emulator.fromBot(user.id)).toHaveLength(1), WAIT);
			await new Promise((r) => setTimeout(r, 300));
			expect(await emulator.fromBot(user.id)).toHaveLength(1);
		} finally {
			await emulator.settings({ duplicateCallbacks: 0 });
		}
	});

	it("resends a callback that the bot did not answer with 200, like Viber", async () => {
		const user = await emulator.newUser();
		// Over the bot's 1 MiB cap: answered 413, so the emulator tries again (1 s later, then 2 s…).
		await emulator.say(user.id, "x".repeat(1_100_000));
		await vi.waitFor(
			async () => {
				const tries = (await emulator.log()).filter(
					(e) => e.user_id === user.id && e.name === "message",
				);
				expect(tries.map((e) => e.status)).toEqual([413, 413]);
			},
			{ timeout: 4_000, interval: 100 },
		);
		expect(await emulator.fromBot(user.id)).toEqual([]);
	});

	it("lets a switched-on fault hit the bot's API calls, which it retries until they pass", async () => {
		const user = await emulator.newUser();
		await emulator.settings({ tooManyRequestsRate: 1 });
		try {
			await emulator.say(user.id, "through the storm");
			await vi.waitFor(async () => {
				const refused = (await emulator.log()).filter(
					(e) => e.name === "send_message" && e.status === 12 && e.request.receiver === user.id,
				);
				expect(refused.length).toBeGreaterThanOrEqual(2);
			}, WAIT);
		} finally {
			await emulator.settings({ tooManyRequestsRate: 0 });
		}
		await vi.waitFor(
			async () =>
				expect((await emulator.fromBot(user.id)).map((i) => i.message?.text)).toEqual([
					"through the storm",
				]),
			{
				timeout: 15_000,
				interval: 200,
			},
		);
	});

	it("reports the webhook in get_account_info", async () => {
		expect(await emulator.viber("get_account_info", {})).toMatchObject({
			status: 0,
			webhook: "https://bot.example/webhook",
		});
	});

	it("refuses sends to a user who unsubscribed in the chat, until a new message subscribes them again", async () => {
		const user = await emulator.newUser();
		await emulator.say(user.id, "first");
		await vi.waitFor(async () => expect(await emulator.fromBot(user.id)).toHaveLength(1), WAIT);
		await emulator.unsubscribe(user.id);
		// Viber refuses sends to an unsubscribed user with status 6.
		const refused = await emulator.viber("send_message", {
			receiver: user.id,
			type: "text",
			text: "hi",
			sender: { name: "Bot" },
		});
		expect(refused).toMatchObject({ status: 6 });
		await emulator.say(user.id, "back again");
		await vi.waitFor(
			async () =>
				expect((await emulator.fromBot(user.id)).map((i) => i.message?.text)).toEqual([
					"first",
					"back again",
				]),
			WAIT,
		);
	});
});

describe("the emulator's set_webhook", () => {
	it("fails with status 1 when the URL does not answer the webhook event with 200", async () => {
		// The bot only accepts callbacks signed with its own token: this one's are refused (403).
		const answer = await emulator.setWebhook({}, "some-other-bots-token");
		expect(answer).toMatchObject({ status: 1 });
		expect(String(answer.status_message)).toContain("403");
	});

	it("leaves out filtered events and names and avatars when told to", async () => {
		const token = E2E_TOKEN;
		await emulator.setWebhook({ event_types: [], send_name: false, send_photo: false }, token);
		try {
			const user = await emulator.newUser({ name: "Hidden Name" });
			const { item } = await emulator.open(user.id);
			expect(item?.text).toMatch(/event_types leave it out/);
			await emulator.say(user.id, "no receipts please");
			await vi.waitFor(async () => expect(await emulator.fromBot(user.id)).toHaveLength(1), WAIT);
			await new Promise((r) => setTimeout(r, 1_000));
			const events = (await emulator.log())
				.filter((e) => e.user_id === user.id && e.kind === "callback")
				.map((e) => e.name);
			expect(events).toEqual(["message"]);
			const message = (await emulator.log()).find(
				(e) => e.user_id === user.id && e.name === "message",
			);
			expect(message?.request.sender).not.toHaveProperty("name");
		} finally {
			await emulator.setWebhook({}, token);
		}
	});
});

import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { callbacks, newUserId, post, subscriber } from "../helpers/callbacks";
import { fakeViber } from "../helpers/fake-viber";
import { SAMPLES } from "../worker";

const sentTexts = (userId: string) => fakeViber.sentTexts(userId);

describe("Subscriber conversation", () => {
	it("answers conversation_started with the welcome message as the response body", async () => {
		const userId = newUserId();
		const res = await post(callbacks.conversationStarted(userId, false));
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toContain("application/json");
		const welcome = (await res.json()) as Record<string, unknown>;
		expect(welcome).toMatchObject({
			type: "text",
			text: "Hi John McClane!",
			sender: { name: "Test Bot" },
			// The keyboard's Silent button needs version 2.
			min_api_version: 2,
			keyboard: { Type: "keyboard" },
		});
		expect(welcome).not.toHaveProperty("receiver");
		// The welcome is the only message: send_message would fail for a user not subscribed.
		expect(await sentTexts(userId)).toEqual([]);
		expect(await subscriber(userId).profile()).toMatchObject({
			state: "not_subscribed",
			name: "John McClane",
		});
	});

	it("answers a resent conversation_started with the same welcome, running the handlers once", async () => {
		const userId = newUserId();
		const event = callbacks.conversationStarted(userId, true, { context: "count" });
		const first = await (await post(event)).text();
		const again = await post(event);
		expect(await again.text()).toBe(first);
		expect(await subscriber(userId).profile()).toMatchObject({ state: "subscribed" });
		expect(await subscriber(userId).session()).toMatchObject({ welcomes: 1 });
	});

	it("gives a resend that arrives while the welcome is being made the same welcome", async () => {
		const userId = newUserId();
		const event = callbacks.conversationStarted(userId, false, { context: "slow" });
		const [first, resend] = await Promise.all([post(event), post(event)]);
		const [a, b] = await Promise.all([first.text(), resend.text()]);
		expect(JSON.parse(a)).toMatchObject({ type: "text", keyboard: { Type: "keyboard" } });
		expect(b).toBe(a);
	});

	it("makes the welcome wait for the handler that is running, not for the whole inbox", async () => {
		const userId = newUserId();
		// Each answer comes at the handler budget (1 s), long before either slow one is done.
		await post(callbacks.text(userId, "slow 3000"));
		await post(callbacks.text(userId, "slow 3001"));
		await vi.waitFor(async () => expect(await subscriber(userId).pendingEvents()).toBe(2));
		const res = await post(callbacks.conversationStarted(userId, true));
		expect(await res.json()).toMatchObject({ type: "text" });
		// The second slow event has not run yet: the welcome went before it.
		expect(await subscriber(userId).pendingEvents()).toBeGreaterThanOrEqual(1);
		expect(await sentTexts(userId)).not.toContain("slow 3001 done");
	});

	it("echoes a text message through send_message", async () => {
		const userId = newUserId();
		expect((await post(callbacks.text(userId, "Hello, bot"))).status).toBe(200);
		await vi.waitFor(async () => expect(await sentTexts(userId)).toEqual(["Hello, bot"]));
		const [request] = await fakeViber.requests({ endpoint: "send_message", receiver: userId });
		expect(request?.body).toMatchObject({
			receiver: userId,
			type: "text",
			sender: { name: "Test Bot" },
		});
	});

	it("subscribes a user implicitly with their first message, and keeps their profile", async () => {
		const userId = newUserId();
		await post(callbacks.conversationStarted(userId, false));
		expect(await subscriber(userId).profile()).toMatchObject({ state: "not_subscribed" });
		const message = callbacks.text(userId, "hi");
		await post(message);
		const profile = await subscriber(userId).profile();
		expect(profile).toMatchObject({
			state: "subscribed",
			language: "en",
			country: "UK",
			apiVersion: 8,
		});
		expect(profile?.lastInboundAt).toBe(message.timestamp);
	});

	it("processes a resent callback once", async () => {
		const userId = newUserId();
		const message = callbacks.text(userId, "only once");
		for (let i = 0; i < 3; i++) expect((await post(message)).status).toBe(200);
		await vi.waitFor(async () => expect(await sentTexts(userId)).toEqual(["only once"]));
		await runDurableObjectAlarm(subscriber(userId));
		expect(await sentTexts(userId)).toEqual(["only once"]);
	});

	it("keeps two tokens that differ only past 2^53 as two events", async () => {
		const userId = newUserId();
		// Both read as 5466394919049723600 through JSON.parse; kept as strings they differ.
		const a = callbacks.text(userId, "first", { message_token: "5466394919049723652" });
		const b = callbacks.text(userId, "second", { message_token: "5466394919049723653" });
		expect(JSON.parse("5466394919049723652")).toBe(JSON.parse("5466394919049723653"));
		await post(a);
		await post(b);
		await vi.waitFor(async () => expect(await sentTexts(userId)).toEqual(["first", "second"]));
	});

	it("answers after a quick handler, and at the budget for a slow one, in arrival order", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "quick"));
		// A handler within the budget has run by the time Viber gets its answer.
		expect(await sentTexts(userId)).toEqual(["quick"]);
		const started = Date.now();
		await post(callbacks.text(userId, "slow 2500"));
		expect(Date.now() - started).toBeLessThan(2000);
		await post(callbacks.text(userId, "after"));
		// Both answered while the slow handler still runs: neither has left the inbox yet.
		expect(await subscriber(userId).pendingEvents()).toBe(2);
		expect(await sentTexts(userId)).toEqual(["quick"]);
		await vi.waitFor(
			async () => expect(await sentTexts(userId)).toEqual(["quick", "slow 2500 done", "after"]),
			{ timeout: 5000 },
		);
	});

	it("keeps ctx.session between events", async () => {
		const userId = newUserId();
		await post(callbacks.text(userId, "one"));
		await post(callbacks.text(userId, "two"));
		await vi.waitFor(async () => expect(await sentTexts(userId)).toHaveLength(2));
		const { runInDurableObject } = await import("cloudflare:test");
		const session = await runInDurableObject(subscriber(userId), (_instance, state) =>
			state.storage.sql.exec<{ session: string }>("SELECT session FROM subscriber").one(),
		);
		expect(JSON.parse(session.session)).toEqual({ texts: 2, others: 0 });
		expect(await subscriber(userId).session()).toEqual({ texts: 2, others: 0 });
	});

	it("sends each kind of message with the min_api_version its features need", async () => {
		const userId = newUserId();
		for (const kind of ["picture", "carousel", "keyboard"])
			await post(callbacks.text(userId, `send ${kind}`));
		await vi.waitFor(async () => expect(await sentTexts(userId)).toHaveLength(3));
		const [picture, carousel, keyboard] = (
			await fakeViber.requests({ endpoint: "send_message", receiver: userId })
		).map((r) => r.body);
		expect(picture).toMatchObject({ ...SAMPLES.picture, min_api_version: 1 });
		expect(carousel).toMatchObject({ ...SAMPLES.carousel, min_api_version: 2 });
		expect(keyboard).toMatchObject({ ...SAMPLES.keyboard, min_api_version: 2 });
	});
});

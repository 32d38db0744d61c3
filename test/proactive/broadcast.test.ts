import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { broadcastStats, startBroadcast } from "../../src/proactive/broadcast";
import { applyToRoster } from "../../src/proactive/roster-client";
import { broadcastTokens, callsWithText, settled } from "../helpers/broadcast";
import { callbacks, post, subscriber, TOKEN, user } from "../helpers/callbacks";
import { captureErrors } from "../helpers/console";
import { fakeViber } from "../helpers/fake-viber";
import { allSubscribed, rosterState, seedRoster } from "../helpers/roster";

const text = (body: string) => ({ type: "text" as const, text: body });
const sorted = (ids: string[]) => [...ids].sort();

describe("broadcast through the queue", { timeout: 60_000 }, () => {
	const errors = captureErrors();
	it("reaches exactly the subscribed users of 1,000, none twice, at most 300 a call", async () => {
		const ids = await seedRoster(1_000, "B1");
		const left = await seedRoster(7, "B1");
		for (const userId of left)
			await applyToRoster(env, { userId, state: "unsubscribed", version: 2 });
		const gone = await seedRoster(3, "B1");
		for (const userId of gone) await applyToRoster(env, { userId, state: "gone", version: 2 });
		const id = await startBroadcast(env, text("morning B1"), { filter: { country: "B1" } });
		const stats = await settled(id);
		const calls = await callsWithText("morning B1");
		expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(300);
		// Short runs of the 16 shards share calls: about N / 300, not one call per shard.
		expect(calls.length).toBe(Math.ceil(1_000 / 300));
		expect(sorted(calls.flat())).toEqual(sorted(ids));
		expect(stats).toMatchObject({ queued: 1_000, sent: 1_000, skipped: 0, failed: {}, unknown: 0 });
		expect(stats.calls).toBe(calls.length);
	});

	it("still messages everyone once through HTTP 500, status 12 and dropped connections", async () => {
		const ids = await seedRoster(1_200, "B2");
		const endpoint = "broadcast_message";
		await fakeViber.fault({ token: TOKEN, endpoint, httpStatus: 500, times: 2 });
		await fakeViber.fault({ token: TOKEN, endpoint, status: 12 });
		await fakeViber.fault({ token: TOKEN, endpoint, networkError: true });
		const id = await startBroadcast(env, text("faults B2"), { filter: { country: "B2" } });
		const stats = await settled(id, 60_000);
		// The fake records every call; the faults hit the first four, in order of arrival.
		const answered = (await callsWithText("faults B2")).slice(4);
		expect(sorted(answered.flat())).toEqual(sorted(ids));
		expect(stats).toMatchObject({ queued: 1_200, sent: 1_200, unknown: 0, dead: 0 });
		expect(stats.calls).toBe(answered.length);
	});

	it("counts a call whose answer broke off after Viber's 200 as sent, and does not repeat it", async () => {
		const ids = await seedRoster(10, "B3");
		await fakeViber.fault({ token: TOKEN, endpoint: "broadcast_message", networkError: "body" });
		const id = await startBroadcast(env, text("cut B3"), { filter: { country: "B3" } });
		const stats = await settled(id);
		const calls = await callsWithText("cut B3");
		expect(sorted(calls.flat())).toEqual(sorted(ids));
		expect(stats).toMatchObject({ sent: ids.length, calls: calls.length - 1 });
		await vi.waitFor(() =>
			errors.logged(/batch tail:0: ViberTransportError: broadcast_message failed: network error/),
		);
	});

	it("unsubscribes users Viber lists with status 6, and leaves them out next time", async () => {
		const ids = await seedRoster(20, "B4");
		const [leaver] = ids as [string];
		await post({ ...callbacks.subscribed(leaver), user: user(leaver, { country: "B4" }) });
		await fakeViber.unsubscribe(leaver);
		const first = await settled(
			await startBroadcast(env, text("one B4"), { filter: { country: "B4" } }),
		);
		expect(first.failed).toEqual({ "6": 1 });
		expect(first.sent).toBe(19);
		await vi.waitFor(async () => expect(await rosterState(leaver)).toBe("unsubscribed"));
		expect(await subscriber(leaver).profile()).toMatchObject({ state: "unsubscribed" });
		await settled(await startBroadcast(env, text("two B4"), { filter: { country: "B4" } }));
		expect((await callsWithText("two B4")).flat()).not.toContain(leaver);
		expect(sorted((await callsWithText("two B4")).flat())).toEqual(sorted(ids.slice(1)));
	});

	it("is started once per id: a retried job does not broadcast twice", async () => {
		const ids = await seedRoster(5, "B5");
		const options = { filter: { country: "B5" }, id: "retried-job" };
		await startBroadcast(env, text("once B5"), options);
		await startBroadcast(env, text("once B5"), options);
		await settled("retried-job");
		expect(sorted((await callsWithText("once B5")).flat())).toEqual(sorted(ids));
	});

	it("broadcasts from a handler with ctx.broadcast, and refuses a message over Viber's limits", async () => {
		const ids = await seedRoster(4, "B6");
		const sender = (await seedRoster(1, "ZZ"))[0] as string;
		await post(callbacks.text(sender, "announce B6"));
		const reply = await vi.waitFor(async () => {
			const [sent] = await fakeViber.requests({ endpoint: "send_message", receiver: sender });
			if (!sent) throw new Error("no reply yet");
			return String(sent.body.text);
		});
		const id = reply.replace("broadcast ", "");
		await settled(id);
		expect(sorted((await callsWithText("announcement")).flat())).toEqual(sorted(ids));
		await expect(startBroadcast(env, text("x".repeat(7_001)))).rejects.toThrow(/text/);
		expect(await allSubscribed({ country: "B6" })).toHaveLength(4);
		expect(await broadcastStats(env, "no-such-broadcast")).toBeNull();
	});

	it("counts the receipts of its messages without waking the users' objects", async () => {
		const ids = (await seedRoster(6, "B7")).sort();
		const id = await startBroadcast(env, text("receipts B7"), { filter: { country: "B7" } });
		await settled(id);
		const tokens = await broadcastTokens(id);
		const tokenOf = new Map<string, string>();
		for (const [i, list] of (await callsWithText("receipts B7")).entries()) {
			for (const userId of list) tokenOf.set(userId, tokens[i] as string);
		}
		const receipt = (event: "delivered" | "seen", userId: string) =>
			post(callbacks.receipt(event, userId, tokenOf.get(userId) as string));
		for (const userId of ids.slice(0, 4)) await receipt("delivered", userId);
		for (const userId of ids.slice(0, 2)) await receipt("seen", userId);
		await receipt("delivered", ids[0] as string); // a resend counts once
		expect((await broadcastStats(env, id))?.receipts).toEqual({ delivered: 4, seen: 2, failed: 0 });
		for (const userId of ids) expect(await subscriber(userId).profile()).toBeNull();
	});

	it("marks users Viber lists with status 5 as gone and counts other statuses", async () => {
		const [gone, tooOld, fine] = (await seedRoster(3, "B8")) as [string, string, string];
		const failed = [
			{ receiver: gone, status: 5, status_message: "notRegistered" },
			{ receiver: tooOld, status: 13, status_message: "apiVersionNotSupported" },
		];
		const body = `{"status":0,"status_message":"ok","message_token":5123456789012345678,"failed_list":${JSON.stringify(failed)}}`;
		await fakeViber.fault({ token: TOKEN, endpoint: "broadcast_message", body });
		const stats = await settled(
			await startBroadcast(env, text("statuses B8"), { filter: { country: "B8" } }),
		);
		expect(stats).toMatchObject({ sent: 1, failed: { "5": 1, "13": 1 }, calls: 1 });
		await vi.waitFor(async () => expect(await rosterState(gone)).toBe("gone"));
		expect(await subscriber(gone).profile()).toMatchObject({ state: "gone" });
		expect(await rosterState(tooOld)).toBe("subscribed");
		expect(await rosterState(fine)).toBe("subscribed");
	});

	it("does not broadcast twice when the handler that started it is retried", async () => {
		const ids = await seedRoster(7, "B9");
		const sender = (await seedRoster(1, "ZY"))[0] as string;
		await post(callbacks.text(sender, "announce-flaky B9"));
		await vi.waitFor(
			async () => {
				const calls = await callsWithText("flaky announcement");
				expect(calls.flat().sort()).toEqual([...ids].sort());
			},
			{ timeout: 15_000, interval: 200 },
		);
		expect(await subscriber(sender).deadLetters()).toEqual([]);
		expect(await subscriber(sender).pendingEvents()).toBe(0);
		// Time for a second broadcast to show up, had the retry started one.
		await new Promise((resolve) => setTimeout(resolve, 2_500));
		expect((await callsWithText("flaky announcement")).flat()).toHaveLength(ids.length);
	});
});

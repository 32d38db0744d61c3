// End to end through the emulator: its users subscribe to the demo bot (src/index.ts as
// deployed), a broadcast goes out through the bot's admin API, queue and consumer, lands in
// every subscriber's chat with ticks, and the receipts flow back into the broadcast's stats.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { adminToken } from "../../src/proactive/admin-token";
import { E2E_TOKEN, emulator } from "../helpers/emulator";

async function admin(method: string, path: string, body?: unknown) {
	const res = await env.E2E_BOT.fetch(`http://bot${path}`, {
		method,
		headers: {
			authorization: `Bearer ${await adminToken(E2E_TOKEN)}`,
			"content-type": "application/json",
		},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	expect(res.status).toBeLessThan(300);
	return (await res.json()) as Record<string, unknown> & { receipts?: Record<string, number> };
}

const answeredOk = (entry: Record<string, unknown>, name: string, userId: string) =>
	entry.kind === "callback" &&
	entry.name === name &&
	entry.user_id === userId &&
	entry.status === 200;

describe("a broadcast through the emulator", { timeout: 60_000 }, () => {
	beforeAll(async () => {
		expect(await emulator.setWebhook()).toMatchObject({ status: 0 });
	});

	it("reaches every subscriber's chat once, with receipts counted, and not those who left", async () => {
		const users = await Promise.all(
			Array.from({ length: 6 }, () => emulator.newUser({ country: "EB" })),
		);
		for (const user of users) await emulator.say(user.id, "hello");
		const [leaver, ...staying] = users as [(typeof users)[0], ...typeof users];
		await emulator.unsubscribe(leaver.id);
		// The roster learns of each subscription from the user's own events, before the bot answers
		// them: wait for the answers, which the emulator delivers in the background.
		const answered = (name: string, userId: string) => async () => {
			const entries = await emulator.log();
			expect(entries.some((e) => answeredOk(e, name, userId))).toBe(true);
		};
		for (const user of users) await vi.waitFor(answered("message", user.id), { timeout: 10_000 });
		await vi.waitFor(answered("unsubscribed", leaver.id), { timeout: 10_000 });
		const text = "Morning news for replace_me_with_user_name";
		const { id } = await admin("POST", "/admin/broadcasts", { text, filter: { country: "EB" } });
		await vi.waitFor(
			async () => {
				const stats = await admin("GET", `/admin/broadcasts/${id}`);
				expect(stats).toMatchObject({ done: true, sent: 5, receipts: { delivered: 5, seen: 5 } });
			},
			{ timeout: 30_000, interval: 250 },
		);
		for (const user of staying) {
			const got = (await emulator.fromBot(user.id)).filter((i) =>
				i.message?.text?.startsWith("Morning news"),
			);
			expect(got).toHaveLength(1);
			expect(got[0]).toMatchObject({
				status: "seen",
				message: { text: `Morning news for ${user.name}` },
			});
		}
		const leaverGot = (await emulator.fromBot(leaver.id)).filter((i) =>
			i.message?.text?.startsWith("Morning"),
		);
		expect(leaverGot).toEqual([]);
	});
});

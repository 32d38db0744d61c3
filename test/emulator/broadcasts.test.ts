/**
 * The chat page's broadcasts (`GET /api/broadcasts`): every `broadcast_message` call the
 * emulator answered, with its failed_list by status and the receipts of its receivers' devices.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { BroadcastProgress } from "../../emulator/src/broadcasts";
import { parseJson } from "../../src/viber/json";
import { E2E_TOKEN, emulator } from "../helpers/emulator";

type Answer = { status: number; message_token?: string; failed_list?: unknown[] };

const WAIT = { timeout: 5_000, interval: 50 };
const UNKNOWN = "AAAAAAAAAAAAAAAAAAAAAA==";
const sender = { name: "Bot" };

async function broadcasts(token: string, limit?: number): Promise<BroadcastProgress[]> {
	const query = `token=${encodeURIComponent(token)}${limit ? `&limit=${limit}` : ""}`;
	const res = await env.FAKE_VIBER.fetch(`http://emulator/api/broadcasts?${query}`);
	expect(res.status).toBe(200);
	return (parseJson(await res.text()) as { broadcasts: BroadcastProgress[] }).broadcasts;
}

const broadcast = (ids: string[], message: Record<string, unknown>, token = E2E_TOKEN) =>
	emulator.viber<Answer>("broadcast_message", { sender, ...message, broadcast_list: ids }, token);

/** The progress of the call that answered `messageToken`. */
async function progressOf(messageToken: string | undefined, token = E2E_TOKEN) {
	const found = (await broadcasts(token)).find((b) => b.message_token === messageToken);
	expect(found, `no broadcast listed with message_token ${messageToken}`).toBeDefined();
	return found;
}

describe("the broadcasts the emulator answered", () => {
	beforeAll(async () => {
		expect(await emulator.setWebhook()).toMatchObject({ status: 0 });
	});

	it("counts receivers and failed_list by status, then the receipts of the receivers' devices", async () => {
		const subscribed = [await emulator.newUser(), await emulator.newUser()];
		for (const user of subscribed) await emulator.subscribe(user.id);
		const opener = await emulator.newUser();
		await emulator.open(opener.id);
		const answer = await broadcast([...subscribed.map((u) => u.id), opener.id, UNKNOWN], {
			type: "text",
			text: "Morning, replace_me_with_user_name!",
		});
		expect(answer).toMatchObject({ status: 0 });
		expect(answer.message_token).toMatch(/^\d{19}$/);

		expect(await progressOf(answer.message_token)).toMatchObject({
			preview: "Morning, replace_me_with_user_name!",
			receivers: 4,
			sent: 2,
			failed: { "5": 1, "6": 1 },
		});
		await vi.waitFor(async () => {
			expect(await progressOf(answer.message_token)).toMatchObject({ delivered: 2, seen: 2 });
		}, WAIT);
		// What the panel counts is what the chats show: each receiver's copy, seen.
		for (const user of subscribed) {
			const copy = (await emulator.fromBot(user.id)).find(
				(i) => i.message_token === answer.message_token,
			);
			expect(copy).toMatchObject({ status: "seen", message: { text: `Morning, ${user.name}!` } });
		}
	});

	it("counts no receipt before the devices send one", async () => {
		const token = `broadcasts-${crypto.randomUUID()}`;
		await emulator.settings({ strict: false, receiptDelayMs: 1_000 }, token);
		const answer = await broadcast(["u1", "u2"], { type: "text", text: "Hi" }, token);
		expect(await progressOf(answer.message_token, token)).toMatchObject({
			sent: 2,
			delivered: 0,
			seen: 0,
		});
		await vi.waitFor(async () => {
			expect(await progressOf(answer.message_token, token)).toMatchObject({
				delivered: 2,
				seen: 2,
			});
		}, WAIT);
	});

	it("leaves out calls it refused, and shows a message without text by its type", async () => {
		const user = await emulator.newUser();
		await emulator.subscribe(user.id);
		const before = (await broadcasts(E2E_TOKEN, 100)).length;
		const tooMany = Array.from({ length: 301 }, () => user.id);
		expect(await broadcast(tooMany, { type: "text", text: "x" })).toMatchObject({ status: 3 });
		expect(await broadcast([user.id], { type: "text" })).toMatchObject({ status: 3 });
		expect((await broadcasts(E2E_TOKEN, 100)).length).toBe(before);

		const picture = await broadcast([user.id], {
			type: "picture",
			media: "https://example.com/p.jpg",
			text: "",
		});
		expect(await progressOf(picture.message_token)).toMatchObject({
			preview: "[picture]",
			receivers: 1,
			sent: 1,
			failed: {},
		});
	});

	it("lists a token's own calls, newest first, as many as asked, and forgets them on reset", async () => {
		const token = `broadcasts-${crypto.randomUUID()}`;
		await emulator.settings({ strict: false }, token);
		expect(await broadcasts(token)).toEqual([]);
		const long = "a".repeat(200);
		const first = await broadcast(["u1", "u2"], { type: "text", text: long }, token);
		const second = await broadcast(["u3"], { type: "text", text: "second" }, token);
		const listed = await broadcasts(token);
		expect(listed.map((b) => b.message_token)).toEqual([second.message_token, first.message_token]);
		expect(listed[1]?.preview).toHaveLength(80);
		expect(listed[1]?.preview.endsWith("…")).toBe(true);
		expect((await broadcasts(token, 1)).map((b) => b.message_token)).toEqual([
			second.message_token,
		]);
		// Another token's calls are not this token's.
		expect((await broadcasts(E2E_TOKEN)).map((b) => b.message_token)).not.toContain(
			second.message_token,
		);

		const reset = await env.FAKE_VIBER.fetch("http://emulator/_fake/reset", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ token }),
		});
		expect(reset.ok).toBe(true);
		expect(await broadcasts(token)).toEqual([]);
	});
});

import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { adminToken } from "../../src/proactive/admin-token";
import { callsWithText, settled } from "../helpers/broadcast";
import { TOKEN } from "../helpers/callbacks";
import { seedRoster } from "../helpers/roster";

async function admin(method: string, path: string, body?: unknown, bearer?: string) {
	const headers: Record<string, string> = { "content-type": "application/json" };
	const token = bearer ?? (await adminToken(TOKEN));
	if (token) headers.authorization = `Bearer ${token}`;
	const res = await exports.default.fetch(`http://bot.test/admin${path}`, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("admin API", { timeout: 30_000 }, () => {
	it("starts a broadcast and reports its progress", async () => {
		const ids = await seedRoster(12, "A1");
		const started = await admin("POST", "/broadcasts", {
			text: "admin A1",
			filter: { country: "A1" },
		});
		expect(started.status).toBe(202);
		const id = String(started.json.id);
		await settled(id);
		const status = await admin("GET", `/broadcasts/${id}`);
		expect(status).toMatchObject({ status: 200, json: { id, sent: 12, queued: 12, done: true } });
		expect((await callsWithText("admin A1")).flat().sort()).toEqual(ids.sort());
	});

	it("refuses callers without the bearer derived from the bot token", async () => {
		expect((await admin("GET", "/broadcasts/x", undefined, "")).status).toBe(401);
		const wrong = await adminToken("another-token");
		expect((await admin("GET", "/broadcasts/x", undefined, wrong)).status).toBe(403);
		// The Viber token itself is not the admin secret.
		const asBearer = await admin("POST", "/broadcasts", { text: "x" }, TOKEN);
		expect(asBearer.status).toBe(401);
		expect(JSON.stringify(asBearer.json)).not.toContain(env.VIBER_AUTH_TOKEN);
	});

	it("answers bad input with a clear 4xx", async () => {
		expect(await admin("POST", "/broadcasts", { text: "" })).toMatchObject({ status: 400 });
		expect(await admin("POST", "/broadcasts", {})).toMatchObject({
			status: 400,
			json: { error: "give text or message" },
		});
		expect(
			await admin("POST", "/broadcasts", { text: "x", filter: { planet: "Mars" } }),
		).toMatchObject({
			status: 400,
		});
		expect(await admin("POST", "/broadcasts", { text: "x".repeat(7_001) })).toMatchObject({
			status: 400,
		});
		expect(await admin("GET", "/broadcasts/no-such")).toMatchObject({ status: 404 });
	});
});

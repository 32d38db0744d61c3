import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("works", async () => {
	const r = await exports.default.fetch("http://x/t");
	expect(await r.text()).toContain("5466394919049723652");
	const p = JSON.parse('{"a":5466394919049723652}', (k, v, ctx) =>
		k === "a" ? (ctx as any).source : v,
	);
	expect(p.a).toBe("5466394919049723652");
	expect(JSON.stringify({ a: (JSON as any).rawJSON("5466394919049723653") })).toBe(
		'{"a":5466394919049723653}',
	);
	const s = env.SUBSCRIBER.get(env.SUBSCRIBER.idFromName("u"));
	expect(await s.ping()).toBe(1);
});

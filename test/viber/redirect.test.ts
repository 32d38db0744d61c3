import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { createViberApi } from "../../src/viber/client";
import { ViberRedirectError, ViberTransportError } from "../../src/viber/transport-error";

type Seen = { url: string; token: string | null };

const seen = async () => (await (await env.REDIRECTOR.fetch("http://r/_seen")).json()) as Seen[];

/** A client whose calls reach the redirector, which answers `status` pointing at `target`. */
function redirectedApi(status: number, target: string) {
	const token = `redirect-test-${crypto.randomUUID()}`;
	const api = createViberApi({
		token,
		baseUrl: `http://127.0.0.1:9/redirect/${status}/${target}`,
		sender: { name: "Test Bot" },
		retry: { attempts: 4, baseDelayMs: 1 },
		fetch: (input, init) => env.REDIRECTOR.fetch(input, init),
	});
	return { api, token };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => new Error("expected a rejection"),
		(error: unknown) => error,
	);
}

describe("ViberApi redirects", () => {
	beforeEach(async () => {
		await env.REDIRECTOR.fetch("http://r/_reset", { method: "POST" });
	});

	const cases = [301, 302, 303, 307, 308].flatMap((status) =>
		(["other-origin", "plain-http", "same-origin"] as const).map((target) => ({ status, target })),
	);

	it.each(cases)(
		"refuses a $status to $target once, and the token goes nowhere else",
		async ({ status, target }) => {
			const { api, token } = redirectedApi(status, target);
			const error = await rejection(api.sendMessage("u1", { type: "text", text: "hi" }));
			expect(error).toBeInstanceOf(ViberRedirectError);
			expect(error).toBeInstanceOf(ViberTransportError);
			const redirect = error as ViberRedirectError;
			expect(redirect).toMatchObject({ kind: "redirect", httpStatus: status, retryable: false });
			const origin = {
				"other-origin": "https://attacker.example",
				"plain-http": "http://chatapi.viber.com",
				"same-origin": "http://127.0.0.1:9",
			}[target];
			expect(redirect.locationOrigin).toBe(origin);
			expect(redirect.message).toContain(`HTTP ${status}`);
			expect(redirect.message).toContain(origin);
			// Only the origin is named: not the path or query the redirect pointed to.
			expect(redirect.message).not.toContain("via=redirect");
			expect(redirect.message).not.toContain("/elsewhere");
			expect(redirect.message).not.toContain(token);
			// One request, to the configured URL; nothing was retried or followed.
			expect(await seen()).toEqual([
				{ url: `http://127.0.0.1:9/redirect/${status}/${target}/send_message`, token },
			]);
		},
	);
});

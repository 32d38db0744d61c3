/**
 * A test-only HTTP server that answers with redirects, and records every request that reaches
 * it (including any that followed a redirect to another origin). Plain JS, loaded as is by
 * Miniflare (vitest.config.ts). `POST /redirect/<status>/<target>/<endpoint>` answers
 * `<status>` with a `Location` chosen by `<target>`; any other path answers a Viber "ok".
 * `GET /_seen` lists what arrived; `POST /_reset` forgets it.
 */
const TARGETS = {
	"other-origin": (endpoint) => `https://attacker.example/pa/${endpoint}?via=redirect`,
	"plain-http": (endpoint) => `http://chatapi.viber.com/pa/${endpoint}`,
	"same-origin": (endpoint) => `/elsewhere/${endpoint}`,
};

let seen = [];

export default {
	async fetch(request) {
		const url = new URL(request.url);
		if (url.pathname === "/_seen") return Response.json(seen);
		if (url.pathname === "/_reset") {
			seen = [];
			return Response.json({ ok: true });
		}
		seen.push({ url: request.url, token: request.headers.get("x-viber-auth-token") });
		const [, kind, status, target, endpoint] = url.pathname.split("/");
		if (kind === "redirect" && TARGETS[target]) {
			return new Response("moved", {
				status: Number(status),
				headers: { location: TARGETS[target](endpoint) },
			});
		}
		return Response.json({ status: 0, status_message: "ok", message_token: 1, chat_hostname: "x" });
	},
};

/**
 * The bot's port in `npm run dev`: passes requests to the bot's `wrangler dev`, except while the
 * bot does not build. wrangler then holds requests until the code is fixed (a callback waited ten
 * minutes); here they get a 503 at once with the build error, which the chat page's log shows.
 */
import { createServer, request as forward } from "node:http";

/**
 * Starts the proxy on 127.0.0.1:`port` in front of 127.0.0.1:`target`. `brokenBuild()` returns
 * the error text while the build is broken, else `undefined`. The returned `failPending` answers
 * every request still waiting for the bot with that error (call it when the build breaks).
 * `onRefused(method, path)` is told of each request answered so (wrangler never sees them).
 */
export async function startBotProxy({ port, target, brokenBuild, onRefused }) {
	const pending = new Set();
	const refuse = (req, res, text) => {
		if (res.writableEnded) return;
		onRefused?.(req.method, req.url);
		if (res.headersSent) return res.destroy();
		res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "5" });
		res.end(`${text}\n`);
	};

	const server = createServer((req, res) => {
		const broken = brokenBuild();
		if (broken) return refuse(req, res, broken);
		const upstream = forward(
			{ host: "127.0.0.1", port: target, method: req.method, path: req.url, headers: req.headers },
			(answer) => {
				pending.delete(entry);
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		const entry = { req, res, upstream };
		pending.add(entry);
		upstream.on("error", (error) => {
			pending.delete(entry);
			refuse(
				req,
				res,
				brokenBuild() ?? `The bot's wrangler dev is not reachable: ${error.message}`,
			);
		});
		res.on("close", () => {
			pending.delete(entry);
			upstream.destroy();
		});
		req.pipe(upstream);
	});
	await new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen({ port, host: "127.0.0.1", exclusive: true }, resolve);
	});

	return {
		server,
		failPending(text) {
			for (const { req, res, upstream } of pending) {
				refuse(req, res, text);
				upstream.destroy();
			}
			pending.clear();
		},
	};
}

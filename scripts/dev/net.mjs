/** The Node side of the port checks: whether a port is free on 127.0.0.1, and a free one. */
import { createServer } from "node:net";

function listenOn(port) {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.once("error", reject);
		server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
			const { port: bound } = server.address();
			server.close(() => resolve(bound));
		});
	});
}

/** Whether nothing listens on 127.0.0.1:`port` (nor on all addresses). */
export async function isPortFree(port) {
	try {
		await listenOn(port);
		return true;
	} catch (error) {
		if (error.code === "EADDRINUSE" || error.code === "EACCES") return false;
		throw error;
	}
}

/** A port the system says is free now, for a server only `npm run dev` itself talks to. */
export function freePort() {
	return listenOn(0);
}

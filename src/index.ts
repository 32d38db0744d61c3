import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";

const app = new Hono<{ Bindings: Env }>();
app.get("/health", (c) => c.text("ok"));
app.get("/t", async (c) => {
	const r = await fetch(`${c.env.VIBER_API_URL}/send_message`, { method: "POST", body: "{}" });
	return c.text(await r.text());
});
export class Subscriber extends DurableObject<Env> {
	async ping() {
		return 1;
	}
}
export default { fetch: app.fetch } satisfies ExportedHandler<Env>;

import { Hono } from "hono";

const app = new Hono();
app.post("/pa/send_message", (c) =>
	c.text('{"status":0,"status_message":"ok","message_token":5466394919049723652}', 200, {
		"content-type": "application/json",
	}),
);
export default app;

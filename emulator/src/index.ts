/** The fake Viber API worker: Viber's endpoints under `/pa/`, test controls under `/_fake/`. */
import { Hono } from "hono";
import { api } from "./api";
import { control } from "./control";
import { NetworkFault } from "./faults";

const app = new Hono();
app.route("/pa", api);
app.route("/_fake", control);

app.onError((error, c) => {
	// Escaping the worker is what makes the caller's fetch reject (see NetworkFault).
	if (error instanceof NetworkFault) throw error;
	return c.text(`fake Viber API error: ${error.message}`, 500);
});

export default app;

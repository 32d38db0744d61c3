/**
 * The worker's entry: it only wires. Your bot lives in `src/bot.ts`.
 *
 * - `fetch`: `GET /health`, and `POST /webhook` where Viber posts its callbacks
 * - `Subscriber`: the Durable Object that keeps each user's state and runs your handlers
 */
import bot from "./bot";
import { SubscriberObject } from "./subscriber/subscriber";
import { createApp } from "./webhook/app";

const app = createApp(bot);

export class Subscriber extends SubscriberObject {
	protected readonly bot = bot;
}

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;

/**
 * The worker's entry: it only wires. Your bot lives in `src/bot.ts`.
 *
 * - `fetch`: `GET /health`, `POST /webhook` where Viber posts its callbacks, `/admin/broadcasts`
 * - `Subscriber`: the Durable Object that keeps each user's state and runs your handlers
 * - `scheduled`: your cron jobs (`bot.cron`); `queue`: broadcasts, paced and sent once
 * - `Roster`, `BroadcastLedger`, `BroadcastPacer`, `BroadcastReceipts`: broadcast bookkeeping
 */
import bot from "./bot";
import { adminRoutes, proactiveHandlers } from "./proactive";
import { SubscriberObject } from "./subscriber/subscriber";
import { createApp } from "./webhook/app";

const app = createApp(bot);
// Broadcasts from the CLI: bearer-authenticated (see src/proactive/admin.ts).
app.route("/admin", adminRoutes());

export class Subscriber extends SubscriberObject {
	protected readonly bot = bot;
}

export {
	BroadcastLedger,
	BroadcastPacer,
	BroadcastReceipts,
	Roster,
} from "./proactive";

export default { fetch: app.fetch, ...proactiveHandlers(bot) } satisfies ExportedHandler<Env>;

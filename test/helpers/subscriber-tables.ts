/** What a user's Subscriber object holds: its tables, by name. */
import { runInDurableObject } from "cloudflare:test";
import { subscriber } from "./callbacks";

/** The tables in a user's object, sorted (workerd's own `_cf` tables and `sqlite_sequence` left out). */
export const subscriberTables = (userId: string) =>
	runInDurableObject(subscriber(userId), (_, state) =>
		state.storage.sql
			.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
			.toArray()
			.map((r) => r.name)
			.filter((name) => !name.startsWith("_cf") && name !== "sqlite_sequence"),
	);

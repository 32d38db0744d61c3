/**
 * Keeps the roster in step with a Subscriber: called after each state change; it writes to the
 * roster only when what the roster holds of the user changed (or was never written, which
 * picks up users who subscribed before the roster existed).
 */
import type { Sql } from "../subscriber/schema";
import type { SubscriberProfile } from "../subscriber/store";
import { applyToRoster } from "./roster-client";

/** The roster's session field moves at most hourly: lagging, it only ever narrows `sessionOpen`. */
const HOUR_MS = 60 * 60 * 1000;

function snapshot(p: SubscriberProfile) {
	const lastInboundAt =
		p.lastInboundAt === undefined ? undefined : p.lastInboundAt - (p.lastInboundAt % HOUR_MS);
	return {
		userId: p.userId,
		state: p.state,
		language: p.language,
		country: p.country,
		apiVersion: p.apiVersion,
		lastInboundAt,
	};
}

/**
 * Brings the user's roster entry up to date with `profile`. Never throws: a failed write is
 * logged and made again on the user's next event.
 */
export async function syncRoster(
	env: Env,
	sql: Sql,
	profile: SubscriberProfile | undefined,
): Promise<void> {
	if (!profile || profile.state === "unknown") return;
	const wanted = JSON.stringify(snapshot(profile));
	const row = sql
		.exec<{ version: number; synced: string | null }>("SELECT version, synced FROM roster_sync")
		.toArray()[0];
	if (row?.synced === wanted) return;
	// The version goes up before the write, so a slower earlier write cannot overwrite this one.
	const version = (row?.version ?? 0) + 1;
	sql.exec(
		"INSERT INTO roster_sync (singleton, version) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
		version,
	);
	try {
		await applyToRoster(env, { ...snapshot(profile), version });
		sql.exec("UPDATE roster_sync SET synced = ? WHERE version = ?", wanted, version);
	} catch (error) {
		console.error(`Roster update for a user failed, retried on their next event: ${error}`);
	}
}

/**
 * Keeps the roster in step with a Subscriber: called after each state change; it writes to the
 * roster only when what the roster holds of the user changed (or was never written, which
 * picks up users who subscribed before the roster existed).
 */
import type { SubscriberProfile, SubscriberStore } from "../subscriber/store";
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
 * Brings the user's roster entry up to date with what `store` holds. Never throws: a failed
 * write is logged and made again on the user's next event.
 */
export async function syncRoster(
	env: Env,
	store: SubscriberStore,
	waitUntil: (promise: Promise<unknown>) => void,
): Promise<void> {
	const profile = store.profile();
	if (!profile || profile.state === "unknown") return;
	const wanted = JSON.stringify(snapshot(profile));
	if (store.rosterSynced() === wanted) return;
	const version = store.nextRosterVersion(Date.now());
	try {
		await applyToRoster(env, { ...snapshot(profile), version }, waitUntil);
		store.rosterSyncedAs(wanted, version);
	} catch (error) {
		console.error(`Roster update for a user failed, retried on their next event: ${error}`);
	}
}

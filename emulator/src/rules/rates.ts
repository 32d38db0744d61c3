/**
 * Viber's rate and size caps: 100 unreplied sends/user/hour, 500 broadcasts/10 s, 2
 * get_user_details/user/12 h, id lists (§2.8).
 */
import { type Rejection, reject } from "./message";

const HOUR_MS = 60 * 60 * 1000;
// A NUL cannot occur in a token or a user id, so the pair never collides.
const pairKey = (token: string, userId: string) => `${token}\u0000${userId}`;

/** Timestamps per key within a sliding window; the oldest drop out as `now` moves on. */
class WindowLog {
	private readonly log = new Map<string, number[]>();

	constructor(private readonly windowMs: number) {}

	/** The times under `key` still inside the window at `now`, oldest first. */
	times(key: string, now: number): number[] {
		const kept = (this.log.get(key) ?? []).filter((t) => t > now - this.windowMs);
		// Forget empty keys so a long-running emulator does not keep every user it ever saw.
		if (kept.length === 0) this.log.delete(key);
		else this.log.set(key, kept);
		return kept;
	}

	add(key: string, now: number): void {
		this.log.set(key, [...this.times(key, now), now]);
	}

	clear(key: string): void {
		this.log.delete(key);
	}

	/** Forgets every key that starts with `prefix`. */
	clearPrefix(prefix: string): void {
		for (const key of this.log.keys()) if (key.startsWith(prefix)) this.log.delete(key);
	}

	/**
	 * Status 12 when `key` has `max` times inside the window at `now`; `explain` gets the whole
	 * seconds until the oldest of them leaves it.
	 */
	refuseWhenFull(
		key: string,
		now: number,
		max: number,
		explain: (waitSeconds: number) => string,
	): Rejection | undefined {
		const times = this.times(key, now);
		if (times.length < max) return undefined;
		const wait = Math.ceil(((times[0] ?? now) + this.windowMs - now) / 1000);
		return reject(12, explain(wait));
	}
}

/** At most `max` events per bot token and user within a sliding window, else status 12. */
abstract class PerUserCap {
	protected readonly window: WindowLog;

	constructor(
		protected readonly max: number,
		windowMs: number,
	) {
		this.window = new WindowLog(windowMs);
	}

	/** Why the next event is refused, given the seconds until one leaves the window. */
	protected abstract explain(waitSeconds: number): string;

	/** Status 12 when `max` events for this user fall in the window ending at `now`. */
	check(token: string, userId: string, now: number): Rejection | undefined {
		return this.window.refuseWhenFull(pairKey(token, userId), now, this.max, (wait) =>
			this.explain(wait),
		);
	}

	protected add(token: string, userId: string, now: number): void {
		this.window.add(pairKey(token, userId), now);
	}
}

/**
 * Viber's cap of 100 messages to one user within an hour without a reply from them (§2.2): it
 * keeps the times of the unreplied sends of the last hour, per bot token and user.
 *
 * @example
 * const unreplied = new UnrepliedCounter();
 * unreplied.check(token, userId, Date.now()) ?? unreplied.sent(token, userId, Date.now());
 * unreplied.replied(token, userId); // on any message from the user
 */
export class UnrepliedCounter extends PerUserCap {
	constructor(max = 100, windowMs = HOUR_MS) {
		super(max, windowMs);
	}

	protected explain(wait: number): string {
		return (
			`${this.max} messages to this user in the last hour without a reply; ` +
			`the next is allowed in ${wait} s, or as soon as the user replies`
		);
	}

	/** Counts a message accepted for the user at `now`. */
	sent(token: string, userId: string, now: number): void {
		this.add(token, userId, now);
	}

	/** The user sent something: the counter starts over. */
	replied(token: string, userId: string): void {
		this.window.clear(pairKey(token, userId));
	}
}

/**
 * Viber's cap of 500 `broadcast_message` requests per 10 seconds per bot token (§2.3).
 *
 * @example
 * const pacer = new BroadcastPacer();
 * const refusal = pacer.check(token, now);
 * if (!refusal) pacer.record(token, now);
 */
export class BroadcastPacer {
	private readonly window: WindowLog;

	constructor(
		private readonly max = 500,
		windowMs = 10_000,
	) {
		this.window = new WindowLog(windowMs);
	}

	/** Status 12 when the token made `max` broadcast requests in the last 10 s. */
	check(token: string, now: number): Rejection | undefined {
		return this.window.refuseWhenFull(
			token,
			now,
			this.max,
			(wait) =>
				`${this.max} broadcast_message requests in the last 10 s; the next is allowed in ${wait} s`,
		);
	}

	/** Counts a broadcast request accepted at `now`. */
	record(token: string, now: number): void {
		this.window.add(token, now);
	}
}

/**
 * Viber's cap of 2 `get_user_details` calls per user id per 12 hours (§2.5), per bot token.
 *
 * @example
 * const cap = new UserDetailsCap();
 * cap.check(token, userId, now) ?? cap.record(token, userId, now);
 */
export class UserDetailsCap extends PerUserCap {
	constructor(max = 2, windowMs = 12 * HOUR_MS) {
		super(max, windowMs);
	}

	protected explain(wait: number): string {
		return (
			`get_user_details is limited to ${this.max} calls per user in 12 hours: ` +
			`the next for this user is allowed in ${wait} s. Cache the answer`
		);
	}

	/** Counts a call answered for the user at `now`. */
	record(token: string, userId: string, now: number): void {
		this.add(token, userId, now);
	}

	/** Forgets one token's calls (`/_fake/reset`). */
	forget(token: string): void {
		this.window.clearPrefix(pairKey(token, ""));
	}
}

/**
 * Checks a list of user ids: `broadcast_list` (at most 300, §2.3) or `get_online`'s `ids` (at
 * most 100, §2.6). Status 4 when absent, 3 when not a non-empty list of at most `max` strings.
 *
 * @example checkIdList(body.ids, "ids", 100) // undefined, or { status: 3, message: "badData: ids: ..." }
 */
export function checkIdList(
	list: unknown,
	key: "broadcast_list" | "ids",
	max: number,
): Rejection | undefined {
	if (list === undefined) return reject(4, key);
	if (!Array.isArray(list)) return reject(3, `${key}: must be a list of user ids`);
	if (list.length === 0) return reject(3, `${key}: at least 1 user id`);
	if (list.length > max) {
		return reject(3, `${key}: at most ${max} user ids per request, got ${list.length}`);
	}
	const bad = list.findIndex((id) => typeof id !== "string" || id === "");
	if (bad >= 0) return reject(3, `${key}[${bad}]: must be a user id string`);
	return undefined;
}

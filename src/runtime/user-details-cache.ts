/**
 * `get_user_details` answers kept 12 h in the user's own Subscriber: Viber allows 2 calls per
 * user per 12 hours (viber-api.md §2.5), so every request and isolate shares one cached answer.
 */
import type { UserDetailsResponse } from "../viber/schemas/responses";

/** How long an answer is used before Viber is asked again. */
export const USER_DETAILS_TTL_MS = 12 * 60 * 60 * 1000;
/** The Durable Object storage key of the cached answer. */
export const USER_DETAILS_KEY = "user-details";

/** A cached answer and when (epoch ms) Viber gave it. */
export type CachedUserDetails = { at: number; details: UserDetailsResponse };

/** Calls already on their way, per object: concurrent callers share one (one per user object). */
const inFlight = new WeakMap<DurableObjectStorage, Promise<UserDetailsResponse>>();

/**
 * The user's details from `storage` when fetched less than 12 h ago, else from `fetchDetails`
 * (once, however many callers wait), stored for the next 12 h. A failed call is not stored.
 *
 * @example
 * const details = await cachedUserDetails(this.ctx.storage, () => viber.getUserDetails(id));
 */
export async function cachedUserDetails(
	storage: DurableObjectStorage,
	fetchDetails: () => Promise<UserDetailsResponse>,
	now: () => number = Date.now,
): Promise<UserDetailsResponse> {
	const cached = await storage.get<CachedUserDetails>(USER_DETAILS_KEY);
	if (cached && now() - cached.at < USER_DETAILS_TTL_MS) return cached.details;
	const pending = inFlight.get(storage);
	if (pending) return pending;
	const call = (async () => {
		const details = await fetchDetails();
		await storage.put(USER_DETAILS_KEY, { at: now(), details } satisfies CachedUserDetails);
		return details;
	})();
	inFlight.set(storage, call);
	try {
		return await call;
	} finally {
		inFlight.delete(storage);
	}
}

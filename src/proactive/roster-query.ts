/** Roster filters: which subscribers a listing or a broadcast covers, as SQL over the roster table. */

/** Stored profile fields a broadcast or listing can be limited to; every field given must match. */
export interface SubscriberFilter {
	/** The user's language as Viber reports it, e.g. "en" (one, or any of several). */
	language?: string | string[];
	/** The user's country code, e.g. "UA" (one, or any of several). */
	country?: string | string[];
	/** Only users whose Viber supports at least this API version. */
	minApiVersion?: number;
	/** Only users whose 24-hour session is open: they wrote within the last 24 hours. */
	sessionOpen?: boolean;
}

/** How long a session stays open after the user's last message (viber-api.md §3.6). */
export const SESSION_MS = 24 * 60 * 60 * 1000;
/** Longest value list in one filter field. */
const MAX_VALUES = 100;

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** `WHERE` clause and its bindings for subscribed users matching `filter`, after `after` by id. */
export function whereSubscribed(
	filter: SubscriberFilter,
	now: number,
): { sql: string; args: SqlStorageValue[] } {
	const parts = ["state = 'subscribed'"];
	const args: SqlStorageValue[] = [];
	for (const field of ["language", "country"] as const) {
		const value = filter[field];
		if (value === undefined) continue;
		const values = list(value);
		if (values.length === 0 || values.length > MAX_VALUES) {
			throw new Error(`filter.${field}: give 1 to ${MAX_VALUES} values`);
		}
		parts.push(`${field} IN (${values.map(() => "?").join(", ")})`);
		args.push(...values);
	}
	if (filter.minApiVersion !== undefined) {
		parts.push("api_version >= ?");
		args.push(filter.minApiVersion);
	}
	if (filter.sessionOpen) {
		parts.push("last_inbound_at > ?");
		args.push(now - SESSION_MS);
	}
	return { sql: parts.join(" AND "), args };
}

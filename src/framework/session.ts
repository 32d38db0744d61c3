/** Sessions that evolve: a stored session meets the bot's current shape when it is loaded. */

/**
 * Turns a session stored by an earlier version of the bot into the current shape. It runs on
 * every load, before missing fields get their defaults, so it must leave a current session as
 * it is.
 *
 * @example
 * // `count` was renamed `visits`:
 * const migrateSession: MigrateSession<{ visits: number }> = ({ count, ...rest }) =>
 * 	count === undefined ? rest : { ...rest, visits: Number(count) };
 */
export type MigrateSession<S> = (stored: Record<string, unknown>) => Partial<S>;

export interface SessionOptions<S> {
	/** The session a user starts with, and the defaults of fields a stored session lacks. */
	initialSession?: () => S;
	/** Turns a session stored in an older shape into the current one (see `MigrateSession`). */
	migrateSession?: MigrateSession<S>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The session handlers see: the initial one for a new user; else the stored one, migrated, over
 * the initial one (a shallow merge), so fields added since it was saved have their defaults.
 */
export function restoreSession<S extends object>(stored: unknown, options: SessionOptions<S>): S {
	const initial = options.initialSession?.() ?? ({} as S);
	if (stored === undefined || stored === null) return initial;
	if (!isRecord(stored)) return stored as S;
	const current = options.migrateSession ? options.migrateSession(stored) : stored;
	return isRecord(initial) ? ({ ...initial, ...current } as S) : (current as S);
}

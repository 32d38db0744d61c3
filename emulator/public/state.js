/** What the chat page shares between its parts: the test users and the one selected. */

/**
 * @typedef {{ id: string; name: string; avatar?: string; language: string; country: string;
 *   api_version: number; phone: string; subscribed: boolean }} User
 */

/**
 * The page's one shared state. The sidebar lists `users`; the conversation shows `user`, the
 * latest copy of the selected one (`userId`), and keeps `users` up to date with it.
 *
 * @example const user = state.users.find((u) => u.id === state.userId);
 */
export const state = {
	/** @type {User[]} */ users: [],
	/** @type {string | undefined} */ userId: undefined,
	/** @type {User | undefined} */ user: undefined,
};

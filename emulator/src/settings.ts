/** Per-token emulator settings: receipt timing and the faults the chat page can switch on. */
import * as v from "valibot";

const share = v.pipe(v.number(), v.minValue(0), v.maxValue(1));
const ms = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(60_000));

export const SettingsSchema = v.strictObject({
	/** `delivered` follows a send after this, `seen` after as much again. */
	receiptDelayMs: ms,
	/** Share of API calls answered HTTP 503. */
	apiErrorRate: share,
	/** Share of API calls answered status 12 (tooManyRequests). */
	tooManyRequestsRate: share,
	/** Added to every API answer. */
	apiDelayMs: ms,
	/** Share of callbacks sent twice. */
	duplicateCallbacks: share,
	/** Hold each callback back a random 0..300 ms, so that callbacks may overtake each other. */
	reorderCallbacks: v.boolean(),
	/**
	 * Viber's account rules: no send before `set_webhook` (10), receivers must be users who
	 * subscribed (6, or 5 for an unknown id), `get_user_details` only for known users. Off, the
	 * token gets a bare fake API for unit tests of a client: anyone not marked unsubscribed is.
	 */
	strict: v.boolean(),
});
export type Settings = v.InferOutput<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
	receiptDelayMs: 400,
	apiErrorRate: 0,
	tooManyRequestsRate: 0,
	apiDelayMs: 0,
	duplicateCallbacks: 0,
	reorderCallbacks: false,
	strict: true,
};

export const SettingsPatchSchema = v.partial(SettingsSchema);

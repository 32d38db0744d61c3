/** Effectively-once sends: what a run of the handlers did, replayed to the retries of the same event. */
import type { BotApi } from "../framework/api";
import { ViberTransportError } from "../viber/transport-error";

/** One effect of a run, by its position among the run's effects. */
export interface EffectRecord {
	/** 0 for the run's first send, 1 for the second, … */
	pos: number;
	/** The call and a digest of its arguments: a retry that asks for something else calls Viber. */
	what: string;
	/** Viber's answer, when it answered. */
	answer?: unknown;
	/** Why the outcome is unknown, when the answer broke off after Viber began it. */
	unknown?: string;
}

const UNKNOWN_PREFIX = "Delivery unknown:";
const UNKNOWN_SUFFIX = "; it is not sent again";

/**
 * A send whose answer broke off after Viber had begun answering (an HTTP status arrived): the
 * message was most likely delivered, so it is never sent again automatically. A retry of the
 * event gets this error again at the same place instead of a second message.
 */
export class DeliveryUnknownError extends Error {
	override readonly name = "DeliveryUnknownError";
	constructor(detail: string, options?: ErrorOptions) {
		super(`${UNKNOWN_PREFIX} ${detail}${UNKNOWN_SUFFIX}`, options);
	}

	/** The error for `error`, which `isOutcomeUnknown` accepted. */
	static from(error: unknown): DeliveryUnknownError {
		if (error instanceof DeliveryUnknownError) return error;
		const message = error instanceof Error ? error.message : String(error);
		const detail = message.replace(UNKNOWN_PREFIX, "").replace(UNKNOWN_SUFFIX, "").trim();
		return new DeliveryUnknownError(detail, { cause: error });
	}
}

/** Whether an error means Viber began answering a delivering call that then broke off. */
export function isOutcomeUnknown(error: unknown): boolean {
	if (error instanceof DeliveryUnknownError) return true;
	if (error instanceof ViberTransportError) {
		return (
			error.kind === "response" || (error.kind === "network" && error.httpStatus !== undefined)
		);
	}
	// Over RPC (a send to another user's Subscriber) only the message survives.
	return error instanceof Error && error.message.startsWith(UNKNOWN_PREFIX);
}

/** FNV-1a: a cheap digest telling whether a retry makes the same call. */
function digest(text: string): string {
	let hash = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		hash ^= text.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return (hash >>> 0).toString(36);
}

/**
 * The effects of one event across its runs. `save` must store the records durably before the
 * caller goes on: then a crash or a throw after a send cannot make the retry send again.
 */
export class EffectJournal {
	private next = 0;
	private closed = false;

	constructor(
		private readonly records: EffectRecord[],
		private readonly save: (records: EffectRecord[]) => void,
	) {}

	/** Runs `effect` unless an earlier run did the same call at this position; then replays it. */
	async run<T>(call: string, args: unknown, effect: () => Promise<T>): Promise<T> {
		const pos = this.next++;
		const what = `${call}:${digest(JSON.stringify(args))}`;
		const earlier = this.records.find((r) => r.pos === pos && r.what === what);
		if (earlier?.unknown !== undefined) throw DeliveryUnknownError.from(new Error(earlier.unknown));
		if (earlier) return earlier.answer as T;
		try {
			const answer = await effect();
			this.keep({ pos, what, answer });
			return answer;
		} catch (error) {
			if (!isOutcomeUnknown(error)) throw error;
			const unknown = DeliveryUnknownError.from(error);
			this.keep({ pos, what, unknown: unknown.message });
			throw unknown;
		}
	}

	/** The event is done: effects that end later are not saved (nothing will replay them). */
	close(): void {
		this.closed = true;
	}

	private keep(record: EffectRecord): void {
		if (this.closed) return;
		const i = this.records.findIndex((r) => r.pos === record.pos);
		if (i >= 0) this.records[i] = record;
		else this.records.push(record);
		this.save(this.records);
	}
}

/** `ctx.api` whose delivering calls (sends, broadcasts) go through the event's journal. */
export function journaledApi(api: BotApi, journal: EffectJournal): BotApi {
	return {
		...api,
		sendMessage: (receiver, message) =>
			journal.run("send_message", [receiver, message], () => api.sendMessage(receiver, message)),
		broadcastMessage: (receivers, message) =>
			journal.run("broadcast_message", [receivers, message], () =>
				api.broadcastMessage(receivers, message),
			),
	};
}

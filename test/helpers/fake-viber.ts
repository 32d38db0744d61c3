/** Typed access to the fake Viber API's `/_fake/` controls, through the FAKE_VIBER binding. */
import { env } from "cloudflare:workers";
import type { FaultRule, RecordedRequest, RequestFilter } from "../../emulator/src/types";
import { parseJson } from "../../src/viber/json";

export type { FaultRule, RecordedRequest, RequestFilter };

async function control(path: string, body?: unknown): Promise<unknown> {
	const init = body === undefined ? {} : { method: "POST", body: JSON.stringify(body) };
	const res = await env.FAKE_VIBER.fetch(`http://fake-viber/_fake/${path}`, init);
	const text = await res.text();
	if (!res.ok) throw new Error(`fake Viber ${path}: HTTP ${res.status} ${text}`);
	return parseJson(text);
}

function unsubscribeArgs(a: string, b?: string) {
	return b === undefined ? { receiver: a } : { token: a, receiver: b };
}

export const fakeViber = {
	/**
	 * Requests the fake received, oldest first; `receiver` also matches broadcast and online lists.
	 *
	 * @example const [sent] = await fakeViber.requests({ token, endpoint: "send_message" });
	 */
	async requests(filter: RequestFilter = {}): Promise<RecordedRequest[]> {
		const query = new URLSearchParams(
			Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined),
		);
		const { requests } = (await control(`requests?${query}`)) as { requests: RecordedRequest[] };
		return requests;
	},

	/** The texts of the `send_message` requests to `receiver`, oldest first. */
	async sentTexts(receiver: string): Promise<unknown[]> {
		const sent = await fakeViber.requests({ endpoint: "send_message", receiver });
		return sent.map((r) => r.body.text);
	},

	/**
	 * Scripts a failure for the next `times` (default 1) matching requests.
	 *
	 * @example await fakeViber.fault({ token, endpoint: "send_message", status: 12 });
	 */
	async fault(rule: FaultRule): Promise<void> {
		await control("faults", rule);
	},

	/**
	 * Makes sends to `receiver` fail with status 6: for one token, or for every token when only
	 * the receiver is given.
	 *
	 * @example await fakeViber.unsubscribe(token, userId);
	 */
	async unsubscribe(tokenOrReceiver: string, receiver?: string): Promise<void> {
		await control("unsubscribe", unsubscribeArgs(tokenOrReceiver, receiver));
	},

	/** Undoes `unsubscribe`. @example await fakeViber.subscribe(token, userId); */
	async subscribe(tokenOrReceiver: string, receiver?: string): Promise<void> {
		await control("subscribe", unsubscribeArgs(tokenOrReceiver, receiver));
	},

	/** Forgets one token's requests, faults, users and webhook. @example await fakeViber.reset(token); */
	async reset(token: string): Promise<void> {
		await control("reset", { token });
	},
};

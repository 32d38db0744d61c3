/** The fake's in-memory state, scoped by bot token so parallel tests never see each other. */
import type { FaultRule, RecordedRequest, RequestFilter } from "./types";

/** Oldest requests of a token are dropped past this, so a long `wrangler dev` stays small. */
const MAX_REQUESTS_PER_TOKEN = 10_000;
/** Stands for "every token" in unsubscribe marks made without one. */
const ANY_TOKEN = "*";

type Fault = FaultRule & { left: number };
type Webhook = { url: string; event_types?: string[] };

const requests = new Map<string, RecordedRequest[]>();
let faults: Fault[] = [];
const unsubscribed = new Set<string>();
const webhooks = new Map<string, Webhook>();
let nextId = 1;

/** Every user id a request addresses. */
export function addressees(body: Record<string, unknown>): string[] {
	const ids: unknown[] = [body.receiver, body.id];
	for (const key of ["broadcast_list", "ids"]) {
		const list = body[key];
		if (Array.isArray(list)) ids.push(...list);
	}
	return ids.filter((id): id is string => typeof id === "string");
}

function matches(filter: RequestFilter, r: Omit<RecordedRequest, "id" | "at">): boolean {
	if (filter.token !== undefined && filter.token !== r.token) return false;
	if (filter.endpoint !== undefined && filter.endpoint !== r.endpoint) return false;
	return filter.receiver === undefined || addressees(r.body).includes(filter.receiver);
}

/** Stores a request and returns it with its id and time. */
export function record(request: Omit<RecordedRequest, "id" | "at">): RecordedRequest {
	const stored = { id: nextId++, at: Date.now(), ...request };
	const list = requests.get(request.token) ?? [];
	list.push(stored);
	if (list.length > MAX_REQUESTS_PER_TOKEN) list.shift();
	requests.set(request.token, list);
	return stored;
}

/** Recorded requests matching `filter`, in arrival order. */
export function listRequests(filter: RequestFilter): RecordedRequest[] {
	const lists =
		filter.token === undefined ? [...requests.values()] : [requests.get(filter.token) ?? []];
	return lists
		.flat()
		.filter((r) => matches(filter, r))
		.sort((a, b) => a.id - b.id);
}

export function addFault(rule: FaultRule): void {
	faults.push({ ...rule, left: rule.times ?? 1 });
}

/** The oldest fault rule matching the request, used up by one. */
export function takeFault(request: Omit<RecordedRequest, "id" | "at">): FaultRule | undefined {
	const fault = faults.find((f) => f.left > 0 && matches(f, request));
	if (!fault) return undefined;
	fault.left -= 1;
	faults = faults.filter((f) => f.left > 0);
	return fault;
}

/**
 * Marks a receiver unsubscribed (or subscribed again) for one token, or for every token when none
 * is given.
 */
export function setSubscribed(receiver: string, subscribed: boolean, token?: string): void {
	const key = `${token ?? ANY_TOKEN}\n${receiver}`;
	if (!subscribed) unsubscribed.add(key);
	else if (token !== undefined) unsubscribed.delete(key);
	else for (const k of unsubscribed) if (k.endsWith(`\n${receiver}`)) unsubscribed.delete(k);
}

export function isSubscribed(token: string, receiver: string): boolean {
	return (
		!unsubscribed.has(`${token}\n${receiver}`) && !unsubscribed.has(`${ANY_TOKEN}\n${receiver}`)
	);
}

export function setWebhook(token: string, webhook: Webhook): void {
	webhooks.set(token, webhook);
}

export function getWebhook(token: string): Webhook | undefined {
	return webhooks.get(token);
}

/** Forgets one token's requests, faults, unsubscribed users and webhook. */
export function reset(token: string): void {
	requests.delete(token);
	faults = faults.filter((f) => f.token !== token);
	for (const key of unsubscribed) if (key.startsWith(`${token}\n`)) unsubscribed.delete(key);
	webhooks.delete(token);
}

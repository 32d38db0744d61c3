/** Which recorded requests or scripted faults a request matches. */
import type { RequestFilter } from "./types";

/** Every user id a request addresses. */
export function addressees(body: Record<string, unknown>): string[] {
	const ids: unknown[] = [body.receiver, body.id];
	for (const key of ["broadcast_list", "ids"]) {
		const list = body[key];
		if (Array.isArray(list)) ids.push(...list);
	}
	return ids.filter((id): id is string => typeof id === "string");
}

export function matchesFilter(
	filter: RequestFilter,
	request: { token: string; endpoint: string; body: Record<string, unknown> },
): boolean {
	if (filter.token !== undefined && filter.token !== request.token) return false;
	if (filter.endpoint !== undefined && filter.endpoint !== request.endpoint) return false;
	return filter.receiver === undefined || addressees(request.body).includes(filter.receiver);
}

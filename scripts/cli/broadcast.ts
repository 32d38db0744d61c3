/**
 * `npm run viber -- broadcast <text>` and `broadcast status <id>`: talks to the bot worker's
 * admin API (not to Viber), authenticated with the bearer derived from VIBER_AUTH_TOKEN.
 */
import { adminToken } from "../../src/proactive/admin-token";
import { LOCAL_DEV_TOKEN } from "./dev-vars";
import { isLocal, MISSING_TOKEN_HELP } from "./settings";

/** The worker when neither `--worker` nor `BOT_URL` names one: `npm run dev`'s bot. */
export const DEFAULT_WORKER_URL = "http://127.0.0.1:8787";

export const BROADCAST_USAGE = `Usage: npm run viber -- broadcast <text> [--country XX] [--language xx] [--session-open]
       npm run viber -- broadcast status <id>

Starts a broadcast to every subscribed user (or those matching the filters) through the bot
worker, or shows one's progress. The worker is --worker <url>, else BOT_URL, else ${DEFAULT_WORKER_URL}.`;

/** What the broadcast command needs from the outside world; tests pass their own. */
export interface BroadcastCliDeps {
	/** The environment, then `.dev.vars`, merged (environment first). */
	vars: Record<string, string | undefined>;
	fetch: typeof fetch;
	print: (text: string) => void;
	printError: (text: string) => void;
}

export interface BroadcastArgs {
	positionals: string[];
	worker?: string;
	country?: string;
	language?: string;
	sessionOpen?: boolean;
	json?: boolean;
}

type Stats = Record<string, unknown> & {
	receipts?: Record<string, number>;
	failed?: Record<string, number>;
	batches?: Record<string, number>;
};

/** Progress of a broadcast in words. */
export function describeStats(s: Stats): string {
	const pairs = (o: Record<string, number> | undefined) =>
		Object.entries(o ?? {})
			.map(([k, n]) => `${k}: ${n}`)
			.join(", ") || "none";
	return [
		`Broadcast ${s.id}: ${s.done ? "done" : "in progress"}`,
		`Receivers:  ${s.queued} queued, ${s.sent} sent, ${s.skipped} left out (unsubscribed since)`,
		`Failed:     ${pairs(s.failed)} (by Viber status)`,
		`Uncertain:  ${s.unknown} (a call that may have gone out), dead letters: ${s.dead}`,
		`Batches:    ${pairs(s.batches)}`,
		`Receipts:   ${pairs(s.receipts)}`,
	].join("\n");
}

/** Runs the command; resolves to the exit code (0 done, 1 refused or unreachable, 2 wrong usage). */
export async function broadcastCli(args: BroadcastArgs, deps: BroadcastCliDeps): Promise<number> {
	const [first, ...rest] = args.positionals;
	const statusOf = first === "status" ? rest[0] : undefined;
	if (!first || (first === "status" && (rest.length !== 1 || !statusOf))) {
		deps.printError(BROADCAST_USAGE);
		return 2;
	}
	const base = (args.worker ?? deps.vars.BOT_URL ?? DEFAULT_WORKER_URL).replace(/\/+$/, "");
	// `npm run dev`'s bot on this machine has dev's token, as the emulator does.
	const token = deps.vars.VIBER_AUTH_TOKEN || (isLocal(base) ? LOCAL_DEV_TOKEN : undefined);
	if (!token) {
		deps.printError(MISSING_TOKEN_HELP);
		return 1;
	}
	const headers = {
		authorization: `Bearer ${await adminToken(token)}`,
		"content-type": "application/json",
	};
	const filter = {
		...(args.country ? { country: args.country } : {}),
		...(args.language ? { language: args.language } : {}),
	};
	const request: RequestInit = statusOf
		? { headers }
		: {
				method: "POST",
				headers,
				body: JSON.stringify({
					text: args.positionals.join(" "),
					filter,
					sessionOpenOnly: args.sessionOpen,
				}),
			};
	const url = statusOf
		? `${base}/admin/broadcasts/${encodeURIComponent(statusOf)}`
		: `${base}/admin/broadcasts`;
	let res: Response;
	try {
		res = await deps.fetch(url, request);
	} catch (error) {
		deps.printError(
			`Cannot reach the bot at ${base}: ${error instanceof Error ? error.message : error}`,
		);
		return 1;
	}
	const answer = (await res.json().catch(() => ({}))) as Stats;
	if (!res.ok) {
		deps.printError(`The bot answered HTTP ${res.status}: ${answer.error ?? "no details"}`);
		return 1;
	}
	if (args.json) deps.print(JSON.stringify(answer, null, 2));
	else if (statusOf) deps.print(describeStats(answer));
	else
		deps.print(
			`Broadcast ${answer.id} started.\nProgress: npm run viber -- broadcast status ${answer.id}`,
		);
	return 0;
}

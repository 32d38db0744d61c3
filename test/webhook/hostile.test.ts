/**
 * Property-based hostile suite: thousands of generated requests (random and damaged bodies,
 * wrong, absent and foreign signatures, huge numbers, deep nesting, invalid UTF-8, over-size and
 * chunked bodies, wrong methods and paths, every fixture retyped) against the webhook. For each:
 * no 5xx, the documented status, no token in the answer, and nothing reaches a Durable Object or
 * a handler unless the body was signed with the bot's token and accepted.
 *
 * HOSTILE_SEED and HOSTILE_RUNS in the environment override the seed and the count
 * (vitest.config.ts hands them to the worker).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/webhook/app";
import { callbacks, newUserId, post, subscriber, TOKEN } from "../helpers/callbacks";
import { build } from "./hostile/oracle";
import { type Reached, recordingBot, recordingEnv } from "./hostile/recorder";
import { hostileRequest, type Plan } from "./hostile/requests";

const SEED = Number(env.HOSTILE_SEED || 20_261_203);
const RUNS = Number(env.HOSTILE_RUNS || 10_000);
/** Through the real worker and its Durable Objects: fewer, since each one wakes an object. */
const WIRED_RUNS = Math.max(50, Math.round(RUNS / 40));

/** Why one answer breaks the rules, or `undefined` when it keeps them. */
async function violation(
	plan: Plan,
	res: Response,
	built: { signed: boolean; allowed: number[] },
	reached: Reached[],
): Promise<string | undefined> {
	const text = await res.text();
	if (res.status >= 500) return `${res.status} ${text}`;
	if (!built.allowed.includes(res.status))
		return `${res.status}, allowed ${built.allowed}: ${text}`;
	if (text.includes(TOKEN)) return "the token is in the answer";
	const accepted = built.signed && res.status === 200;
	if (!accepted && reached.length > 0) return `reached ${JSON.stringify(reached)} though refused`;
	if (plan.known.kind === "valid" && accepted) {
		const id = plan.known.userId;
		if (!reached.some((r) => r.target === id)) return `never reached the Subscriber of ${id}`;
	}
	return undefined;
}

function report(result: fc.RunDetails<[Plan]>): string {
	// Not the counterexample itself: its body can be hundreds of KB.
	const where = `seed ${result.seed}, path "${result.counterexamplePath}"`;
	return `failed after ${result.numRuns} runs (${where}): ${String(result.errorInstance)}`;
}

function describePlan(plan: Plan): string {
	const body = plan.body ? new TextDecoder().decode(plan.body.slice(0, 200)) : "(none)";
	return `${plan.label}: ${plan.method} ${plan.path} sig=${JSON.stringify(plan.signature).slice(0, 120)} chunks=${plan.chunks} body=${body}`;
}

describe("hostile requests", () => {
	it(`keeps every rule over ${RUNS} generated requests in-process (seed ${SEED})`, async () => {
		let runs = 0;
		const labels = new Map<string, number>();
		const reached: Reached[] = [];
		const app = createApp(recordingBot(reached));
		const testEnv = recordingEnv(env, reached);
		// Mutated timestamps are ignored with a warning, as they should be: only those may appear.
		const warned: string[] = [];
		const warn = vi.spyOn(console, "warn").mockImplementation((line) => {
			warned.push(String(line));
		});
		const result = await fc.check(
			fc.asyncProperty(hostileRequest, async (plan) => {
				runs += 1;
				labels.set(plan.label, (labels.get(plan.label) ?? 0) + 1);
				reached.length = 0;
				const built = await build(plan, TOKEN);
				const ctx = createExecutionContext();
				const res = await app.fetch(built.request, testEnv, ctx);
				await waitOnExecutionContext(ctx);
				const problem = await violation(plan, res, built, reached);
				if (problem) throw new Error(`${problem}\n  ${describePlan(plan)}`);
			}),
			{ seed: SEED, numRuns: RUNS, endOnFailure: true },
		);
		warn.mockRestore();
		expect(warned.filter((line) => !line.startsWith("Ignored a signed"))).toEqual([]);
		const failures = result.failed ? 1 : 0;
		console.log(
			`hostile suite: ${runs} requests, ${failures} invariant violations (seed ${SEED}; ${[...labels].map(([l, n]) => `${l} ${n}`).join(", ")})`,
		);
		expect(result.failed, report(result)).toBe(false);
		expect(runs).toBeGreaterThanOrEqual(RUNS);
	}, 120_000);

	it(`keeps the rules through the real worker and its Durable Objects (${WIRED_RUNS} requests)`, async () => {
		let runs = 0;
		const result = await fc.check(
			fc.asyncProperty(hostileRequest, async (plan) => {
				runs += 1;
				const built = await build(plan, TOKEN);
				const res = await exports.default.fetch(built.request);
				const reached: Reached[] = [];
				if (plan.known.kind === "valid") {
					const profile = await subscriber(plan.known.userId).profile();
					if (profile) reached.push({ target: plan.known.userId, method: "profile" });
				}
				const problem = await violation(plan, res, built, reached);
				if (problem) throw new Error(`${problem}\n  ${describePlan(plan)}`);
			}),
			{ seed: SEED + 1, numRuns: WIRED_RUNS, endOnFailure: true },
		);
		console.log(
			`hostile suite (real worker): ${runs} requests, ${result.failed ? 1 : 0} invariant violations`,
		);
		expect(result.failed, report(result)).toBe(false);
		// The worker still serves a genuine callback afterwards.
		const userId = newUserId();
		expect((await post(callbacks.text(userId, "still here"))).status).toBe(200);
		expect(await subscriber(userId).profile()).not.toBeNull();
	}, 120_000);
});

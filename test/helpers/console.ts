/** Errors the code under test logs on purpose: tests claim them; any other one fails the test. */
import { afterEach, beforeEach, expect, type MockInstance, vi } from "vitest";

/**
 * Captures `console.error` and `console.warn` for each test of the calling file: in the test's isolate (where the
 * worker under test and its Durable Objects log), and in `worker` too if given (the end-to-end
 * bot, test/e2e-bot.ts). A test claims what it provokes with `logged(pattern)`; an unclaimed
 * error fails the test after it ran, so nothing unexpected goes unseen.
 *
 * @example
 * const errors = captureErrors();
 * it("…", async () => { …; await errors.logged(/Dead letter/); });
 */
export function captureErrors({ worker }: { worker?: Fetcher } = {}) {
	let lines: string[] = [];
	let spies: MockInstance<typeof console.error>[] = [];
	const fromWorker = async (method: string) => {
		if (!worker) return;
		const res = await worker.fetch("http://e2e/__test/errors", { method });
		lines.push(...(await res.json<string[]>()));
	};
	beforeEach(async () => {
		lines = [];
		const capture = (...args: unknown[]) => {
			lines.push(args.map(String).join(" "));
		};
		spies = [
			vi.spyOn(console, "error").mockImplementation(capture),
			vi.spyOn(console, "warn").mockImplementation(capture),
		];
		await fromWorker("POST");
		lines = [];
	});
	afterEach(async () => {
		for (const spy of spies) spy.mockRestore();
		await fromWorker("DELETE");
		expect(lines, "console.error or console.warn that no test expected").toEqual([]);
	});
	return {
		/** Claims the errors logged so far that match; fails when none does. */
		async logged(pattern: RegExp): Promise<string[]> {
			await fromWorker("GET");
			const claimed = lines.filter((line) => pattern.test(line));
			expect(claimed, `an error matching ${pattern}`).not.toEqual([]);
			lines = lines.filter((line) => !pattern.test(line));
			return claimed;
		},
		/** Claims the errors logged so far that match, if any: for races a test cannot pin down. */
		async allowed(pattern: RegExp): Promise<void> {
			await fromWorker("GET");
			lines = lines.filter((line) => !pattern.test(line));
		},
	};
}

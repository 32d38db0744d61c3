/** Errors the code under test logs on purpose: tests claim them; any other one fails the test. */
import { afterEach, beforeEach, expect, type MockInstance, vi } from "vitest";

/**
 * Captures `console.error` for each test of the calling file (the Durable Objects of the worker
 * under test log in the test's isolate). A test claims what it provokes with `logged(pattern)`;
 * an unclaimed error fails the test after it ran, so nothing unexpected goes unseen.
 *
 * @example
 * const errors = captureErrors();
 * it("…", async () => { …; await vi.waitFor(() => errors.logged(/Dead letter/)); });
 */
export function captureErrors() {
	let lines: string[] = [];
	let spy: MockInstance<typeof console.error> | undefined;
	beforeEach(() => {
		lines = [];
		spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
			lines.push(args.map(String).join(" "));
		});
	});
	afterEach(() => {
		spy?.mockRestore();
		expect(lines, "console.error that no test expected").toEqual([]);
	});
	return {
		/** Claims the errors logged so far that match; throws when none does. */
		logged(pattern: RegExp): string[] {
			const claimed = lines.filter((line) => pattern.test(line));
			expect(claimed, `an error matching ${pattern}`).not.toEqual([]);
			lines = lines.filter((line) => !pattern.test(line));
			return claimed;
		},
	};
}

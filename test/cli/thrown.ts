/** The message of the error a call throws, checked to be of the expected class. */

/**
 * Runs `run` and returns the message of the `ErrorClass` it throws; fails when it throws nothing
 * or something else.
 *
 * @example expect(thrown(UsageError, () => toCommand([], {}))).toBe("No command given");
 */
export function thrown(ErrorClass: new (...args: never[]) => Error, run: () => unknown): string {
	try {
		run();
	} catch (error) {
		if (error instanceof ErrorClass) return error.message;
		throw error;
	}
	throw new Error(`expected a ${ErrorClass.name}`);
}

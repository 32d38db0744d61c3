/** `npm run dev` and `npm run bench`: the ports chosen and the error for a busy one. */
import { describe, expect, it } from "vitest";
import { assertPortsFree, busyPortMessage, choosePorts, PortError } from "../../scripts/dev/ports";

async function portError(run: () => unknown): Promise<string> {
	try {
		await run();
	} catch (error) {
		if (error instanceof PortError) return error.message;
		throw error;
	}
	throw new Error("expected a PortError");
}

describe("choosePorts", () => {
	it("takes a flag over the environment over the default", () => {
		expect(choosePorts({}, {})).toEqual({ bot: 8787, emulator: 8788 });
		expect(choosePorts({}, { BOT_PORT: "9000", EMULATOR_PORT: "" })).toEqual({
			bot: 9000,
			emulator: 8788,
		});
		expect(
			choosePorts({ "bot-port": "9100" }, { BOT_PORT: "9000", EMULATOR_PORT: "9001" }),
		).toEqual({
			bot: 9100,
			emulator: 9001,
		});
	});

	it("refuses what is not a port, naming where it came from", async () => {
		expect(await portError(() => choosePorts({ "bot-port": "80a" }, {}))).toBe(
			'--bot-port: "80a" is not a port (1-65535)',
		);
		expect(await portError(() => choosePorts({}, { EMULATOR_PORT: "70000" }))).toMatch(
			/^EMULATOR_PORT: "70000"/,
		);
		expect(await portError(() => choosePorts({ "bot-port": "0" }, {}))).toMatch(/not a port/);
		expect(await portError(() => choosePorts({ "emulator-port": "8787" }, {}))).toBe(
			"The bot and the emulator cannot share port 8787",
		);
	});
});

describe("assertPortsFree", () => {
	it("names the first busy port, what it is for, and the flag and variable to move it", async () => {
		const busy = new Set([8788]);
		const isFree = async (port: number) => !busy.has(port);
		const message = await portError(() =>
			assertPortsFree({ bot: 8787, emulator: 8788 }, isFree, "npm run dev"),
		);
		expect(message).toBe(busyPortMessage("emulator", 8788, "npm run dev"));
		expect(message).toMatch(/^Port 8788 \(the emulator\) is already in use/);
		expect(message).toContain("npm run dev -- --emulator-port 8798 (or EMULATOR_PORT=8798)");
		expect(message).not.toContain("\n");
	});

	it("checks only the ports given, and passes when they are free", async () => {
		const asked: number[] = [];
		const isFree = async (port: number) => {
			asked.push(port);
			return port !== 8788;
		};
		await expect(assertPortsFree({ bot: 8787 }, isFree, "npm run dev -- --real")).resolves.toBe(
			undefined,
		);
		expect(asked).toEqual([8787]);
	});

	it("suggests a port that exists near the top of the range", () => {
		expect(busyPortMessage("bot", 65530, "npm run bench")).toContain("--bot-port 65520");
	});
});

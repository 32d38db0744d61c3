/** `npm run dev` and `npm run bench:dev`: the ports chosen and the error for a busy one. */
import { describe, expect, it } from "vitest";
import { assertPortsFree, busyPortMessage, choosePorts, PortError } from "../../scripts/dev/ports";
import { thrown } from "./thrown";

const portError = (run: () => unknown) => thrown(PortError, run);

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

	it("refuses what is not a port, naming where it came from", () => {
		expect(portError(() => choosePorts({ "bot-port": "80a" }, {}))).toBe(
			'--bot-port: "80a" is not a port (1-65535)',
		);
		expect(portError(() => choosePorts({}, { EMULATOR_PORT: "70000" }))).toMatch(
			/^EMULATOR_PORT: "70000"/,
		);
		expect(portError(() => choosePorts({ "bot-port": "0" }, {}))).toMatch(/not a port/);
		expect(portError(() => choosePorts({ "emulator-port": "8787" }, {}))).toBe(
			"The bot and the emulator cannot share port 8787",
		);
	});
});

describe("assertPortsFree", () => {
	it("names the first busy port, what it is for, and the flag and variable to move it", async () => {
		const busy = new Set([8788]);
		const isFree = async (port: number) => !busy.has(port);
		const check = assertPortsFree({ bot: 8787, emulator: 8788 }, isFree, "npm run dev");
		const error = await check.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(PortError);
		const { message } = error as PortError;
		expect(message).toBe(busyPortMessage({ emulator: 8788 }, "npm run dev"));
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

	it("names both ports when both are taken, with the flags to move both", async () => {
		const error = await assertPortsFree(
			{ bot: 8787, emulator: 8788 },
			async () => false,
			"npm run bench:dev",
		).catch((e: unknown) => e);
		expect((error as PortError).message).toBe(
			"Ports 8787 (the bot) and 8788 (the emulator) are already in use, perhaps by another `npm run dev` or `npm run bench:dev`. Stop it, or choose other ports: npm run bench:dev -- --bot-port 8797 --emulator-port 8798 (or BOT_PORT=8797 EMULATOR_PORT=8798)",
		);
	});

	it("suggests a port that exists near the top of the range", () => {
		expect(busyPortMessage({ bot: 65530 }, "npm run bench:dev")).toContain("--bot-port 65520");
	});
});

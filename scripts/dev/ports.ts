/** Which ports `npm run dev` and `npm run bench:dev` listen on, and the one-line error when one is busy. Pure. */

/** The two ports a developer sees: the bot's and the emulator's (chat page and fake Viber API). */
export type Ports = { bot: number; emulator: number };

/** The defaults: the bot on 8787 (wrangler's usual), the emulator beside it. */
export const DEFAULT_PORTS: Ports = { bot: 8787, emulator: 8788 };

/** How a developer picks each port: a flag, else an environment variable. */
export const PORT_SETTINGS = {
	bot: { flag: "--bot-port", env: "BOT_PORT" },
	emulator: { flag: "--emulator-port", env: "EMULATOR_PORT" },
} as const;

/** A port setting is not a port, or a port is taken; the message is one line. */
export class PortError extends Error {
	override readonly name = "PortError";
}

function parsePort(raw: string, where: string): number {
	const port = Number(raw);
	if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(port) || port < 1 || port > 65535) {
		throw new PortError(`${where}: "${raw}" is not a port (1-65535)`);
	}
	return port;
}

/**
 * The ports to use: each flag wins over its environment variable, which wins over the default.
 * Throws `PortError` for a value that is not a port, or for one port given to both.
 *
 * @example choosePorts({ "bot-port": "9000" }, { EMULATOR_PORT: "9001" }) // { bot: 9000, emulator: 9001 }
 */
export function choosePorts(
	flags: { "bot-port"?: string | undefined; "emulator-port"?: string | undefined },
	env: Record<string, string | undefined>,
): Ports {
	const pick = (role: keyof Ports): number => {
		const { flag, env: name } = PORT_SETTINGS[role];
		const fromFlag = flags[flag.slice(2) as "bot-port" | "emulator-port"];
		if (fromFlag !== undefined) return parsePort(fromFlag, flag);
		const fromEnv = env[name];
		if (fromEnv) return parsePort(fromEnv, name);
		return DEFAULT_PORTS[role];
	};
	const ports = { bot: pick("bot"), emulator: pick("emulator") };
	if (ports.bot === ports.emulator) {
		throw new PortError(`The bot and the emulator cannot share port ${ports.bot}`);
	}
	return ports;
}

/**
 * The one-line error for busy ports: which ports, what wanted them, and how to choose others.
 *
 * @example busyPortMessage({ bot: 8787, emulator: 8788 }, "npm run dev")
 * // "Ports 8787 (the bot) and 8788 (the emulator) are already in use, perhaps by another `npm run dev` or `npm run bench:dev`. Stop it, or choose other ports: npm run dev -- --bot-port 8797 --emulator-port 8798 (or BOT_PORT=8797 EMULATOR_PORT=8798)"
 */
export function busyPortMessage(busy: Partial<Ports>, command: string): string {
	const roles = (["bot", "emulator"] as const).filter((role) => busy[role] !== undefined);
	const port = (role: keyof Ports) => busy[role] as number;
	const other = (role: keyof Ports) =>
		port(role) + 10 > 65535 ? port(role) - 10 : port(role) + 10;
	const what = roles.map((role) => `${port(role)} (the ${role})`).join(" and ");
	const flags = roles.map((role) => `${PORT_SETTINGS[role].flag} ${other(role)}`).join(" ");
	const vars = roles.map((role) => `${PORT_SETTINGS[role].env}=${other(role)}`).join(" ");
	return (
		`${roles.length > 1 ? "Ports" : "Port"} ${what} ${roles.length > 1 ? "are" : "is"} already in use, ` +
		"perhaps by another `npm run dev` or `npm run bench:dev`. " +
		`Stop it, or choose other ports: ${command} -- ${flags} (or ${vars})`
	);
}

/**
 * Checks the ports given (`--real` runs no emulator) before anything starts; throws `PortError`
 * naming every busy one. `isFree` is the probe (in Node: can we listen on 127.0.0.1:port?).
 *
 * @example await assertPortsFree({ bot: 8787, emulator: 8788 }, isPortFree, "npm run dev");
 */
export async function assertPortsFree(
	ports: Partial<Ports>,
	isFree: (port: number) => Promise<boolean>,
	command: string,
): Promise<void> {
	const busy: Partial<Ports> = {};
	for (const role of ["bot", "emulator"] as const) {
		const port = ports[role];
		if (port !== undefined && !(await isFree(port))) busy[role] = port;
	}
	if (Object.keys(busy).length) throw new PortError(busyPortMessage(busy, command));
}

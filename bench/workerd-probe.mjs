/**
 * Looking into the workerd that Miniflare runs as a child of this process: its memory and CPU
 * from /proc, and its isolate through the inspector (heap after a full collection, a CPU profile).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** The inspector port Miniflare is given (`inspectorPort`). */
export const INSPECTOR_PORT = 8790;

/**
 * workerd's process ids (Miniflare runs it as a child of this process), looked up once per
 * Miniflare: a lookup spawns pgrep, which would stall the fake API on every sample.
 */
let workerdPids = [];
export function findWorkerd() {
	workerdPids = execFileSync("pgrep", ["-P", String(process.pid)])
		.toString()
		.trim()
		.split("\n");
}

/** Sums a figure over workerd's processes; 0 once they are gone. */
function sumProc(read) {
	try {
		return workerdPids.reduce((sum, pid) => sum + read(pid), 0);
	} catch {
		return 0;
	}
}

/** workerd's resident memory (bytes), from /proc. */
export const workerdRss = () =>
	sumProc((pid) => {
		const status = readFileSync(`/proc/${pid}/status`, "utf8");
		return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
	});

/** workerd's CPU seconds so far (user + system), from /proc. */
export const workerdCpu = () =>
	sumProc((pid) => {
		const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
		return (Number(fields[11]) + Number(fields[12])) / 100;
	});

/**
 * CPU seconds the hypervisor gave to others while this machine's CPUs wanted to run (steal, all
 * CPUs, from /proc/stat): a virtual machine's runs are slower, and vary, as this grows.
 */
export const stolenCpu = () =>
	Number(readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/)[8] ?? 0) / 100;

/** A DevTools connection to the worker's isolate (Miniflare's inspector port). */
async function inspector() {
	const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json/list`)).json();
	const target = targets.find((t) => t.id === "core:user:");
	const ws = new WebSocket(target.webSocketDebuggerUrl);
	await new Promise((r) => ws.addEventListener("open", r));
	let n = 0;
	const pending = new Map();
	ws.addEventListener("message", (e) => {
		const m = JSON.parse(e.data);
		pending.get(m.id)?.(m.result);
	});
	const send = (method, params = {}) =>
		new Promise((r) => {
			pending.set(++n, r);
			ws.send(JSON.stringify({ id: n, method, params }));
		});
	return { send, close: () => ws.close() };
}

/**
 * The isolate's JS heap after a full collection: what our objects still hold. workerd reads
 * inspector commands while the isolate runs, so a request keeps it awake meanwhile.
 */
export async function heapAfterGc(base) {
	const { send, close } = await inspector();
	const awake = async (command) => {
		const answer = send(command);
		let done = false;
		answer.then(() => {
			done = true;
		});
		while (!done) {
			await fetch(`${base}/`).then((r) => r.arrayBuffer());
			await new Promise((r) => setTimeout(r, 20));
		}
		return answer;
	};
	await awake("HeapProfiler.collectGarbage");
	const { usedSize } = await awake("Runtime.getHeapUsage");
	close();
	return usedSize;
}

/** Longest time one profile sample stands for: a few sampling intervals (V8's default is 1 ms). */
const MAX_DELTA_US = 4_000;

/** `BENCH_PROFILE=1`: samples the isolate's CPU; the returned function prints the top functions. */
export async function startProfile() {
	const { send, close } = await inspector();
	await send("Profiler.enable");
	await send("Profiler.start");
	return async () => {
		const { profile } = await send("Profiler.stop");
		close();
		const byId = new Map(profile.nodes.map((x) => [x.id, x.callFrame]));
		const parentOf = new Map(
			profile.nodes.flatMap((x) => (x.children ?? []).map((child) => [child, x.id])),
		);
		const named = (f) =>
			`${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
		// SQL statements show as `exec`: their time by the function that ran them.
		const sqlBy = new Map();
		const self = new Map();
		let total = 0;
		for (const [i, id] of profile.samples.entries()) {
			const f = byId.get(id);
			const key = named(f);
			// A sample's delta covers the time since the previous one; after the isolate slept, that
			// is the sleep, not this function's time: no sample counts for more than MAX_DELTA_US.
			const us = Math.min(profile.timeDeltas[i] ?? 0, MAX_DELTA_US);
			self.set(key, (self.get(key) ?? 0) + us);
			total += us;
			const parent = byId.get(parentOf.get(id));
			if (f.functionName === "exec" && parent) {
				sqlBy.set(named(parent), (sqlBy.get(named(parent)) ?? 0) + us);
			}
		}
		console.log(`isolate CPU profile: ${(total / 1e3).toFixed(0)} ms sampled (idle gaps left out)`);
		const top = (map, n) =>
			[...map]
				.sort((a, b) => b[1] - a[1])
				.slice(0, n)
				.map(([key, us]) => `${(us / 1e3).toFixed(0).padStart(7)} ms ${key}`);
		console.log(top(self, 25).join("\n"));
		console.log("SQL (exec) by the function that ran it:");
		console.log(top(sqlBy, 10).join("\n"));
	};
}

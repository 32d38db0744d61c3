import { describe, expect, it } from "vitest";
import { EffectJournal, type EffectRecord } from "../../src/subscriber/effects";

describe("EffectJournal", () => {
	it("saves each effect when it ends, and nothing that ends after the event was closed", async () => {
		const saved: EffectRecord[][] = [];
		const journal = new EffectJournal([], (records) => saved.push(records.map((r) => ({ ...r }))));
		expect(await journal.run("send_message", ["a", "one"], async () => "token-1")).toBe("token-1");
		expect(saved).toHaveLength(1);
		// A send the handler did not await ends after its event was done.
		let finish: (value: string) => void = () => {};
		const late = journal.run(
			"send_message",
			["a", "two"],
			() => new Promise<string>((resolve) => (finish = resolve)),
		);
		journal.close();
		finish("token-2");
		expect(await late).toBe("token-2");
		expect(saved).toHaveLength(1);
	});

	it("replays a recorded effect to a retry instead of running it again", async () => {
		const records: EffectRecord[] = [];
		const first = new EffectJournal(records, () => {});
		await first.run("send_message", ["a", "one"], async () => "token-1");
		let ran = false;
		const retry = new EffectJournal(records, () => {});
		const answer = await retry.run("send_message", ["a", "one"], async () => {
			ran = true;
			return "token-again";
		});
		expect(answer).toBe("token-1");
		expect(ran).toBe(false);
	});
});

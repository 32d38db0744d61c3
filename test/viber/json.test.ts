import { describe, expect, it } from "vitest";
import { JsonText, parseJson, stringifyJson } from "../../src/viber/json";

describe("Viber JSON", () => {
	it("writes a message_token of digits as a raw integer, every digit kept", () => {
		const text = stringifyJson({ event: "seen", message_token: "5466394919049723652", n: [1] });
		expect(text).toBe('{"event":"seen","message_token":5466394919049723652,"n":[1]}');
		expect(parseJson(text)).toEqual({
			event: "seen",
			message_token: "5466394919049723652",
			n: [1],
		});
	});

	it("writes a body without tokens exactly as JSON.stringify does", () => {
		const body = {
			broadcast_list: Array.from({ length: 300 }, (_, i) => `user-${i}==`),
			type: "text",
			text: 'quoted "message_token":"1" inside a text stays text',
		};
		expect(stringifyJson(body)).toBe(JSON.stringify(body));
	});

	it("keeps a token in a nested object and leaves a token that is not digits alone", () => {
		expect(stringifyJson({ a: { message_token: "42" }, b: { message_token: "x1" } })).toBe(
			'{"a":{"message_token":42},"b":{"message_token":"x1"}}',
		);
	});

	it("takes JSON text made elsewhere as it is", () => {
		const list = JSON.stringify(["a", "b"]);
		expect(stringifyJson(new JsonText(`{"type":"text","broadcast_list":${list}}`))).toBe(
			'{"type":"text","broadcast_list":["a","b"]}',
		);
	});
});

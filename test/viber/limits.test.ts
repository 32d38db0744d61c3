/** Outbound message limits and API levels: what `prepareMessage` refuses, fills in and infers. */
import { describe, expect, it } from "vitest";
import { ViberLimitError } from "../../src/viber/errors";
import {
	checkRequestSize,
	MAX_REQUEST_BYTES,
	minApiVersionFor,
	prepareMessage,
} from "../../src/viber/limits";
import type { Button, Keyboard, RichMedia } from "../../src/viber/schemas/keyboard";
import type { OutgoingMessage } from "../../src/viber/schemas/messages";

const defaults = { sender: { name: "Test Bot" } };

function button(overrides: Partial<Button> = {}): Button {
	return { ActionType: "reply", ActionBody: "yes", Text: "Yes", ...overrides };
}
function keyboard(overrides: Partial<Keyboard> = {}): Keyboard {
	return { Type: "keyboard", Buttons: [button()], ...overrides };
}
function richMedia(overrides: Partial<RichMedia> = {}): OutgoingMessage {
	return {
		type: "rich_media",
		rich_media: { Type: "rich_media", Buttons: [button()], ...overrides },
	};
}
function text(overrides: Record<string, unknown> = {}): OutgoingMessage {
	return { type: "text", text: "Hello", ...overrides } as OutgoingMessage;
}
/** A text message with a keyboard of these buttons. */
function withButtons(...buttons: unknown[]): OutgoingMessage {
	return text({ keyboard: keyboard({ Buttons: buttons as Button[] }) });
}

/** Runs `prepareMessage` on something that may not even type-check, and returns its error. */
function limitError(message: unknown): ViberLimitError {
	try {
		prepareMessage(message as OutgoingMessage, defaults);
	} catch (error) {
		if (error instanceof ViberLimitError) return error;
		throw error;
	}
	throw new Error("prepareMessage accepted the message");
}

/** Asserts that `prepareMessage` refuses the message for `field` breaking `limit`. */
function expectLimit(message: unknown, field: string, limit: string): ViberLimitError {
	const error = limitError(message);
	expect({ field: error.field, limit: error.limit }).toEqual({ field, limit });
	return error;
}

describe("prepareMessage", () => {
	it("fills in the default sender and min_api_version 1 when a text message has neither", () => {
		expect(prepareMessage({ type: "text", text: "Hi" }, defaults)).toEqual({
			type: "text",
			text: "Hi",
			sender: { name: "Test Bot" },
			min_api_version: 1,
		});
	});

	it("keeps the message's own sender", () => {
		const sender = { name: "Support", avatar: "https://example.com/a.png" };
		expect(prepareMessage(text({ sender }), defaults).sender).toEqual(sender);
	});

	it("accepts a text of exactly 7000 characters and refuses 7001", () => {
		expect(() => prepareMessage(text({ text: "a".repeat(7000) }), defaults)).not.toThrow();
		const error = limitError(text({ text: "a".repeat(7001) }));
		expect(error).toMatchObject({ field: "text", limit: "at most 7000 characters" });
		expect(error.message).toBe("text: at most 7000 characters");
	});

	it("refuses an empty text", () => {
		expectLimit(text({ text: "" }), "text", "must not be empty");
	});

	it("refuses a sender name of 29 characters, given or default", () => {
		const long = { name: "n".repeat(29) };
		expectLimit(text({ sender: long }), "sender.name", "at most 28 characters");
		expect(() => prepareMessage(text(), { sender: long })).toThrow(ViberLimitError);
	});

	it("refuses tracking_data of 4001 characters", () => {
		expectLimit(
			text({ tracking_data: "t".repeat(4001) }),
			"tracking_data",
			"at most 4000 characters",
		);
	});

	it("names an unknown top-level key and suggests the snake_case one", () => {
		const error = limitError(text({ trackingData: "x" }));
		expect(error).toMatchObject({ field: "trackingData", limit: "unknown field" });
		expect(error.message).toContain('"tracking_data"');
	});

	it("refuses an unknown type and a message with neither type nor keyboard", () => {
		const unknown = limitError({ type: "gif", media: "https://example.com/a.gif" });
		expect(unknown.field).toBe("type");
		expect(unknown.limit).toMatch(/^must be one of "text", "picture", .*"rich_media"$/);
		expectLimit({ text: "no type" }, "type", "required");
	});

	it("refuses a keyboard without Type or with another Type", () => {
		const { Type: _, ...untyped } = keyboard();
		expectLimit(text({ keyboard: untyped }), "keyboard.Type", "required");
		expectLimit(
			text({ keyboard: { ...keyboard(), Type: "rich_media" } }),
			"keyboard.Type",
			'must be "keyboard"',
		);
	});

	it("refuses a button without ActionBody, with an empty one or one over 250 characters", () => {
		const { ActionBody: _, ...bodiless } = button();
		const at = (b: unknown) => limitError(withButtons(button(), b as Button));
		expect(at(bodiless)).toMatchObject({
			field: "keyboard.Buttons[1].ActionBody",
			limit: "required",
		});
		expect(at(button({ ActionBody: "" })).limit).toBe("must not be empty");
		expect(at(button({ ActionBody: "b".repeat(251) })).limit).toBe("at most 250 characters");
	});

	it("refuses a button with none of Text, BgMedia, Image or BgColor", () => {
		const { Text: _, ...blank } = button();
		expectLimit(
			withButtons(blank),
			"keyboard.Buttons[0]",
			"one of Text, BgMedia, Image or BgColor",
		);
		expect(() =>
			prepareMessage(withButtons({ ...blank, BgColor: "#FF0000" }), defaults),
		).not.toThrow();
	});

	it("refuses an empty Buttons array and Rows over 7", () => {
		expectLimit(withButtons(), "keyboard.Buttons", "at least 1 item");
		expectLimit(withButtons(button({ Rows: 8 })), "keyboard.Buttons[0].Rows", "at most 7");
	});

	it("passes keys Viber added later through a keyboard untouched", () => {
		const prepared = prepareMessage(
			text({ keyboard: { ...keyboard(), NewViberField: 1 } }),
			defaults,
		);
		expect(prepared.keyboard).toMatchObject({ NewViberField: 1 });
	});

	it("refuses a contact name over 28 and a phone number over 18 characters", () => {
		const contact = (name: string, phone_number: string) => ({
			type: "contact",
			contact: { name, phone_number },
		});
		expectLimit(contact("c".repeat(29), "+15555555555"), "contact.name", "at most 28 characters");
		expectLimit(contact("Ann", "1".repeat(19)), "contact.phone_number", "at most 18 characters");
	});

	it("refuses a file_name over 256 characters", () => {
		const file = {
			type: "file",
			media: "https://example.com/f.pdf",
			size: 10,
			file_name: `${"f".repeat(253)}.pdf`,
		};
		expectLimit(file, "file_name", "at most 256 characters");
	});

	it("refuses a latitude over 90 and a longitude under -180", () => {
		const location = (lat: number, lon: number) => ({ type: "location", location: { lat, lon } });
		expectLimit(location(90.5, 0), "location.lat", "at most 90");
		expectLimit(location(0, -181), "location.lon", "at least -180");
		expect(() => prepareMessage(location(-90, 180) as OutgoingMessage, defaults)).not.toThrow();
	});

	it("refuses 7 rich-media cards and accepts 6", () => {
		const card = button({ Columns: 6, Rows: 7 });
		expectLimit(
			richMedia({ Buttons: Array(7).fill(card) }),
			"rich_media.Buttons",
			"at most 6 cards",
		);
		expect(
			prepareMessage(richMedia({ Buttons: Array(6).fill(card) }), defaults).min_api_version,
		).toBe(2);
	});

	it("counts cards of a smaller grid and refuses a button wider than it", () => {
		const small = { ButtonsGroupColumns: 2, ButtonsGroupRows: 1 };
		const buttons = Array(7).fill(button({ Columns: 2, Rows: 1 }));
		expectLimit(richMedia({ ...small, Buttons: buttons }), "rich_media.Buttons", "at most 6 cards");
		const wide = richMedia({ ...small, Buttons: [button({ Columns: 3 })] });
		expectLimit(wide, "rich_media.Buttons[0].Columns", "at most 2 (ButtonsGroupColumns)");
	});

	it("refuses a share-phone button inside rich media", () => {
		const phone = button({ ActionType: "share-phone" });
		expectLimit(
			richMedia({ Buttons: [phone] }),
			"rich_media.Buttons[0].ActionType",
			"not share-phone or location-picker in rich media",
		);
	});
});

describe("min_api_version", () => {
	const withButton = (b: Partial<Button>) => withButtons(button(b));

	it.each([
		["a text message", text(), 1],
		["rich media", richMedia(), 2],
		["a Silent button", withButton({ Silent: true }), 2],
		["a share-phone button", withButton({ ActionType: "share-phone" }), 3],
		[
			"a location-picker keyboard-only message",
			{ keyboard: keyboard({ Buttons: [button({ ActionType: "location-picker" })] }) },
			3,
		],
		["InputFieldState", text({ keyboard: keyboard({ InputFieldState: "hidden" }) }), 4],
		["<font size> in button Text", withButton({ Text: '<font size="20">Big</font>' }), 4],
		["a Frame", withButton({ Frame: { BorderWidth: 2 } }), 6],
		["send-to-bot", withButton({ InternalBrowser: { ActionButton: "send-to-bot" } }), 6],
	] as [string, OutgoingMessage, number][])("is inferred for %s", (_, message, level) => {
		expect(minApiVersionFor(message)).toBe(level);
		expect(prepareMessage(message, defaults).min_api_version).toBe(level);
	});

	it("refuses an explicit value lower than the features need", () => {
		const error = limitError({ ...withButton({ ActionType: "share-phone" }), min_api_version: 2 });
		expect(error).toMatchObject({
			field: "min_api_version",
			limit: "at least 3 (share-phone button)",
		});
	});

	it("keeps an explicit value at or above what the features need", () => {
		const phone = withButton({ ActionType: "share-phone" });
		expect(prepareMessage({ ...phone, min_api_version: 7 }, defaults).min_api_version).toBe(7);
		expect(prepareMessage({ ...phone, min_api_version: 3 }, defaults).min_api_version).toBe(3);
	});
});

describe("checkRequestSize", () => {
	it("accepts exactly 30 KB and refuses one byte more", () => {
		expect(MAX_REQUEST_BYTES).toBe(30720);
		expect(() => checkRequestSize("x".repeat(30720))).not.toThrow();
		expect(() => checkRequestSize("x".repeat(30721))).toThrow(ViberLimitError);
	});

	it("counts UTF-8 bytes, not characters", () => {
		let caught: unknown;
		try {
			checkRequestSize("é".repeat(15361)); // 15361 characters, 30722 bytes
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(ViberLimitError);
		expect(caught).toMatchObject({
			field: "request",
			limit: "at most 30 KB (30720 bytes) of JSON",
		});
	});
});

/** A test user: talks to your bot through the emulator, as a person in a Viber chat would. */
import type { Button, Keyboard } from "../../src/viber/schemas/keyboard";
import type { ChatItem, EmulatorClient } from "./emulator";

/** A message the bot sent, as its handler wrote it (without the `sender` and `min_api_version` the template adds). */
export type Reply = {
	type?: string;
	text?: string;
	keyboard?: Keyboard;
	[field: string]: unknown;
};

/** What a user can send: text, or a Viber message such as `{ type: "location", location: { lat, lon } }`. */
export type UserMessage =
	| string
	| { type: "text"; text: string }
	| { type: "picture" | "video" | "file" | "url"; media: string; [field: string]: unknown }
	| { type: "sticker"; sticker_id: number }
	| { type: "contact"; contact: { name?: string; phone_number?: string } }
	| { type: "location"; location: { lat: number; lon: number } };

/** How the kit reaches the emulator and the bot's Durable Objects. */
export interface Wiring {
	client: EmulatorClient;
	/**
	 * Runs `action`, which makes the emulator send `event` about the user, then waits until the
	 * bot accepted it and ran its handlers; throws when they failed.
	 */
	handle<T>(userId: string, event: string, action: () => Promise<T>): Promise<T>;
	session(userId: string): Promise<unknown>;
}

const toReply = (item: ChatItem): Reply => {
	const { sender: _sender, min_api_version: _version, ...message } = item.message ?? {};
	return message;
};
const plain = (html: string | undefined) => (html ?? "").replace(/<[^>]*>/g, "").trim();

export class TestUser<S> {
	/** The last chat item already returned by `open`, `send` or `tap`. */
	private seen = 0;

	constructor(
		private readonly wiring: Wiring,
		/** The user's Viber id, unique to this user. */
		readonly id: string,
		readonly name: string,
	) {}

	/** Opens the chat (`conversation_started`); resolves to the welcome message, if any. */
	async open(context?: string): Promise<Reply | undefined> {
		const { item } = await this.wiring.handle(this.id, "conversation_started", () =>
			this.wiring.client.open(this.id, context),
		);
		await this.news();
		return item?.direction === "out" ? toReply(item) : undefined;
	}

	/** Sends a message and waits until the bot has handled it; resolves to its replies. */
	async send(message: UserMessage, { silent = false } = {}): Promise<Reply[]> {
		const body = typeof message === "string" ? { type: "text", text: message } : message;
		return this.act("message", () => this.wiring.client.send(this.id, body, silent));
	}

	/**
	 * Taps a button, found by its text or `ActionBody`, on the keyboard shown now or on a
	 * rich-media message; resolves to the bot's replies.
	 */
	async tap(label: string): Promise<Reply[]> {
		const buttons = await this.buttons();
		const button = buttons.find((b) => b.ActionBody === label || plain(b.Text) === label);
		if (!button) {
			const shown = buttons.map((b) => JSON.stringify(plain(b.Text) || b.ActionBody));
			throw new Error(
				`No button "${label}" to tap; the buttons are: ${shown.join(", ") || "none"}`,
			);
		}
		if ((button.ActionType ?? "reply") !== "reply") {
			throw new Error(`Button "${label}" is "${button.ActionType}": it sends the bot nothing`);
		}
		return this.send(button.ActionBody, { silent: button.Silent === true });
	}

	/** Every message the bot sent this user, oldest first, the welcome included. */
	async replies(): Promise<Reply[]> {
		const items = await this.wiring.client.chat(this.id);
		return items.filter((i) => i.direction === "out").map(toReply);
	}

	/** The keyboard shown now: the last message's (Viber hides it after a message without one). */
	async keyboard(): Promise<Keyboard | undefined> {
		return (await this.replies()).at(-1)?.keyboard;
	}

	/** The user's session, as the bot's next handler will see it. */
	async session(): Promise<S> {
		return (await this.wiring.session(this.id)) as S;
	}

	/** Leaves the chat (`unsubscribed`): the bot may send nothing more until the user writes again. */
	async unsubscribe(): Promise<void> {
		await this.act("unsubscribed", () => this.wiring.client.unsubscribe(this.id));
	}

	/** Subscribes from the chat's info screen (`subscribed`). */
	async subscribe(): Promise<void> {
		await this.act("subscribed", () => this.wiring.client.subscribe(this.id));
	}

	private async act(event: string, action: () => Promise<unknown>): Promise<Reply[]> {
		await this.wiring.handle(this.id, event, action);
		return this.news();
	}

	/** The bot's messages since the last call. */
	private async news(): Promise<Reply[]> {
		const items = await this.wiring.client.chat(this.id, this.seen);
		this.seen = items.at(-1)?.seq ?? this.seen;
		return items.filter((i) => i.direction === "out").map(toReply);
	}

	private async buttons(): Promise<Button[]> {
		const replies = await this.replies();
		const keyboard = replies.at(-1)?.keyboard?.Buttons ?? [];
		const cards = replies
			.toReversed()
			.flatMap((r) => (r.rich_media as { Buttons?: Button[] } | undefined)?.Buttons ?? []);
		return [...keyboard, ...cards];
	}
}

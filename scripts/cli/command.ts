/** Maps the CLI's words and flags to one command, or a usage error. Pure: no Node APIs. */
import { normalizeBaseUrl } from "../../src/viber/base-url";
import { FILTERABLE_EVENTS, MANDATORY_EVENTS } from "../../src/viber/schemas/callbacks";

/** The flags `scripts/viber.ts` parses; see `USAGE`. */
export type Flags = {
	api?: string;
	events?: string;
	"no-name"?: boolean;
	"no-photo"?: boolean;
	json?: boolean;
	help?: boolean;
	/** broadcast only (scripts/cli/broadcast.ts). */
	worker?: string;
	country?: string;
	language?: string;
	"session-open"?: boolean;
};

/** Flags only `broadcast` takes: with another command they are a usage error. */
export const BROADCAST_FLAGS = ["worker", "country", "language", "session-open"] as const;

/** One thing to do; every command but `help` is one Viber API call. */
export type Command =
	| { name: "help" }
	| {
			name: "webhook set";
			url: string;
			/** Omitted: all events. */
			events?: string[];
			sendName: boolean;
			sendPhoto: boolean;
	  }
	| { name: "webhook remove" }
	| { name: "account" }
	| { name: "user"; id: string }
	| { name: "online"; ids: string[] }
	| { name: "send"; id: string; text: string };

/** The command line is wrong; the CLI prints the message and a pointer to `--help`, and exits with 2. */
export class UsageError extends Error {
	override readonly name = "UsageError";
}

/** The help text. */
export const USAGE = `Usage: npm run viber -- <command> [options]

Commands:
  webhook set <url>   Register the bot's webhook. Viber calls <url> before it answers,
                      so the bot must already be running there
  webhook remove      Remove the webhook (this closes the bot's 1-on-1 chats)
  account             The bot's name, uri, webhook, event types and subscriber count
  user <id>           A user's profile (Viber allows 2 calls per user per 12 hours)
  online <id...>      Whether users are online, one line each
  send <id> <text>    Send a text message to a subscribed user
  broadcast <text>    Start a broadcast to every subscribed user, through the bot worker
  broadcast status <id>
                      A broadcast's progress: receivers sent, failed, receipts

Options:
  --events <list>     webhook set: the optional events wanted, comma-separated, from
                      ${FILTERABLE_EVENTS.join(", ")} (default: all).
                      --events= for none; message, subscribed, unsubscribed always come
  --no-name           webhook set: callbacks leave out the user's name
  --no-photo          webhook set: callbacks leave out the user's avatar
  --api <url>         The Viber API (default: VIBER_API_URL, else https://chatapi.viber.com/pa);
                      the local emulator is http://127.0.0.1:8788/pa
  --worker <url>      broadcast: the bot worker (default: BOT_URL, else http://127.0.0.1:8787)
  --country <XX>      broadcast: only users of this country; --language <xx> likewise
  --session-open      broadcast: only users with an open 24-hour session (not billed)
  --json              Print Viber's answer as JSON instead (message_token as a string)
  -h, --help          Show this help

Settings come from the environment, else from .dev.vars in the current directory:
  VIBER_AUTH_TOKEN    the bot's token (never printed). Not needed for an API on this machine:
                      the CLI then uses npm run dev's token, local-dev-token
  VIBER_API_URL       as --api
  BOT_NAME            the sender name for send (default "Bot"); BOT_AVATAR, optional

Exit codes: 0 done, 1 Viber or the network refused, 2 wrong command line.`;

function parseEvents(list: string): string[] {
	const events = list
		.split(",")
		.map((e) => e.trim())
		.filter(Boolean);
	const unknown = events.find(
		(e) => !FILTERABLE_EVENTS.includes(e) && !MANDATORY_EVENTS.includes(e),
	);
	if (unknown !== undefined) {
		throw new UsageError(
			`Unknown event "${unknown}": --events takes ${FILTERABLE_EVENTS.join(", ")}`,
		);
	}
	return events;
}

function webhookSet(args: string[], flags: Flags): Command {
	const [url, ...extra] = args;
	if (url === undefined) throw new UsageError("webhook set needs the webhook's URL");
	if (extra.length) throw new UsageError(`webhook set takes one URL, got also: ${extra.join(" ")}`);
	if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
		throw new UsageError(`"${url}" is not an http(s) URL`);
	}
	const command: Command = {
		name: "webhook set",
		url,
		sendName: !flags["no-name"],
		sendPhoto: !flags["no-photo"],
	};
	if (flags.events !== undefined) command.events = parseEvents(flags.events);
	return command;
}

function exactly(name: string, args: string[], count: number, what: string): string[] {
	if (args.length !== count) throw new UsageError(`${name} takes ${what}`);
	return args;
}

function toApiCommand(words: string[], flags: Flags): Command {
	const [name, ...args] = words;
	switch (name) {
		case "webhook": {
			const [action, ...rest] = args;
			if (action === "set") return webhookSet(rest, flags);
			if (action === "remove") {
				exactly("webhook remove", rest, 0, "no arguments");
				return { name: "webhook remove" };
			}
			throw new UsageError('webhook needs "set <url>" or "remove"');
		}
		case "account":
			exactly("account", args, 0, "no arguments");
			return { name: "account" };
		case "user": {
			const [id = ""] = exactly("user", args, 1, "one user id");
			return { name: "user", id };
		}
		case "online":
			if (!args.length) throw new UsageError("online takes one or more user ids");
			return { name: "online", ids: args };
		case "send": {
			const [id, ...text] = args;
			if (id === undefined || !text.length) throw new UsageError("send takes a user id and a text");
			return { name: "send", id, text: text.join(" ") };
		}
		case undefined:
			throw new UsageError("No command given");
		default:
			throw new UsageError(`Unknown command "${name}"`);
	}
}

/**
 * Maps the positional words and the flags to a command; throws `UsageError` when they do not fit.
 * The words of an unquoted `send` text are joined with spaces.
 *
 * @example toCommand(["online", "a=", "b="], {}) // { name: "online", ids: ["a=", "b="] }
 */
export function toCommand(words: string[], flags: Flags): Command {
	if (flags.help || words[0] === "help") return { name: "help" };
	const command = toApiCommand(words, flags);
	const webhookOnly = ["events", "no-name", "no-photo"] as const;
	const misplaced = webhookOnly.find((flag) => flags[flag] !== undefined);
	if (command.name !== "webhook set" && misplaced) {
		throw new UsageError(`--${misplaced} only applies to "webhook set"`);
	}
	if (flags.api !== undefined) {
		try {
			normalizeBaseUrl(flags.api);
		} catch (error) {
			throw new UsageError(`--api: ${(error as Error).message}`);
		}
	}
	return command;
}

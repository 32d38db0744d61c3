/** The composer: middleware `(ctx, next)` stacked with `use`, branched with `on` and `hears`. */
import type { Context } from "./context";
import { type FilterQuery, matchFilter, type Narrowing } from "./filters";

export type NextFunction = () => Promise<void>;
export type MiddlewareFn<C> = (ctx: C, next: NextFunction) => unknown;
/** A function `(ctx, next)` or anything with a `middleware()` method, like a composer. */
export type Middleware<C> = MiddlewareFn<C> | { middleware(): MiddlewareFn<C> };

/** The context inside `on(query)`. */
export type Filtered<C extends Context<object>, Q extends FilterQuery> = Omit<
	C,
	"event" | "message"
> &
	Narrowing<Q>;
/** The context inside `hears(...)`. */
export type HearsContext<C extends Context<object>> = Filtered<C, "message:text"> & {
	match: string | RegExpMatchArray;
};

const pass: MiddlewareFn<unknown> = (_ctx, next) => next();

function flatten<C>(mw: Middleware<C>): MiddlewareFn<C> {
	// Resolved on every call, so handlers added to a child composer later still run.
	return typeof mw === "function" ? mw : (ctx, next) => mw.middleware()(ctx, next);
}

/** Guards a `next`: calling it twice would run everything after it twice. */
export function once(next: NextFunction): NextFunction {
	let called = false;
	return async () => {
		if (called) throw new Error("next() was called more than once in one middleware");
		called = true;
		await next();
	};
}

function concat<C>(first: MiddlewareFn<C>, andThen: MiddlewareFn<C>): MiddlewareFn<C> {
	return async (ctx, next) => {
		await first(
			ctx,
			once(async () => {
				await andThen(ctx, next);
			}),
		);
	};
}

/**
 * A stack of middleware. A feature is just another composer you `use`.
 *
 * @example
 * const admin = new Composer<Context>();
 * admin.hears("stats", (ctx) => ctx.reply("…"));
 * bot.use(admin);
 */
export class Composer<C extends Context<object>> {
	private handler: MiddlewareFn<C>;

	constructor(...middleware: Middleware<C>[]) {
		this.handler = middleware.map(flatten).reduce(concat, pass as MiddlewareFn<C>);
	}

	middleware(): MiddlewareFn<C> {
		return this.handler;
	}

	/** Runs `middleware` for every event; returns a composer to chain more onto that branch. */
	use(...middleware: Middleware<C>[]): Composer<C> {
		const composer = new Composer(...middleware);
		this.handler = concat(this.handler, flatten(composer));
		return composer;
	}

	/** Runs `middleware` only for events that satisfy `predicate`; others go on to `next`. */
	filter<D extends C>(predicate: (ctx: C) => ctx is D, ...middleware: Middleware<D>[]): Composer<D>;
	filter(predicate: (ctx: C) => boolean, ...middleware: Middleware<C>[]): Composer<C>;
	filter(predicate: (ctx: C) => boolean, ...middleware: Middleware<C>[]): Composer<C> {
		const composer = new Composer(...middleware);
		const branch = flatten(composer);
		this.use((ctx, next) => (predicate(ctx) ? branch(ctx, next) : next()));
		return composer;
	}

	/**
	 * Handles events that match a filter query, with the context narrowed to match.
	 *
	 * @example bot.on("message:picture", (ctx) => ctx.reply(`Nice picture: ${ctx.message.media}`));
	 */
	on<Q extends FilterQuery>(
		query: Q | readonly Q[],
		...middleware: Middleware<Filtered<C, Q>>[]
	): Composer<Filtered<C, Q> & C> {
		const matches = matchFilter(query);
		return this.filter(
			(ctx): ctx is Filtered<C, Q> & C => matches(ctx.event),
			...(middleware as Middleware<Filtered<C, Q> & C>[]),
		);
	}

	/**
	 * Handles text messages equal to a string or matching a RegExp; `ctx.match` holds the match.
	 * Keyboard `reply` buttons arrive as text equal to their `ActionBody`.
	 *
	 * @example bot.hears(/^order (\d+)$/i, (ctx) => ctx.reply(`Order ${ctx.match[1]}`));
	 */
	hears(
		trigger: string | RegExp | readonly (string | RegExp)[],
		...middleware: Middleware<HearsContext<C>>[]
	): Composer<HearsContext<C> & C> {
		const triggers = Array.isArray(trigger) ? trigger : [trigger];
		return this.filter(
			(ctx): ctx is HearsContext<C> & C => {
				if (ctx.event.event !== "message" || ctx.event.message.type !== "text") return false;
				const text = ctx.event.message.text;
				for (const t of triggers) {
					const match = typeof t === "string" ? (t === text ? t : null) : text.match(t);
					if (match) {
						ctx.match = match;
						return true;
					}
				}
				return false;
			},
			...(middleware as Middleware<HearsContext<C> & C>[]),
		);
	}
}

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

/** Whether middleware may act on events of a type; plain functions may act on any. */
function reachOf<C>(mw: Middleware<C>): (event: string) => boolean {
	return mw instanceof Composer ? (event) => mw.mayHandle(event) : () => true;
}

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
	/** What each piece may act on, resolved on every call like the handlers themselves. */
	private readonly reaches: ((event: string) => boolean)[];

	constructor(...middleware: Middleware<C>[]) {
		this.handler = middleware.map(flatten).reduce(concat, pass as MiddlewareFn<C>);
		this.reaches = middleware.map(reachOf);
	}

	/**
	 * Whether any handler could run for an event of this type (`"message"`, `"delivered"`, …).
	 * False lets the runtime skip queueing events nobody handles, such as receipts.
	 */
	mayHandle(event: string): boolean {
		return this.reaches.some((reach) => reach(event));
	}

	middleware(): MiddlewareFn<C> {
		return this.handler;
	}

	/** Runs `middleware` for every event; returns a composer to chain more onto that branch. */
	use(...middleware: Middleware<C>[]): Composer<C> {
		const composer = new Composer(...middleware);
		this.handler = concat(this.handler, flatten(composer));
		this.reaches.push((event) => composer.mayHandle(event));
		return composer;
	}

	/** Runs `middleware` only for events that satisfy `predicate`; others go on to `next`. */
	filter<D extends C>(predicate: (ctx: C) => ctx is D, ...middleware: Middleware<D>[]): Composer<D>;
	filter(predicate: (ctx: C) => boolean, ...middleware: Middleware<C>[]): Composer<C>;
	filter(predicate: (ctx: C) => boolean, ...middleware: Middleware<C>[]): Composer<C> {
		return this.branch(predicate, () => true, middleware);
	}

	/** `filter` for events whose type `reach` admits: a predicate can only narrow its branch. */
	private branch<D extends C>(
		predicate: (ctx: C) => boolean,
		reach: (event: string) => boolean,
		middleware: Middleware<D>[],
	): Composer<D> {
		const composer = new Composer<D>(...middleware);
		const run = flatten(composer) as unknown as MiddlewareFn<C>;
		this.handler = concat(this.handler, (ctx, next) => (predicate(ctx) ? run(ctx, next) : next()));
		this.reaches.push((event) => reach(event) && composer.mayHandle(event));
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
		const events = new Set((Array.isArray(query) ? query : [query]).map((q) => q.split(":")[0]));
		return this.branch(
			(ctx) => matches(ctx.event),
			(event) => events.has(event),
			middleware as Middleware<Filtered<C, Q> & C>[],
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
		return this.branch(
			(ctx) => {
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
			(event) => event === "message",
			middleware as Middleware<HearsContext<C> & C>[],
		);
	}
}

// Vite's `?raw` imports: a file's text (the cron check reads wrangler.toml this way).
declare module "*?raw" {
	const text: string;
	export default text;
}

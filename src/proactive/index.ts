/** Proactive messaging: cron jobs, the roster, broadcasts through a queue. */
export { adminRoutes } from "./admin";
export { adminToken } from "./admin-token";
export type { BroadcastOptions, BroadcastStats } from "./broadcast";
export type { JobContext, Proactive } from "./job-context";
export { LedgerObject as BroadcastLedger } from "./ledger";
export { PacerObject as BroadcastPacer } from "./pacer";
export { ReceiptsObject as BroadcastReceipts } from "./receipts";
export { RosterObject as Roster } from "./roster";
export type { SubscriberFilter } from "./roster-query";
export { proactiveHandlers } from "./scheduled";

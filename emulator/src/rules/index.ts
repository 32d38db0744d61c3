/** The checks the emulator applies to a bot's API requests, as Viber does; pure and synchronous. */
export {
	checkMessageBody,
	checkReceiverApiVersion,
	checkRequestBytes,
	messageOf,
	type Rejection,
	reject,
} from "./message";
export { BroadcastPacer, checkIdList, UnrepliedCounter, UserDetailsCap } from "./rates";

export { NotificationLog, NflogQueryError, receiverKey, DEFAULT_NFLOG_MAINTENANCE_INTERVAL_MS } from "./nflog.ts";
export type { NotificationLogOptions } from "./nflog.ts";
export { NflogDecodeError, encodeMeshEntry, encodeMeshEntries, decodeMeshEntries } from "./nflogpb.ts";
export type { MeshEntry, NflogEntry, NflogReceiver } from "./nflogpb.ts";

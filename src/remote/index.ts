/**
 * Remote write and read: the receiver behind /api/v1/write (remote write
 * 1.0 and 2.0), the sender (a QueueManager per remote_write entry, reading
 * the TSDB's WAL), and remote read.
 */
export { WriteHandler, RemoteWriteProtoMsg, PROTOBUF_CONTENT_TYPE, WrittenHeader, parseProtoMsg } from "./receiver.ts";
export type { WriteHandlerOptions, WriteHTTPRequest, WriteHTTPResponse } from "./receiver.ts";
export { ProtoDecodeError, protoRoot } from "./wire.ts";
export { HTTPWriteClient, RecoverableError, NonRecoverableError, retryAfterMs } from "./client.ts";
export type { WriteClient, WrittenStats, HTTPWriteClientOptions } from "./client.ts";
export { QueueManager, RemoteWriteMetrics } from "./queue-manager.ts";
export type { QueueManagerOptions } from "./queue-manager.ts";
export { RemoteWriteStorage, remoteWriteHash } from "./write-storage.ts";
export type { RemoteWriteStorageOptions } from "./write-storage.ts";
export { WalWatcher, SegmentTailReader } from "./wal-watcher.ts";
export type { WalPosition, WalWatcherSink, WalWatcherOptions } from "./wal-watcher.ts";
export { encodeWriteRequestV1, encodeWriteRequestV2, encodeLabelsV1, WireWriter } from "./write-encoder.ts";
export type { SampleBatch } from "./write-encoder.ts";
export { ReadHandler, ReadResponseType, STREAMED_CONTENT_TYPE, SampleLimitError, decodeReadRequest, filterExternalMatchers, mergeExternal, frameOf } from "./read-handler.ts";
export type { ReadHandlerOptions, ReadHTTPResponse, ReadQuery } from "./read-handler.ts";
export { RemoteReadClient, RemoteReadQuerier, RemoteReadStorage } from "./read-client.ts";
export type { RemoteReadClientOptions } from "./read-client.ts";

export { Peer, ClusterStatus, newULID } from "./peer.ts";
export type { PeerOptions, PeerInfo, ReplicatedState } from "./peer.ts";
export { AddressError, splitHostPort, joinHostPort, advertiseAddress, isPrivateIP, resolvePeers, systemResolver } from "./address.ts";
export type { Resolver } from "./address.ts";
export { FrameType, MemberState, FrameError, FrameReader, encodeFrame, decodeFrameBody, MAX_FRAME_BYTES } from "./wire.ts";
export type { Frame, MemberUpdate, NodeInfo, StatePart } from "./wire.ts";

export { Alertmanager, createAlertmanager, externalURLAndPrefix, splitHostPort, configHash } from "./app.ts";
export type { AlertmanagerOptions, ClusterPeer, ReplicatedState } from "./app.ts";

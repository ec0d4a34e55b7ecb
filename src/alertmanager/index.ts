export { Alertmanager, createAlertmanager, externalURLAndPrefix, splitHostPort, configHash, ALERTMANAGER_VERSION } from "./app.ts";
export type { AlertmanagerOptions, ClusterPeer, ReplicatedState } from "./app.ts";

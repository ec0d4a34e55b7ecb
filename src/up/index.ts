/**
 * `promstack up`: the development stack as one supervised process tree
 * (server, Alertmanager, node exporter as children; the demo service
 * in-process), and the supervisor and demo service it is built from.
 */
export { DEV_PORTS, Component, DevStack, commandAvailable, devStackSpecs, stackPorts } from "./stack.ts";
export type { CliCommand, DevStackConfig, DevStackOptions } from "./stack.ts";
export { ComponentState, DEFAULT_BACKOFF, Supervisor } from "./supervisor.ts";
export type { BackoffPolicy, ComponentStatus, ProcessSpec, SupervisorOptions } from "./supervisor.ts";
export { DemoService, ErrorRatioError, RequestKind, TrafficMix, parseErrorRatio } from "./demo-service.ts";
export type { DemoServiceOptions } from "./demo-service.ts";
export { LinePrefixer, componentPrefix } from "./line-prefixer.ts";

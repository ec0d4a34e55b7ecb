export { Route, newRoute, DEFAULT_ROUTE_OPTS, formatRouteTree, formatMatchingTree } from "./route.ts";
export type { RouteOpts, RouteTreeOptions } from "./route.ts";
export { Dispatcher, AggrGroup, groupLabelsOf, labelSetString, MAINTENANCE_INTERVAL_MS, MIN_TIMEOUT_MS } from "./dispatcher.ts";
export type { AlertGroup, DispatcherOptions } from "./dispatcher.ts";

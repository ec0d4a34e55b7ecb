export { Route, newRoute, DEFAULT_ROUTE_OPTS, formatRouteTree, formatMatchingTree } from "./route.ts";
export type { RouteOpts, RouteTreeOptions } from "./route.ts";

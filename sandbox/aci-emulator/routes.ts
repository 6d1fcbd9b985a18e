/**
 * ARM request paths → the specification's operationIds. ARM matches paths case-insensitively.
 * `AsyncOperation_Get` (the `Azure-AsyncOperation` status resource) is ARM's, not in the spec.
 */
import type { RequestKind } from "./throttle";

export interface RouteMatch {
  readonly operationId: string;
  readonly params: Record<string, string>;
  /** Which ARM token bucket the request draws from. */
  readonly kind: RequestKind;
}

const SUB = "/subscriptions/(?<subscriptionId>[^/]+)";
const RG = `${SUB}/resourceGroups/(?<resourceGroupName>[^/]+)`;
const PROVIDER = "/providers/Microsoft\\.ContainerInstance";
const CG = `${RG}${PROVIDER}/containerGroups/(?<containerGroupName>[^/]+)`;
const CONTAINER = `${CG}/containers/(?<containerName>[^/]+)`;
const LOCATION = `${SUB}${PROVIDER}/locations/(?<location>[^/]+)`;

const TABLE: ReadonlyArray<readonly [string, string, string]> = [
  ["GET", `${SUB}${PROVIDER}/containerGroups`, "ContainerGroups_List"],
  ["GET", `${RG}${PROVIDER}/containerGroups`, "ContainerGroups_ListByResourceGroup"],
  ["GET", CG, "ContainerGroups_Get"],
  ["PUT", CG, "ContainerGroups_CreateOrUpdate"],
  ["PATCH", CG, "ContainerGroups_Update"],
  ["DELETE", CG, "ContainerGroups_Delete"],
  ["POST", `${CG}/restart`, "ContainerGroups_Restart"],
  ["POST", `${CG}/stop`, "ContainerGroups_Stop"],
  ["POST", `${CG}/start`, "ContainerGroups_Start"],
  ["GET", `${CG}/outboundNetworkDependenciesEndpoints`, "ContainerGroups_GetOutboundNetworkDependenciesEndpoints"],
  ["GET", `${CONTAINER}/logs`, "Containers_ListLogs"],
  ["POST", `${CONTAINER}/exec`, "Containers_ExecuteCommand"],
  ["POST", `${CONTAINER}/attach`, "Containers_Attach"],
  ["GET", `/providers/Microsoft\\.ContainerInstance/operations`, "Operations_List"],
  ["GET", `${LOCATION}/usages`, "Location_ListUsage"],
  ["GET", `${LOCATION}/cachedImages`, "Location_ListCachedImages"],
  ["GET", `${LOCATION}/capabilities`, "Location_ListCapabilities"],
  ["GET", `${RG}${PROVIDER}/locations/(?<location>[^/]+)/operations/(?<operationId>[^/]+)`, "AsyncOperation_Get"],
];

const COMPILED = TABLE.map(([method, pattern, operationId]) => ({ method, re: new RegExp(`^${pattern}/?$`, "i"), operationId }));

/** Matches an ARM path; `undefined` when no operation serves it (or not with this method). */
export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  for (const route of COMPILED) {
    if (route.method !== method) continue;
    const m = route.re.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = decodeURIComponent(v);
    return { operationId: route.operationId, params, kind: method === "GET" ? "read" : method === "DELETE" ? "delete" : "write" };
  }
  return undefined;
}

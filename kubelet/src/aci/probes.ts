/**
 * Liveness and readiness probes → ACI probes. ACI runs exec and httpGet probes; it has no startup,
 * TCP or gRPC probes, and no way to name a port, so named ports are resolved from the container.
 */
import type { V1Container, V1Probe } from "@kubernetes/client-node";
import type { ContainerProbe } from "@azure/arm-containerinstance";
import { definedOnly } from "../util/defined";
import type { Problems } from "./problems";

export function translateProbe(probe: V1Probe | undefined, container: V1Container, at: string, problems: Problems): ContainerProbe | undefined {
  if (!probe) return undefined;
  if (probe.tcpSocket) problems.unsupportedAt(`${at}.tcpSocket`, "ACI has no TCP probes; use an exec probe (e.g. a shell check of the port) or httpGet");
  if (probe.grpc) problems.unsupportedAt(`${at}.grpc`, "ACI has no gRPC probes; use an exec probe running grpc_health_probe");
  const result: ContainerProbe = {
    initialDelaySeconds: probe.initialDelaySeconds,
    periodSeconds: probe.periodSeconds,
    failureThreshold: probe.failureThreshold,
    successThreshold: probe.successThreshold,
    timeoutSeconds: probe.timeoutSeconds,
  };
  if (probe.exec) result.exec = { command: probe.exec.command ?? [] };
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, container);
    if (port === undefined) {
      problems.unsupportedAt(`${at}.httpGet.port`, `port "${String(probe.httpGet.port)}" is not a number nor a named port of the container`);
    }
    if (probe.httpGet.host) problems.unsupportedAt(`${at}.httpGet.host`, "ACI probes the container itself; remove the host");
    result.httpGet = { port: port ?? 0, path: probe.httpGet.path, scheme: probe.httpGet.scheme?.toLowerCase() };
    const headers = probe.httpGet.httpHeaders ?? [];
    if (headers.length > 0) result.httpGet.httpHeaders = headers.map((h) => ({ name: h.name, value: h.value }));
  }
  // ACI echoes unset fields back as absent; emitting none keeps create and read comparable.
  return definedOnly(result);
}

function resolvePort(port: number | string, container: V1Container): number | undefined {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/**
 * The kubelet API's routes, as a pure mapping from method and path to what is asked for.
 * Streaming endpoints (exec, attach, port-forward, run) are recognised so they can be refused
 * with a clear message instead of hanging.
 */

export type Route =
  | { readonly kind: "healthz" }
  | { readonly kind: "pods" }
  | { readonly kind: "runningpods" }
  | { readonly kind: "containerLogs"; readonly namespace: string; readonly pod: string; readonly container: string }
  | { readonly kind: "statsSummary" }
  | { readonly kind: "metricsResource" }
  | { readonly kind: "metrics" }
  | { readonly kind: "emptyMetrics" }
  | { readonly kind: "stream"; readonly verb: "exec" | "attach" | "portForward" | "run"; readonly namespace: string; readonly pod: string; readonly container?: string }
  | { readonly kind: "notFound" };

/** A label for metrics: the route's kind, never a pod name. */
export function routeLabel(route: Route): string {
  return route.kind === "stream" ? route.verb : route.kind;
}

/** Matches a path (without query) to a route. */
export function matchRoute(path: string): Route {
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  const [head, ...rest] = parts;
  switch (head) {
    case "healthz":
      return rest.length === 0 || (rest.length === 1 && rest[0] === "ping") ? { kind: "healthz" } : { kind: "notFound" };
    case "pods":
      return rest.length === 0 ? { kind: "pods" } : { kind: "notFound" };
    case "runningpods":
      return rest.length === 0 ? { kind: "runningpods" } : { kind: "notFound" };
    case "containerLogs":
      return rest.length === 3 ? { kind: "containerLogs", namespace: rest[0], pod: rest[1], container: rest[2] } : { kind: "notFound" };
    case "stats":
      if (rest.length === 1 && rest[0] === "summary") return { kind: "statsSummary" };
      return { kind: "notFound" };
    case "metrics":
      if (rest.length === 0) return { kind: "metrics" };
      if (rest.length === 1 && rest[0] === "resource") return { kind: "metricsResource" };
      if (rest.length === 1 && (rest[0] === "cadvisor" || rest[0] === "probes")) return { kind: "emptyMetrics" };
      return { kind: "notFound" };
    case "exec":
    case "attach":
    case "run":
      // {namespace}/{pod}/{container} or {namespace}/{pod}/{uid}/{container}
      if (rest.length === 3 || rest.length === 4) return { kind: "stream", verb: head, namespace: rest[0], pod: rest[1], container: rest[rest.length - 1] };
      return { kind: "notFound" };
    case "portForward":
      if (rest.length === 2 || rest.length === 3) return { kind: "stream", verb: "portForward", namespace: rest[0], pod: rest[1] };
      return { kind: "notFound" };
    default:
      return { kind: "notFound" };
  }
}

/** Why a streaming request cannot be served, and what to do instead. */
export function streamRefusal(route: Extract<Route, { kind: "stream" }>, nodeName: string): string {
  const target = `pod ${route.namespace}/${route.pod}`;
  const logs = `use "kubectl logs -n ${route.namespace} ${route.pod}${route.container ? ` -c ${route.container}` : ""} [-f]" to read its output`;
  switch (route.verb) {
    case "portForward":
      return `port-forward is not supported on the virtual node ${nodeName}: ${target} runs in Azure Container Instances, which offers no port forwarding; expose the port through a Service or the container group's IP instead`;
    case "exec":
    case "run":
      return `exec is not supported on the virtual node ${nodeName}: ${target} runs in Azure Container Instances, whose exec speaks its own WebSocket protocol, not the streaming protocol the API server uses with kubelets; ${logs}, or "az container exec" against its container group`;
    case "attach":
      return `attach is not supported on the virtual node ${nodeName}: ${target} runs in Azure Container Instances, whose attach speaks its own WebSocket protocol, not the streaming protocol the API server uses with kubelets; ${logs}, or "az container attach" against its container group`;
  }
}

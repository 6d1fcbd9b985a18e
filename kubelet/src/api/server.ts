/**
 * The kubelet HTTPS API of the virtual node, which the API server calls for `kubectl logs`, exec,
 * port-forward and stats. TLS 1.2 or newer; every request is authenticated (client certificate or
 * TokenReview; no credentials → 401 unless `anonymousAuth`) and authorised (SubjectAccessReview on `nodes/<name>` with the
 * kubelet's subresources; denied → 403) before anything else happens — upgrade requests too.
 *
 * This module supplies handlers and a server; it does not own the process: `listen` and `close`
 * are called by the composition root.
 */
import { createServer as createHttpsServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { V1Pod } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "../log";
import { listen } from "./listen";
import type { PodProvider } from "../provider/provider";
import { requestAttributes } from "./attributes";
import { Authenticator, tokenReviewer } from "./authn";
import { Authorizer, subjectAccessReviewer } from "./authz";
import { checkLogTarget, logErrorToHttp, parseLogRequest, streamLogs } from "./container-logs";
import { LogPollers } from "./log-poller";
import type { BurstletMetrics } from "./metrics";
import { type Route, matchRoute, routeLabel, streamRefusal } from "./routes";
import { type UsageView, resourceMetrics, statsSummary } from "./stats";
import { runningPods } from "../usage/running-containers";
import { HttpError, badRequest, notFound, statusBody } from "./status";

/** The pods bound to the node, from the informer cache. */
export interface PodSource {
  get(namespace: string, name: string): V1Pod | undefined;
  list(): readonly V1Pod[];
}

export interface KubeletApiServerOptions {
  readonly nodeName: string;
  readonly provider: PodProvider;
  readonly pods: PodSource;
  /** Burstlet's identity, used for TokenReview and SubjectAccessReview. */
  readonly kubeConfig: KubeConfig;
  readonly tls: { readonly certPem: string; readonly keyPem: string; readonly clientCaPem?: string };
  readonly log: Logger;
  readonly metrics?: BurstletMetrics;
  /** Usage of the node's pods (from Azure Monitor); without it, stats carry no usage. */
  readonly usage?: UsageView;
  /** Serve requests without credentials as system:anonymous (still authorised). @default false */
  readonly anonymousAuth?: boolean;
  /** Replace the API server round trips (tests). */
  readonly authenticator?: Authenticator;
  readonly authorizer?: Authorizer;
  /** How often `follow` polls the backend's log snapshot (one poll per container, however many follow it). @default DEFAULT_FOLLOW_POLL_MS */
  readonly followPollMs?: number;
  /** @default now */
  readonly startedAt?: Date;
}

export interface KubeletApiServer {
  /** Listens; resolves with the port actually bound (useful with port 0). */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, ends open streams, and resolves when the server is closed. */
  close(): Promise<void>;
}

/** A finished answer (everything but log streams). */
interface Reply {
  readonly code: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const json = (code: number, value: unknown): Reply => ({ code, contentType: "application/json", body: JSON.stringify(value) });
/** An error as the kubelet writes it: the message as plain text, which kubectl prints as one line. */
const failure = (err: HttpError): Reply => ({ code: err.code, contentType: "text/plain; charset=utf-8", body: err.message, headers: err.headers });
/**
 * A refused stream (exec, attach, port-forward) as a `Status`: the API server hands it to the
 * client's upgrade, which shows its message as is rather than "unable to upgrade connection: …".
 */
const streamFailure = (err: HttpError): Reply => ({ ...json(err.code, statusBody(err.code, err.reason, err.message)), headers: err.headers });

export function createKubeletApiServer(options: KubeletApiServerOptions): KubeletApiServer {
  const { nodeName, log } = options;
  const authn = options.authenticator ?? new Authenticator({ review: tokenReviewer(options.kubeConfig), anonymous: options.anonymousAuth, log });
  const authz = options.authorizer ?? new Authorizer({ review: subjectAccessReviewer(options.kubeConfig) });
  const startedAt = options.startedAt ?? new Date();
  const closing = new AbortController();
  const pollers = new LogPollers({ provider: options.provider, currentPod: (namespace, name) => options.pods.get(namespace, name), pollMs: options.followPollMs, log });
  const server: Server = createHttpsServer({
    cert: options.tls.certPem,
    key: options.tls.keyPem,
    ca: options.tls.clientCaPem,
    minVersion: "TLSv1.2",
    // Certificates are asked for, and checked against the CA, but not required: bearer tokens are the other way in.
    requestCert: !!options.tls.clientCaPem,
    rejectUnauthorized: false,
  });

  /** Authenticates and authorises; returns a refusal, or undefined when the request may go on. */
  const admit = async (req: IncomingMessage, path: string): Promise<Reply | undefined> => {
    const who = await authn.authenticate(req);
    if ("failure" in who) return failure(new HttpError(401, "Unauthorized", "Unauthorized"));
    const attrs = requestAttributes(req.method ?? "GET", path, nodeName);
    try {
      const decision = await authz.authorize(who.user, attrs);
      if (decision.allowed) return undefined;
      const a = attrs[attrs.length - 1];
      return failure(new HttpError(403, "Forbidden", `Forbidden (user=${who.user.username}, verb=${a.verb}, resource=${a.resource}, subresource(s)=[${attrs.map((x) => x.subresource).join(" ")}])`));
    } catch (err) {
      log.warn("SubjectAccessReview failed; refusing the request", { user: who.user.username, path, error: err });
      return failure(new HttpError(500, "InternalError", "Authorization error: the API server could not be asked"));
    }
  };

  const answer = async (req: IncomingMessage, route: Route, url: URL): Promise<Reply | ((res: ServerResponse) => Promise<Reply | undefined>)> => {
    const method = req.method ?? "GET";
    const readOnly = method === "GET" || method === "HEAD";
    switch (route.kind) {
      case "healthz":
        return { code: 200, contentType: "text/plain", body: "ok" };
      case "pods":
        if (!readOnly) break;
        return json(200, { kind: "PodList", apiVersion: "v1", metadata: {}, items: options.pods.list() });
      case "runningpods":
        if (!readOnly) break;
        return json(200, { kind: "PodList", apiVersion: "v1", metadata: {}, items: runningPods(options.pods.list()).map(podListEntry) });
      case "statsSummary":
        if (!readOnly) break;
        return json(200, statsSummary(nodeName, startedAt, options.pods.list(), options.usage));
      case "metricsResource":
        if (!readOnly) break;
        return { code: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: resourceMetrics(options.pods.list(), options.usage) };
      case "emptyMetrics":
        return { code: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: "" };
      case "metrics": {
        if (!options.metrics) return { code: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: "" };
        const m = await options.metrics.text();
        return { code: 200, contentType: m.contentType, body: m.body };
      }
      case "stream":
        return streamFailure(new HttpError(501, "NotImplemented", streamRefusal(route, nodeName)));
      case "containerLogs":
        if (!readOnly) break;
        return containerLogs(route, url);
      case "notFound":
        return failure(notFound(`${url.pathname} is not served by the virtual node's kubelet API`));
    }
    return failure(new HttpError(405, "MethodNotAllowed", `${method} is not allowed on ${url.pathname}`));
  };

  const containerLogs = (route: Extract<Route, { kind: "containerLogs" }>, url: URL): Reply | ((res: ServerResponse) => Promise<Reply | undefined>) => {
    const request = parseLogRequest(url.searchParams);
    const pod = options.pods.get(route.namespace, route.pod);
    if (!pod) throw notFound(`pod ${route.namespace}/${route.pod} is not on node ${nodeName}`);
    checkLogTarget(pod, route.container, request.options);
    return async (res) => {
      const gone = new AbortController();
      const stop = (): void => gone.abort();
      res.on("close", stop);
      closing.signal.addEventListener("abort", stop, { once: true });
      let started = false;
      try {
        await streamLogs({
          provider: options.provider,
          pollers,
          pod,
          container: route.container,
          request,
          signal: gone.signal,
          write: async (chunk) => {
            if (!started) {
              res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-cache" });
              started = true;
            }
            if (!res.write(chunk)) await new Promise<void>((resolve) => { res.once("drain", resolve); res.once("close", resolve); });
          },
        });
      } catch (err) {
        const http = logErrorToHttp(err);
        if (!http) throw err;
        if (!started) return failure(http);
        log.warn("log stream ended early", { pod: `${route.namespace}/${route.pod}`, container: route.container, error: http.message });
      } finally {
        res.off("close", stop);
        closing.signal.removeEventListener("abort", stop);
      }
      if (!started) res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
      return undefined;
    };
  };

  /** Runs the whole pipeline for one request; returns a reply to write, or writes a stream itself. */
  const handle = async (req: IncomingMessage, res?: ServerResponse): Promise<{ route: string; reply?: Reply }> => {
    let url: URL;
    let route: Route;
    try {
      url = new URL(req.url ?? "/", "https://kubelet");
      route = matchRoute(url.pathname);
    } catch {
      return { route: "invalid", reply: failure(badRequest("malformed request path")) };
    }
    const label = routeLabel(route);
    const refused = await admit(req, url.pathname);
    if (refused) return { route: label, reply: refused };
    try {
      const result = await answer(req, route, url);
      if (typeof result !== "function") return { route: label, reply: result };
      if (!res) return { route: label, reply: failure(badRequest(`${url.pathname} does not upgrade connections`)) };
      return { route: label, reply: await result(res) };
    } catch (err) {
      const http = logErrorToHttp(err);
      if (http) return { route: label, reply: failure(http) };
      log.error("kubelet API request failed", { route: label, error: err });
      return { route: label, reply: failure(new HttpError(500, "InternalError", `internal error: ${(err as Error).message}`)) };
    }
  };

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).then(({ route, reply }) => {
      if (reply && !res.headersSent) {
        res.writeHead(reply.code, { "Content-Type": reply.contentType, ...reply.headers });
        res.end(req.method === "HEAD" ? undefined : reply.body);
      } else {
        res.end();
      }
      options.metrics?.apiRequest(route, reply?.code ?? res.statusCode);
    }).catch((err: unknown) => {
      log.error("kubelet API response failed", { error: err });
      res.destroy();
    });
  });

  // exec, attach and port-forward arrive as upgrade requests (SPDY or WebSocket). They are
  // admitted like any other request, then answered with a plain HTTP reply: no upgrade happens.
  server.on("upgrade", (req: IncomingMessage, socket: Socket) => {
    socket.on("error", (err) => log.debug("upgrade socket error", { error: err }));
    void handle(req).then(({ route, reply }) => {
      const r = reply ?? failure(badRequest("this endpoint does not upgrade connections"));
      const head = [`HTTP/1.1 ${r.code} ${httpReason(r.code)}`, `Content-Type: ${r.contentType}`, `Content-Length: ${Buffer.byteLength(r.body)}`, "Connection: close", ...Object.entries(r.headers ?? {}).map(([k, v]) => `${k}: ${v}`)];
      socket.end(`${head.join("\r\n")}\r\n\r\n${r.body}`);
      // The peer may keep its side open after the answer; don't let it hold the socket.
      socket.setTimeout(2_000, () => socket.destroy());
      options.metrics?.apiRequest(route, r.code);
    }).catch((err: unknown) => {
      log.error("kubelet API upgrade answer failed", { error: err });
      socket.destroy();
    });
  });
  server.on("tlsClientError", (err) => log.debug("TLS handshake failed", { error: err }));
  const sockets = new Set<Socket>();
  server.on("secureConnection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  return {
    listen: (port, host) => listen(server, port, host, log, "kubelet API"),
    close: () =>
      new Promise((resolve) => {
        closing.abort();
        server.close(() => resolve());
        // Open log streams end with the abort; anything else still open (keep-alive, upgrades) is cut.
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A pod as `/pods` lists it: who it is and its containers. */
function podListEntry(p: V1Pod): V1Pod {
  return {
    metadata: { name: p.metadata?.name, namespace: p.metadata?.namespace, uid: p.metadata?.uid },
    spec: { containers: (p.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image })) },
  };
}

function httpReason(code: number): string {
  return ({ 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error", 501: "Not Implemented" } as Record<number, string>)[code] ?? "Error";
}

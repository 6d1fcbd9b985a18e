/**
 * burstlet's own metrics port: `GET /metrics` (Prometheus text) and `GET /healthz`, over plain
 * HTTP and without authentication, like the metrics endpoints of most controllers. Nothing served
 * here is secret: counters, durations and gauges, no pod names. Probes use `/healthz` here, since
 * the kubelet API's `/healthz` requires credentials as a kubelet's does.
 */
import { type Server, createServer } from "node:http";
import { HEALTH_PATH } from "../constants";
import type { Logger } from "../log";
import { listen } from "./listen";
import type { BurstletMetrics } from "./metrics";

export interface MetricsServer {
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

export function createMetricsServer(metrics: BurstletMetrics, log: Logger): MetricsServer {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "Content-Type": "text/plain" }).end("method not allowed\n");
      return;
    }
    if (path === HEALTH_PATH) {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      return;
    }
    if (path !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end(`not found; try /metrics or ${HEALTH_PATH}\n`);
      return;
    }
    metrics.text().then(
      ({ contentType, body }) => res.writeHead(200, { "Content-Type": contentType }).end(req.method === "HEAD" ? undefined : body),
      (err: unknown) => {
        log.warn("collecting metrics failed", { error: err });
        res.writeHead(500, { "Content-Type": "text/plain" }).end("collecting metrics failed\n");
      },
    );
  });
  return {
    listen: (port, host) => listen(server, port, host, log, "metrics"),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Direct HTTPS requests to a kubelet API, as the API server or another client would make them. */
import { request } from "node:https";

export interface DirectAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface DirectRequest {
  readonly port: number;
  readonly path: string;
  readonly method?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

/** One request; the kubelet's serving certificate is self-signed, so it is not verified here. */
export function kubeletRequest(r: DirectRequest): Promise<DirectAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: r.port,
        path: r.path,
        method: r.method ?? "GET",
        cert: r.cert,
        key: r.key,
        rejectUnauthorized: false,
        headers: { ...(r.token ? { Authorization: `Bearer ${r.token}` } : {}), ...r.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    // An upgrade request is answered without upgrading: the answer arrives as a normal response.
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "" });
    });
    req.on("error", reject);
    req.end();
  });
}

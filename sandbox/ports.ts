/** Free TCP ports on the loopback interface, for the sandbox's servers. */
import { createServer } from "node:net";

/** Asks the kernel for a free loopback port. The port is free when this resolves, not reserved. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

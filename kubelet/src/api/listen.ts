/** Binds an HTTP(S) server and resolves with the port actually bound (0 asks for any free port). */
import type { AddressInfo, Server } from "node:net";
import type { Logger } from "../log";

export function listen(server: Server, port: number, host: string, log: Logger, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const bound = (server.address() as AddressInfo).port;
      log.info(`${what} listening`, { address: host, port: bound });
      resolve(bound);
    });
  });
}

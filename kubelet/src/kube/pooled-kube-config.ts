/**
 * A KubeConfig whose requests share one connection pool. @kubernetes/client-node 2.0 builds a new
 * undici Agent for every request, so each API call opens (and TLS-handshakes) a connection of its own:
 * costly in CPU and memory for a kubelet that makes thousands of calls in a burst. The agent only
 * carries this KubeConfig's TLS settings (CA, client certificate); when the client certificate is
 * replaced (a renewed node certificate), `resetConnections` starts a new pool. Bearer tokens travel
 * in headers and are still applied per request.
 */
import { KubeConfig, type RequestContext } from "@kubernetes/client-node";

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

export class PooledKubeConfig extends KubeConfig {
  private pool: Dispatcher | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    if (!this.pool) {
      this.pool = fresh;
      return;
    }
    context.setDispatcher(this.pool);
    // The fresh agent never connected; closing it frees nothing but keeps the contract tidy.
    void fresh.close().catch(() => undefined);
  }

  /** New requests use new connections (e.g. under a renewed client certificate); the old pool closes once its requests finish. */
  resetConnections(): void {
    const old = this.pool;
    this.pool = undefined;
    void old?.close().catch(() => undefined);
  }
}

/** Loads a pooled KubeConfig from a file, or from the in-cluster service account when `file` is absent. */
export function loadKubeConfig(file: string | undefined): PooledKubeConfig {
  const kc = new PooledKubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromCluster();
  return kc;
}

/** A second pooled KubeConfig with the same contents (its own connections). */
export function cloneKubeConfig(source: KubeConfig): PooledKubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromString(source.exportConfig());
  return kc;
}

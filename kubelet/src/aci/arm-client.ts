/**
 * The ARM edge: `@azure/arm-containerinstance` behind token buckets for reads and writes sized
 * under ARM's per-subscription limits. Every HTTP attempt (LRO polls and SDK retries included) takes
 * a token; a 429 pauses the whole bucket for its `Retry-After`, so one throttled pod slows the client,
 * not just itself. Failures come out typed, by the table in `failure-classes`: `NotFoundError`,
 * `ThrottledError`, `ImagePullError`, `CredentialsRejectedError`, `TransientError` (5xx, timeouts,
 * resets, quota exhausted for now, anything unknown), `AuthorizationError` (a 403 naming the action
 * and scope RBAC refused) and `UnsupportedError` (a code that can never succeed).
 *
 * Log reads draw from a share of the read budget of their own (`logReads`, see `log-budget`) before
 * they take a read token, so however many log readers there are, status reads keep the rest.
 */
import type { Agent } from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import { type ContainerGroup, ContainerInstanceManagementClient, type Usage } from "@azure/arm-containerinstance";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { AciWindowThrottledError, CredentialsRejectedError, NotFoundError, ThrottledError, TransientError } from "../errors";
import { backoffDelay } from "../util/backoff";
import { type Clock, realClock } from "../util/clock";
import { ACI_WINDOW_CODE, classify, errorCode, isOutage, retryAfter } from "./arm-errors";
import { TokenBucket } from "../util/token-bucket";
import { BackgroundReads } from "./background-reads";
import { DEFAULT_LOG_READ_SHARE, LogReadBudget } from "./log-budget";

export interface ArmBudget {
  readonly readsPerSecond: number;
  readonly readBurst: number;
  readonly writesPerSecond: number;
  readonly writeBurst: number;
  /** The share (0–1] of the read rate and burst that log reads may use. @default DEFAULT_LOG_READ_SHARE */
  readonly logReadShare?: number;
}

export interface ArmClientOptions {
  readonly credential: TokenCredential;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly location: string;
  readonly budget: ArmBudget;
  /** ARM endpoint; the public cloud's when absent. */
  readonly endpoint?: string;
  /** An https agent (e.g. one trusting a private CA). */
  readonly agent?: Agent;
  /**
   * While ARM does not answer, reads wait for one probe at a time, this often at most, instead of
   * spending the budget on errors. @default 1_000
   */
  readonly outageProbeMs?: number;
  /** How long a log read may wait for its turn in the log share before it is refused. @default LOG_READ_MAX_WAIT_MS */
  readonly logReadMaxWaitMs?: number;
  /** Called after every HTTP attempt (for metrics). */
  readonly onCall?: (call: { method: string; kind: "read" | "write"; status: number | "error"; ms: number }) => void;
  /** Paces retries, buckets and outage probes. @default the real clock */
  readonly clock?: Clock;
}


/** A container group name no pod maps to (pods' group names end in a 12-hex-digit hash), for {@link ArmClient.probeRead}. */
const READ_PROBE_NAME = "burstlet-read-probe";

export class ArmClient {
  readonly reads: TokenBucket;
  readonly writes: TokenBucket;
  /** The log reads' share of `reads`. */
  readonly logReads: LogReadBudget;
  readonly counts = { reads: 0, writes: 0, throttled: 0, windowThrottled: 0, logReads: 0, finalLogReads: 0 };
  /** Reads that can wait (final logs), admitted as the budget allows. */
  readonly background: BackgroundReads;
  /** Pages (so reads) the last full listing took. */
  listPages = 1;
  private readonly sdk: ContainerInstanceManagementClient;
  /** Since when ARM has not answered reads, and when the next probe may go. */
  private outage: { since: number; probeAt: number } | undefined;
  private unansweredInARow = 0;
  private unansweredSince: number | undefined;
  /** While ARM is down: probes even when no caller reads, so recovery is seen within a probe interval. */
  /** Cancels the next outage probe, while ARM is down. */
  private stopProbing: (() => void) | undefined;
  private readonly recoveredListeners: Array<() => void> = [];

  private readonly clock: Clock;

  constructor(private readonly options: ArmClientOptions) {
    this.clock = options.clock ?? realClock;
    this.reads = new TokenBucket(options.budget.readsPerSecond, options.budget.readBurst, this.clock);
    this.writes = new TokenBucket(options.budget.writesPerSecond, options.budget.writeBurst, this.clock);
    this.logReads = LogReadBudget.shareOf(this.reads, options.budget.logReadShare ?? DEFAULT_LOG_READ_SHARE, { maxWaitMs: options.logReadMaxWaitMs, clock: this.clock });
    this.background = new BackgroundReads(this.reads, this.logReads, this.clock);
    this.sdk = new ContainerInstanceManagementClient(options.credential, options.subscriptionId, {
      endpoint: options.endpoint,
      agent: options.agent,
      // Retries are ours (`call`): only idempotent operations are repeated blindly, and a create
      // whose answer was lost is looked up before it is sent again, so it is never duplicated.
      retryOptions: { maxRetries: 0 },
      additionalPolicies: [{ policy: this.budgetPolicy(), position: "perRetry" }],
    });
  }

  async get(name: string): Promise<ContainerGroup> {
    return this.read(`get ${name}`, () => this.sdk.containerGroups.get(this.options.resourceGroup, name));
  }

  /**
   * Sends the create; resolves as soon as ARM accepted it (provisioning goes on: the status tracker
   * follows it).
   */
  async create(name: string, group: ContainerGroup): Promise<void> {
    await this.call(`create ${name}`, () => this.accepted((options) => this.sdk.containerGroups.beginCreateOrUpdate(this.options.resourceGroup, name, group, options)));
  }

  /**
   * Sends the delete; resolves once ARM accepted it, with `gone` when ARM said the group is already
   * gone (a missing group is not an error). The caller confirms the rest (see `DeletionWatch`).
   */
  async beginDelete(name: string): Promise<{ gone: boolean }> {
    try {
      const status = await this.retrying(`delete ${name}`, () => this.accepted((options) => this.sdk.containerGroups.beginDelete(this.options.resourceGroup, name, options)));
      return { gone: status === 204 };
    } catch (err) {
      // A group whose resource group is gone is gone with it.
      if (err instanceof NotFoundError || (err instanceof Error && (err.cause as { code?: string } | undefined)?.code === "ResourceGroupNotFound")) return { gone: true };
      throw err;
    }
  }

  /**
   * Sends a long-running operation's first request and resolves with ARM's status once it is
   * accepted. The SDK would poll the operation once before returning; that poll is aborted before
   * it is sent (the caller follows the outcome its own, cheaper way), so it costs no read.
   */
  private accepted(begin: (options: { abortSignal: AbortSignal; onResponse: (raw: { status: number }) => void }) => Promise<unknown>): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const abandon = new AbortController();
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        fn();
      };
      const onResponse = (raw: { status: number }): void => {
        if (raw.status >= 300) return;
        settle(() => resolve(raw.status));
        abandon.abort();
      };
      begin({ abortSignal: abandon.signal, onResponse }).then(
        () => settle(() => resolve(200)),
        (err: unknown) => settle(() => reject(err instanceof Error ? err : new Error(String(err)))),
      );
    });
  }

  /** Every container group of the resource group (list results carry no instance view). */
  async list(): Promise<ContainerGroup[]> {
    return this.read("list", async () => {
      const groups: ContainerGroup[] = [];
      let pages = 0;
      for await (const page of this.sdk.containerGroups.listByResourceGroup(this.options.resourceGroup).byPage()) {
        pages++;
        groups.push(...page);
      }
      this.listPages = pages;
      return groups;
    });
  }

  /**
   * A container's log. Waits for its turn in the log share, and is refused (`LogBudgetExceededError`)
   * when that turn is too far away; a retry of an admitted read waits as long as it takes.
   */
  async logs(name: string, container: string, tail?: number, timestamps?: boolean): Promise<string> {
    const what = `logs ${name}/${container}`;
    await this.logReads.take(what);
    let attempts = 0;
    const answer = await this.read(what, async () => {
      if (attempts++ > 0) await this.logReads.take(what, Infinity);
      this.counts.logReads++;
      return this.sdk.containers.listLogs(this.options.resourceGroup, name, container, { tail, timestamps });
    });
    return answer.content ?? "";
  }

  /**
   * A finished container's whole log, with timestamps, read before its group is deleted: a
   * background read (`BackgroundReads`), which leaves status reads half the read burst and never
   * makes interactive log reads wait.
   */
  async finalLogs(name: string, container: string): Promise<string> {
    const what = `final logs ${name}/${container}`;
    const done = await this.background.admit();
    try {
      const answer = await this.read(what, async () => {
        this.counts.finalLogReads++;
        return this.sdk.containers.listLogs(this.options.resourceGroup, name, container, { timestamps: true });
      });
      return answer.content ?? "";
    } finally {
      done();
    }
  }

  /**
   * A read of the resource group's container groups that costs one request whatever their number:
   * a GET of a name no group has. Resolves when ARM lets burstlet read there (the answer is 404).
   */
  async probeRead(): Promise<void> {
    try {
      await this.call("read probe", () => this.sdk.containerGroups.get(this.options.resourceGroup, READ_PROBE_NAME));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  async usages(): Promise<Usage[]> {
    return this.read("usages", async () => {
      const usages: Usage[] = [];
      for await (const u of this.sdk.location.listUsage(this.options.location)) usages.push(u);
      return usages;
    });
  }

  /** Calls `listener` each time reads succeed again after an outage. */
  onRecovered(listener: () => void): void {
    this.recoveredListeners.push(listener);
  }

  /** Since when ARM has not answered reads (epoch ms), if it is not answering now. */
  unreachableSince(): number | undefined {
    return this.outage?.since;
  }

  /**
   * An idempotent read. Once two attempts in a row went unanswered (5xx, resets, timeouts), ARM
   * counts as down: one read at a time goes as a probe, every `outageProbeMs`; the others, and the
   * retries of reads under way, fail at once without a call, and their callers back off. Any answer
   * ends the outage and tells the `onRecovered` listeners.
   */
  private async read<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const outage = this.outage;
    const now = this.clock.now();
    if (outage) {
      if (now < outage.probeAt) throw new TransientError(`${what}: not sent: Azure Resource Manager has not answered for ${Math.round((now - outage.since) / 1000)} s`);
      outage.probeAt = now + (this.options.outageProbeMs ?? 1_000);
    }
    try {
      const result = await this.retrying(what, fn, outage ? 1 : 4, (err) => this.unanswered(err));
      this.answered();
      return result;
    } catch (err) {
      // ARM answered, whatever it said: it is reachable.
      if (err instanceof NotFoundError || err instanceof ThrottledError || err instanceof CredentialsRejectedError) this.answered();
      throw err;
    }
  }

  /** Notes a failed read attempt; returns whether it is worth retrying now. */
  private unanswered(err: unknown): boolean {
    if (!isOutage(err)) return true;
    const now = this.clock.now();
    this.unansweredSince ??= now;
    if (++this.unansweredInARow >= 2 && !this.outage) {
      const every = this.options.outageProbeMs ?? 1_000;
      this.outage = { since: this.unansweredSince, probeAt: now + every };
      if (!this.stopProbing) {
        const tick = (): void => {
          this.stopProbing = this.clock.timer(every, tick);
          void this.probe();
        };
        this.stopProbing = this.clock.timer(every, tick);
      }
    }
    return this.outage === undefined;
  }

  /** One read of the first page of groups, if no other read is probing now. */
  private async probe(): Promise<void> {
    if (!this.outage || this.clock.now() < this.outage.probeAt) return;
    await this.read("probe", () => this.sdk.containerGroups.listByResourceGroup(this.options.resourceGroup).byPage().next()).catch(() => undefined);
  }

  /** Stops probing (when burstlet stops). */
  close(): void {
    this.stopProbing?.();
    this.stopProbing = undefined;
  }

  private answered(): void {
    this.unansweredInARow = 0;
    this.unansweredSince = undefined;
    if (!this.outage) return;
    this.outage = undefined;
    this.close();
    for (const listener of this.recoveredListeners) listener();
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classify(what, err);
    }
  }

  /**
   * Runs an idempotent operation, retrying transient failures with backoff (honouring Retry-After);
   * a read stops retrying once ARM is known to be down (its caller backs off instead).
   */
  private async retrying<T>(what: string, fn: () => Promise<T>, attempts = 4, worthRetrying: (err: unknown) => boolean = () => true): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.call(what, fn);
      } catch (err) {
        // ACI's windows free up in minutes: the caller waits for them, not this loop.
        const transient = (err instanceof TransientError || err instanceof ThrottledError) && !(err instanceof AciWindowThrottledError);
        if (!worthRetrying(err) || !transient || attempt >= attempts) throw err;
        const hinted = err.retryAfterMs ?? 0;
        await this.clock.sleep(Math.max(hinted, backoffDelay({ baseMs: 250, maxMs: 5_000 }, attempt)));
      }
    }
  }

  private budgetPolicy(): PipelinePolicy {
    return {
      name: "burstletArmBudget",
      sendRequest: async (request, next) => {
        const kind = request.method === "GET" || request.url.includes("/listLogs") ? "read" : "write";
        // An abandoned request (see `accepted`) is neither counted nor sent.
        if (request.abortSignal?.aborted) throw abandoned();
        await (kind === "read" ? this.reads : this.writes).take();
        if (request.abortSignal?.aborted) throw abandoned();
        if (kind === "read") this.counts.reads++;
        else this.counts.writes++;
        const started = Date.now();
        try {
          const response = await next(request);
          if (response.status === 429) {
            this.counts.throttled++;
            // ACI's create and delete windows are not ARM's budget: the caller slows that window
            // (see `CreatePacer`); pausing every write for minutes would hold deletions back too.
            if (errorCode(response.bodyAsText) === ACI_WINDOW_CODE) this.counts.windowThrottled++;
            else (kind === "read" ? this.reads : this.writes).pause(retryAfter(response.headers.get("retry-after")) ?? 1_000);
          }
          this.options.onCall?.({ method: request.method, kind, status: response.status, ms: Date.now() - started });
          return response;
        } catch (err) {
          this.options.onCall?.({ method: request.method, kind, status: "error", ms: Date.now() - started });
          throw err;
        }
      },
    };
  }
}

function abandoned(): Error {
  return Object.assign(new Error("request abandoned before it was sent"), { name: "AbortError" });
}

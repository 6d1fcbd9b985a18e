/**
 * burstlet's own Prometheus metrics, defined in one place. Values that already live in the
 * running parts (queue depths, token-bucket waits, status staleness, deletions awaiting
 * confirmation, pods by phase) are read when
 * scraped; events (ARM calls, reconciles, container groups created and deleted, kubelet API
 * requests) are counted through hooks.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { V1Pod } from "@kubernetes/client-node";

/** What an ARM call hook reports (see `ArmClientOptions.onCall`). */
export interface ArmCall {
  readonly method: string;
  readonly kind: "read" | "write";
  readonly status: number | "error";
  readonly ms: number;
}

/** The running parts metrics are read from when scraped. */
export interface MetricSources {
  /** ARM's read and write budgets, and the log reads' share of the read budget. */
  readonly buckets: Readonly<Record<BudgetKind, { readonly waitedMs: number; readonly queued: number }>>;
  readonly queues: ReadonlyArray<{ readonly name: string; readonly depth: number; readonly delayedCount: number }>;
  readonly tracker: { maxStalenessSeconds(): number; readonly size: number };
  readonly deletions: { readonly pending: number };
  readonly pods: () => readonly V1Pod[];
  /** Pod records by where their backing is. */
  readonly records?: () => Readonly<Record<string, number>>;
  /** Final logs kept for finished pods whose groups were deleted. */
  readonly finalLogs?: { readonly bytes: number; readonly size: number; readonly evictions: number; readonly totalBytes: number };
  /** Creates paced under ACI's windows and quotas. */
  readonly creates?: { readonly waitingCount: number; readonly throttled: number };
}

type BudgetKind = "read" | "write" | "log";
const BUDGETS: readonly BudgetKind[] = ["read", "write", "log"];

const PHASES = ["Pending", "Running", "Succeeded", "Failed", "Unknown"] as const;

export class BurstletMetrics {
  readonly registry = new Registry();
  private readonly armRequests = new Counter({ name: "burstlet_arm_requests_total", help: "HTTP requests to Azure Resource Manager, by method, budget and result (status code, or error when no answer came)", labelNames: ["method", "kind", "code"], registers: [this.registry] });
  private readonly armDuration = new Histogram({ name: "burstlet_arm_request_duration_seconds", help: "Duration of HTTP requests to Azure Resource Manager", labelNames: ["kind"], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  private readonly groupsCreated = new Counter({ name: "burstlet_container_groups_created_total", help: "Container groups ARM accepted for creation", registers: [this.registry] });
  private readonly groupsDeleted = new Counter({ name: "burstlet_container_groups_deleted_total", help: "Container groups ARM accepted for deletion", registers: [this.registry] });
  private readonly reconcile = new Histogram({ name: "burstlet_reconcile_duration_seconds", help: "Duration of one reconcile of a work queue key, by queue and result", labelNames: ["queue", "result"], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
  private readonly monitorRequests = new Counter({ name: "burstlet_azure_monitor_requests_total", help: "HTTP requests to the Azure Monitor metrics batch API, by result (status code, or error when no answer came)", labelNames: ["code"], registers: [this.registry] });
  private readonly usageDenials = new Counter({ name: "burstlet_usage_reads_denied_total", help: "Azure Monitor usage reads refused for want of a role, by the action and scope Azure checks (the pods of a refused batch have no usage)", labelNames: ["action", "scope"], registers: [this.registry] });
  private readonly billedVcpu = new Counter({ name: "burstlet_billed_vcpu_seconds_total", help: "vCPU-seconds ACI billed for finished pods' container groups (first image pull to last container's end, allocated cores), by namespace and Job (job_name is empty for pods of no Job)", labelNames: ["namespace", "job_name"], registers: [this.registry] });
  private readonly billedMemory = new Counter({ name: "burstlet_billed_gb_seconds_total", help: "GB-seconds ACI billed for finished pods' container groups (first image pull to last container's end, allocated memory), by namespace and Job (job_name is empty for pods of no Job)", labelNames: ["namespace", "job_name"], registers: [this.registry] });
  private readonly apiRequests = new Counter({ name: "burstlet_kubelet_api_requests_total", help: "Requests to the kubelet API, by route and status code", labelNames: ["route", "code"], registers: [this.registry] });
  private readonly lastWaitedMs: Record<BudgetKind, number> = { read: 0, write: 0, log: 0 };

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "burstlet_" });
  }

  /** Reads the running parts on every scrape. Call once. */
  observe(sources: MetricSources): void {
    const r = [this.registry];
    const lastWaitedMs = this.lastWaitedMs;
    new Counter({
      name: "burstlet_arm_budget_wait_seconds_total", help: "Time ARM calls spent waiting for a token of burstlet's own budget", labelNames: ["kind"], registers: r,
      collect() {
        for (const kind of BUDGETS) {
          const waited = sources.buckets[kind].waitedMs;
          this.inc({ kind }, Math.max(0, waited - lastWaitedMs[kind]) / 1000);
          lastWaitedMs[kind] = waited;
        }
      },
    });
    new Gauge({ name: "burstlet_arm_budget_waiters", help: "ARM calls waiting for a token now", labelNames: ["kind"], registers: r, collect() { for (const kind of BUDGETS) this.set({ kind }, sources.buckets[kind].queued); } });
    new Gauge({ name: "burstlet_pod_records", help: "Pods the controller keeps a record of, by where their backing is", labelNames: ["backing"], registers: r, collect() { for (const [backing, n] of Object.entries(sources.records?.() ?? {})) this.set({ backing }, n); } });
    new Gauge({ name: "burstlet_workqueue_depth", help: "Keys waiting in a work queue (not counting delayed retries)", labelNames: ["queue"], registers: r, collect() { for (const q of sources.queues) this.set({ queue: q.name }, q.depth); } });
    new Gauge({ name: "burstlet_workqueue_delayed", help: "Keys waiting for their retry backoff", labelNames: ["queue"], registers: r, collect() { for (const q of sources.queues) this.set({ queue: q.name }, q.delayedCount); } });
    new Gauge({ name: "burstlet_status_staleness_seconds", help: "Age of the oldest status read among tracked pods", registers: r, collect() { this.set(sources.tracker.maxStalenessSeconds()); } });
    new Gauge({ name: "burstlet_tracked_pods", help: "Pods whose status is read from Azure Container Instances", registers: r, collect() { this.set(sources.tracker.size); } });
    new Gauge({ name: "burstlet_container_group_deletions_pending", help: "Container groups whose deletion ARM accepted and that are not seen gone yet", registers: r, collect() { this.set(sources.deletions.pending); } });
    const finalLogs = sources.finalLogs;
    if (finalLogs) {
      new Gauge({ name: "burstlet_final_logs_bytes", help: "Bytes of final logs kept in memory for finished pods whose container groups were deleted", registers: r, collect() { this.set(finalLogs.bytes); } });
      new Gauge({ name: "burstlet_final_logs_limit_bytes", help: "The most bytes of final logs kept in memory (--final-logs-memory-mb)", registers: r, collect() { this.set(finalLogs.totalBytes); } });
      new Gauge({ name: "burstlet_final_logs_pods", help: "Finished pods whose final logs are kept in memory", registers: r, collect() { this.set(finalLogs.size); } });
      totalCounter(r, "burstlet_final_logs_evicted_pods_total", "Finished pods whose final logs were evicted to make room for newer ones", () => finalLogs.evictions);
    }
    const creates = sources.creates;
    if (creates) {
      new Gauge({ name: "burstlet_create_slot_waiters", help: "Pods whose create waits for a slot under ACI's create windows or quotas", registers: r, collect() { this.set(creates.waitingCount); } });
      totalCounter(r, "burstlet_aci_window_throttled_total", "Creates ACI answered 429 from its own create window (burstlet then slows the window)", () => creates.throttled);
    }
    new Gauge({
      name: "burstlet_pods", help: "Pods bound to the virtual node, by phase", labelNames: ["phase"], registers: r,
      collect() {
        const counts = new Map<string, number>(PHASES.map((p) => [p, 0]));
        for (const pod of sources.pods()) {
          const phase = pod.status?.phase ?? "Pending";
          counts.set(phase, (counts.get(phase) ?? 0) + 1);
        }
        for (const [phase, n] of counts) this.set({ phase }, n);
      },
    });
  }

  /** The ARM client's per-attempt hook. A PUT or DELETE that ARM accepted counts a group created or deleted. */
  armCall(call: ArmCall): void {
    this.armRequests.inc({ method: call.method, kind: call.kind, code: String(call.status) });
    this.armDuration.observe({ kind: call.kind }, call.ms / 1000);
    if (call.method === "PUT" && (call.status === 200 || call.status === 201)) this.groupsCreated.inc();
    if (call.method === "DELETE" && (call.status === 200 || call.status === 202)) this.groupsDeleted.inc();
  }

  /** The Azure Monitor client's per-attempt hook. */
  monitorCall(call: { status: number | "error" }): void {
    this.monitorRequests.inc({ code: String(call.status) });
  }

  /** The usage poller's hook for a batch refused for want of a role. */
  usageDenied(denial: { readonly action: string; readonly scope: string }): void {
    this.usageDenials.inc({ action: denial.action, scope: denial.scope });
  }

  /** A work queue's per-key hook. */
  reconciled(queue: string, ms: number, failed: boolean): void {
    this.reconcile.observe({ queue, result: failed ? "error" : "ok" }, ms / 1000);
  }

  /** The pod controller's hook once a finished pod's billed compute is written. */
  billed(pod: V1Pod, billed: { readonly vcpuSeconds: number; readonly gbSeconds: number }): void {
    const labels = { namespace: pod.metadata?.namespace ?? "", job_name: jobName(pod) ?? "" };
    this.billedVcpu.inc(labels, billed.vcpuSeconds);
    this.billedMemory.inc(labels, billed.gbSeconds);
  }

  apiRequest(route: string, code: number): void {
    this.apiRequests.inc({ route, code: String(code) });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The Job a pod belongs to: its controlling owner, else the label the Job controller sets. */
export function jobName(pod: V1Pod): string | undefined {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.kind === "Job" && o.apiVersion.startsWith("batch/"));
  const labels = pod.metadata?.labels ?? {};
  return owner?.name ?? labels["batch.kubernetes.io/job-name"] ?? labels["job-name"];
}

/** A counter that follows a running total kept elsewhere: each scrape adds what it grew by. */
function totalCounter(registers: Registry[], name: string, help: string, total: () => number): void {
  let before = 0;
  new Counter({
    name, help, registers,
    collect() {
      const now = total();
      this.inc(Math.max(0, now - before));
      before = now;
    },
  });
}

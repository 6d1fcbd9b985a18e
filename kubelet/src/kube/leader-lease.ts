/**
 * Where the leader record lives: the Lease `burstlet-<node>` through the API server, with optimistic
 * concurrency (a write names the resourceVersion it read), and the namespace it lives in. The
 * elector (`leader-election.ts`) talks to it through {@link LeaderLeaseStore}, so tests can put any
 * store behind it.
 */
import { readFileSync } from "node:fs";
import { CoordinationV1Api, type KubeConfig, type V1Lease, type V1LeaseSpec, type V1ObjectMeta } from "@kubernetes/client-node";
import { microTime } from "../node/node-controller";
import { isConflict, isNotFound } from "../util/kube-errors";

/** Where a pod finds its own namespace. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
/** The namespace outside a pod: where the control plane's own components keep their leader Leases. */
export const FALLBACK_LEADER_NAMESPACE = "kube-system";

/** The election state a Lease holds (client-go's `LeaderElectionRecord`); times in epoch ms. */
export interface LeaderRecord {
  /** The leader's identity; empty when released. */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: number;
  readonly renewTime: number;
  readonly leaseTransitions: number;
}

export interface StoredLeaderRecord {
  readonly record: LeaderRecord;
  readonly resourceVersion: string;
}

/** Another writer got there first: the lease exists (create) or changed since it was read (replace). */
export class LeaseConflictError extends Error {
  override readonly name = "LeaseConflictError";
}

/**
 * Where the record lives. `get` resolves `undefined` when there is none; `create` and `replace`
 * reject with {@link LeaseConflictError} when another writer got there first (`replace` only
 * succeeds at `resourceVersion`); any other rejection is a failed attempt, tried again later.
 */
export interface LeaderLeaseStore {
  /** `namespace/name`, for logs. */
  readonly description: string;
  get(): Promise<StoredLeaderRecord | undefined>;
  create(record: LeaderRecord): Promise<StoredLeaderRecord>;
  replace(record: LeaderRecord, resourceVersion: string): Promise<StoredLeaderRecord>;
}

/** The record as a Lease spec: times as MicroTime, which the API server requires. */
export function leaseSpecOf(record: LeaderRecord): V1LeaseSpec {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: microTime(record.acquireTime),
    renewTime: microTime(record.renewTime),
    leaseTransitions: record.leaseTransitions,
  };
}

/** A Lease's record; absent fields read as client-go reads them (empty, zero). */
export function recordOf(lease: V1Lease): StoredLeaderRecord {
  const spec = lease.spec ?? {};
  const time = (t: Date | undefined): number => (t ? new Date(t).getTime() : 0);
  return {
    record: {
      holderIdentity: spec.holderIdentity ?? "",
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: time(spec.acquireTime),
      renewTime: time(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
    resourceVersion: lease.metadata?.resourceVersion ?? "",
  };
}

/** The leader record in a Lease, through the API server. */
export class KubeLeaderLeaseStore implements LeaderLeaseStore {
  private readonly api: CoordinationV1Api;
  private resolvedNamespace: string | undefined;
  /** Labels and annotations others may have set, kept on replace. */
  private metadata: V1ObjectMeta = {};

  constructor(kubeConfig: KubeConfig, private readonly namespaceOf: () => string, private readonly name: string) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  /** Resolves the namespace on first use (it may read the service account's namespace file). */
  get description(): string {
    return `${this.ns()}/${this.name}`;
  }

  async get(): Promise<StoredLeaderRecord | undefined> {
    try {
      return this.keep(await this.api.readNamespacedLease({ namespace: this.ns(), name: this.name }));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async create(record: LeaderRecord): Promise<StoredLeaderRecord> {
    try {
      return this.keep(await this.api.createNamespacedLease({ namespace: this.ns(), body: { metadata: { name: this.name, namespace: this.ns() }, spec: leaseSpecOf(record) } }));
    } catch (err) {
      if (isConflict(err)) throw new LeaseConflictError(`lease ${this.description} was created by another replica`, { cause: err });
      throw err;
    }
  }

  async replace(record: LeaderRecord, resourceVersion: string): Promise<StoredLeaderRecord> {
    const metadata: V1ObjectMeta = { labels: this.metadata.labels, annotations: this.metadata.annotations, name: this.name, namespace: this.ns(), resourceVersion };
    try {
      return this.keep(await this.api.replaceNamespacedLease({ namespace: this.ns(), name: this.name, body: { metadata, spec: leaseSpecOf(record) } }));
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) throw new LeaseConflictError(`lease ${this.description} changed since it was read`, { cause: err });
      throw err;
    }
  }

  private ns(): string {
    this.resolvedNamespace ??= this.namespaceOf();
    return this.resolvedNamespace;
  }

  private keep(lease: V1Lease): StoredLeaderRecord {
    this.metadata = lease.metadata ?? {};
    return recordOf(lease);
  }
}

/** The Lease's namespace: the configured one, else the pod's own (its service account's), else kube-system. */
export function leaderNamespace(configured: string | undefined, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): string {
  if (configured) return configured;
  try {
    const own = readFile(SERVICE_ACCOUNT_NAMESPACE_FILE).trim();
    if (own) return own;
  } catch {
    // Not in a pod: no service account volume.
  }
  return FALLBACK_LEADER_NAMESPACE;
}

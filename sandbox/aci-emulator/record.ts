/**
 * A record of what reached "Azure": every call (operation, status, duration) and, optionally, every
 * request body. Counters are always kept; call and body lists can be capped or switched off so that
 * long benchmarks run in bounded memory.
 */

export interface CallRecord {
  /** The spec's operationId (`ContainerGroups_CreateOrUpdate`), or an emulator name for non-ARM routes. */
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  /** HTTP status sent, or 0 when the connection was dropped. */
  readonly status: number;
  /** ARM error code of an error answer. */
  readonly errorCode?: string;
  readonly durationMs: number;
  /** Epoch milliseconds when the request arrived. */
  readonly at: number;
  /** The container group the call addressed, if any. */
  readonly groupName?: string;
}

export interface BodyRecord {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly groupName?: string;
  readonly at: number;
  /** The parsed request body, exactly as received. */
  readonly body: unknown;
}

/** A response that did not match the specification (collected when the self-check is on). */
export interface SpecViolationRecord {
  readonly operation: string;
  readonly status: number;
  readonly problems: readonly string[];
}

export interface RecordOptions {
  /** Keep the list of calls: `true`, `false`, or the most recent N. @default true */
  readonly calls?: boolean | number;
  /** Keep request bodies: `true`, `false`, or the most recent N. @default true */
  readonly bodies?: boolean | number;
}

export class CallLog {
  private callList: CallRecord[] = [];
  private bodyList: BodyRecord[] = [];
  private readonly violations: SpecViolationRecord[] = [];
  private byOperation = new Map<string, number>();
  private byOperationStatus = new Map<string, number>();
  private readonly maxCalls: number;
  private readonly maxBodies: number;

  constructor(options: RecordOptions = {}) {
    this.maxCalls = capacity(options.calls);
    this.maxBodies = capacity(options.bodies);
  }

  /** Calls in arrival order (the most recent ones when capped). */
  get calls(): readonly CallRecord[] {
    return this.callList.length > this.maxCalls ? this.callList.slice(-this.maxCalls) : this.callList;
  }

  /** Request bodies in arrival order (the most recent ones when capped). */
  get bodies(): readonly BodyRecord[] {
    return this.bodyList.length > this.maxBodies ? this.bodyList.slice(-this.maxBodies) : this.bodyList;
  }

  /** Responses the self-check found not matching the spec (empty when all is well). */
  get specViolations(): readonly SpecViolationRecord[] {
    return this.violations;
  }

  /** Number of calls of an operation, optionally with a given status (0 = dropped). Never capped. */
  count(operation: string, status?: number): number {
    return status === undefined ? (this.byOperation.get(operation) ?? 0) : (this.byOperationStatus.get(`${operation} ${status}`) ?? 0);
  }

  /** Counts of calls by operation, and by `operation status`. Never capped. */
  counts(): { byOperation: Record<string, number>; byOperationStatus: Record<string, number>; total: number } {
    let total = 0;
    for (const n of this.byOperation.values()) total += n;
    return { byOperation: Object.fromEntries(this.byOperation), byOperationStatus: Object.fromEntries(this.byOperationStatus), total };
  }

  /** Bodies sent to a container group (all operations, or one). */
  bodiesFor(groupName: string, operation?: string): unknown[] {
    return this.bodyList.filter((b) => b.groupName === groupName && (operation === undefined || b.operation === operation)).map((b) => b.body);
  }

  /** Forgets everything recorded so far. */
  clear(): void {
    this.callList = [];
    this.bodyList = [];
    this.violations.length = 0;
    this.byOperation = new Map();
    this.byOperationStatus = new Map();
  }

  /** @internal */
  addCall(call: CallRecord): void {
    this.byOperation.set(call.operation, (this.byOperation.get(call.operation) ?? 0) + 1);
    const key = `${call.operation} ${call.status}`;
    this.byOperationStatus.set(key, (this.byOperationStatus.get(key) ?? 0) + 1);
    push(this.callList, call, this.maxCalls);
  }

  /** @internal */
  addBody(body: BodyRecord): void {
    push(this.bodyList, body, this.maxBodies);
  }

  /** @internal */
  addViolation(v: SpecViolationRecord): void {
    if (this.violations.length < 1000) this.violations.push(v);
  }
}

function capacity(option: boolean | number | undefined): number {
  if (option === undefined || option === true) return Number.POSITIVE_INFINITY;
  if (option === false) return 0;
  return Math.max(0, Math.floor(option));
}

function push<T>(list: T[], item: T, max: number): void {
  if (max === 0) return;
  list.push(item);
  // Trim in chunks so a capped list costs O(1) amortised per call.
  if (list.length > max * 2 || (list.length > max && max < 64)) list.splice(0, list.length - max);
}

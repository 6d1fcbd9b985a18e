/**
 * ARM's asynchronous operations as the emulator keeps them: each long-running request gets one, its
 * status resource answers `Azure-AsyncOperation` polls, and finished ones are forgotten once there
 * are many (those in progress never are).
 */
import { ArmError } from "./errors";
import type { OpResponse } from "./service";

export interface AsyncOperation {
  readonly id: string;
  status: "InProgress" | "Succeeded" | "Failed";
  readonly startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
}

const MAX_FINISHED_OPERATIONS = 20_000;

export class Operations {
  private readonly byId = new Map<string, AsyncOperation>();

  /** `statusUrl`: where the operation's status resource is, for the `Azure-AsyncOperation` header. */
  constructor(private readonly newId: () => string, private readonly statusUrl: (resourceGroup: string, location: string, id: string) => string) {}

  start(): AsyncOperation {
    const op: AsyncOperation = { id: this.newId(), status: "InProgress", startTime: new Date().toISOString() };
    this.byId.set(op.id, op);
    if (this.byId.size > MAX_FINISHED_OPERATIONS) {
      for (const [id, o] of this.byId) {
        if (this.byId.size <= MAX_FINISHED_OPERATIONS / 2) break;
        if (o.status !== "InProgress") this.byId.delete(id);
      }
    }
    return op;
  }

  finish(op: AsyncOperation, error?: { code: string; message: string }): void {
    op.status = error ? "Failed" : "Succeeded";
    op.endTime = new Date().toISOString();
    if (error) op.error = error;
  }

  /** The headers that point a client at the operation's status. */
  headers(resourceGroup: string, location: string, op: AsyncOperation): Record<string, string> {
    return { "azure-asyncoperation": this.statusUrl(resourceGroup, location, op.id) };
  }

  /** ARM's asynchronous operation status resource (Azure-AsyncOperation): id, name, status, times, error. */
  status(id: string): OpResponse {
    const op = this.byId.get(id);
    if (!op) throw new ArmError(404, "OperationNotFound", `The operation '${id}' could not be found.`);
    return { status: 200, body: { id: op.id, name: op.id, status: op.status, startTime: op.startTime, ...(op.endTime ? { endTime: op.endTime } : {}), ...(op.error ? { error: op.error } : {}) } };
  }
}

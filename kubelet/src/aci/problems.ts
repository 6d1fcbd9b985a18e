/**
 * Translation collects every problem of a pod before it gives up, so a user fixes them all in one
 * round instead of discovering them one create at a time.
 */
import { InvalidInputError, UnsupportedError } from "../errors";

interface Problem {
  readonly field: string;
  readonly message: string;
}

export class Problems {
  private readonly unsupported: Problem[] = [];
  private readonly invalid: Problem[] = [];
  /** Things the caller should tell the user about (as pod Events) although the pod runs. */
  readonly notes: string[] = [];

  /** The pod asks for something ACI cannot do: it will never run on this node as written. */
  unsupportedAt(field: string, message: string): void {
    this.unsupported.push({ field, message });
  }

  /** A reference that cannot be resolved now (a missing secret key): retrying may fix it. */
  invalidAt(field: string, message: string): void {
    this.invalid.push({ field, message });
  }

  note(message: string): void {
    this.notes.push(message);
  }

  /**
   * Throws when anything was collected. Unsupported features win over missing references, because
   * waiting for a secret to appear would not make the pod runnable.
   */
  throwIfAny(): void {
    if (this.unsupported.length > 0) {
      const [first] = this.unsupported;
      throw new UnsupportedError(first.field, listMessage(this.unsupported));
    }
    if (this.invalid.length > 0) {
      const [first] = this.invalid;
      throw new InvalidInputError(first.field, listMessage(this.invalid));
    }
  }
}

/** The first problem's message, followed by every other problem with its field. */
function listMessage(problems: readonly Problem[]): string {
  const [first, ...rest] = problems;
  if (rest.length === 0) return first.message;
  return `${first.message}; ${rest.length} more problem(s):\n${rest.map((p) => `  - ${p.field}: ${p.message}`).join("\n")}`;
}

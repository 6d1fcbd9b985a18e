/**
 * Azure RBAC as ARM applies it before a resource provider sees a request: the caller's principal
 * (from its token) needs a role assignment whose role definition allows the action (`actions` minus
 * `notActions`, wildcards, case-insensitive) at the request's scope or one of its parents. Linked
 * resources the request refers to (a subnet to join, an identity to assign) need their own actions
 * on their own scopes. Denials are ARM's 403 answers and are recorded.
 */
import { armErrors } from "./errors";
import { BUILT_IN_ROLE_DEFINITIONS, type RoleDefinition } from "./roles";

/** Who a token was issued to. */
export interface Principal {
  /** The object id (what role assignments name). */
  readonly objectId: string;
  readonly clientId: string;
}

export interface RoleAssignment {
  readonly principalId: string;
  /** A role definition ID (`.../roleDefinitions/<guid>`, any scope prefix) or its GUID. */
  readonly roleDefinitionId: string;
  readonly scope: string;
}

export interface Permission {
  readonly action: string;
  readonly scope: string;
}

/** What one request needs: its own action, and those on the resources it links to. */
export interface RequiredPermissions {
  readonly primary: Permission;
  readonly linked: readonly Permission[];
}

export interface Denial {
  readonly principalId: string;
  readonly action: string;
  readonly scope: string;
  /** A linked-resource check (`LinkedAuthorizationFailed`). */
  readonly linked: boolean;
  readonly at: number;
}

export interface AuthorizationOptions {
  /** @default [] */
  readonly assignments?: readonly RoleAssignment[];
  /** Custom role definitions, besides the built-in ones. @default [] */
  readonly definitions?: readonly RoleDefinition[];
}

const MAX_DENIALS = 1000;

/**
 * Whether an `actions` entry (with `*` wildcards) covers an action. A wildcard that is a whole
 * segment may also stand for no segment: the Managed Identity Operator's
 * `userAssignedIdentities/<*>/assign/action` grants `userAssignedIdentities/assign/action`.
 */
export function actionMatches(pattern: string, action: string): boolean {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join("<*>")
    .split("/<*>/")
    .join("/(?:.*/)?")
    .split("<*>")
    .join(".*");
  return new RegExp(`^${body}$`, "i").test(action);
}

/** Whether an assignment at `assigned` reaches `scope`: the same scope or a child of it. */
export function scopeCovers(assigned: string, scope: string): boolean {
  const a = assigned.replace(/\/+$/, "").toLowerCase();
  const s = scope.replace(/\/+$/, "").toLowerCase();
  return a === "" || s === a || s.startsWith(`${a}/`);
}

/** Whether a role definition allows a (control-plane) action. */
export function roleAllows(role: RoleDefinition, action: string): boolean {
  return role.actions.some((p) => actionMatches(p, action)) && !role.notActions.some((p) => actionMatches(p, action));
}

function roleGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split("/").pop() ?? "").toLowerCase();
}

export class Authorizer {
  private assignments: RoleAssignment[];
  private readonly definitions = new Map<string, RoleDefinition>();
  private readonly denied: Denial[] = [];
  private denialCount = 0;

  constructor(options: AuthorizationOptions = {}) {
    for (const r of [...BUILT_IN_ROLE_DEFINITIONS, ...(options.definitions ?? [])]) this.definitions.set(r.id.toLowerCase(), r);
    this.assignments = [...(options.assignments ?? [])];
  }

  /** Adds a role assignment; an unknown role definition is refused, as ARM refuses it. */
  assign(assignment: RoleAssignment): void {
    const guid = roleGuid(assignment.roleDefinitionId);
    if (!this.definitions.has(guid)) throw new TypeError(`unknown role definition '${assignment.roleDefinitionId}': define it first (built-in: ${BUILT_IN_ROLE_DEFINITIONS.map((r) => r.name).join(", ")})`);
    this.assignments.push(assignment);
  }

  /** Removes the assignments `match` selects; returns how many. */
  unassign(match: (a: RoleAssignment) => boolean): number {
    const before = this.assignments.length;
    this.assignments = this.assignments.filter((a) => !match(a));
    return before - this.assignments.length;
  }

  /** Adds (or replaces) a custom role definition. */
  define(role: RoleDefinition): void {
    this.definitions.set(role.id.toLowerCase(), role);
  }

  list(): readonly RoleAssignment[] {
    return this.assignments;
  }

  /** Denials so far (the latest {@link MAX_DENIALS}) and their total. */
  get denials(): { readonly total: number; readonly recent: readonly Denial[] } {
    return { total: this.denialCount, recent: this.denied };
  }

  clearDenials(): void {
    this.denied.length = 0;
    this.denialCount = 0;
  }

  allows(principalId: string, { action, scope }: Permission): boolean {
    const who = principalId.toLowerCase();
    return this.assignments.some((a) => {
      if (a.principalId.toLowerCase() !== who || !scopeCovers(a.scope, scope)) return false;
      const role = this.definitions.get(roleGuid(a.roleDefinitionId));
      return role !== undefined && roleAllows(role, action);
    });
  }

  /**
   * Whether the principal may do this, recording a denial when not: for services that authorize
   * with Azure RBAC but answer in their own way (the metrics batch API, a registry pull).
   */
  permits(principal: Principal, permission: Permission): boolean {
    if (this.allows(principal.objectId, permission)) return true;
    this.recordDenial(principal, permission, false);
    return false;
  }

  /** Throws ARM's 403 when the principal may not do what the request needs. */
  authorize(principal: Principal, required: RequiredPermissions): void {
    if (!this.allows(principal.objectId, required.primary)) {
      this.recordDenial(principal, required.primary, false);
      throw armErrors.authorizationFailed(principal.objectId, required.primary.action, required.primary.scope);
    }
    const missing = required.linked.filter((p) => !this.allows(principal.objectId, p));
    if (missing.length === 0) return;
    for (const p of missing) this.recordDenial(principal, p, true);
    throw armErrors.linkedAuthorizationFailed(principal.objectId, required.primary, missing);
  }

  private recordDenial(principal: Principal, p: Permission, linked: boolean): void {
    this.denialCount++;
    this.denied.push({ principalId: principal.objectId, action: p.action, scope: p.scope, linked, at: Date.now() });
    if (this.denied.length > MAX_DENIALS) this.denied.shift();
  }
}

/**
 * The control endpoint: plain JSON under `/_emulator/` on the emulator's own HTTPS server, for the
 * demo and benchmarks (tests in process use the same objects directly). Loopback only, no token.
 *
 *   GET    /_emulator                   → { endpoint, subscriptionId, resourceGroup, location, caCertPath, clientEnv }
 *   GET    /_emulator/health            → { ok: true }
 *   GET    /_emulator/faults            → current FaultSettings
 *   PUT    /_emulator/faults            ← partial FaultSettings (merged) → FaultSettings
 *   DELETE /_emulator/faults            → clears every fault
 *   POST   /_emulator/faults/outage     ← { durationMs, startInMs?, mode?: "error" | "drop" }
 *   GET    /_emulator/record            → { counts, calls? } (`?calls=N` adds the last N calls)
 *   GET    /_emulator/record/bodies     → recorded request bodies (`?group=NAME` filters)
 *   DELETE /_emulator/record            → forgets what was recorded
 *   GET    /_emulator/groups            → [{ id, name, resourceGroup, location, provisioningState, state, tags, createdAt }]
 *   DELETE /_emulator/groups/{name}     → removes the group at once, as if deleted outside its owner or lost (204, or 404)
 *   POST   /_emulator/groups/{name}/evict → evicts a Spot group, as Azure does when it reclaims the capacity (204, or 404)
 *   POST   /_emulator/resource-groups   ← { name } adds a resource group
 *   POST   /_emulator/tokens/revoke     → every issued token becomes invalid
 *   GET    /_emulator/authorization     → { enabled, assignments, denials: { total, recent } }
 */
import type { Authorizer } from "./authorization";
import type { Faults } from "./faults";
import type { TokenAuthority } from "./identity";
import type { CallLog } from "./record";
import type { AciService, OpResponse } from "./service";

export interface ControlDeps {
  readonly info: () => Record<string, unknown>;
  readonly faults: Faults;
  readonly record: CallLog;
  readonly service: AciService;
  readonly identity: TokenAuthority;
  readonly authorizer: Authorizer | undefined;
}

export function createControlHandler(deps: ControlDeps): (method: string, pathname: string, query: URLSearchParams, body: string) => OpResponse | undefined {
  return (method, pathname, query, body) => {
    const route = `${method} ${pathname.replace(/\/+$/, "")}`;
    const lost = /^DELETE \/_emulator\/groups\/([^/]+)$/.exec(route);
    if (lost) return deps.service.lose(decodeURIComponent(lost[1])) ? { status: 204 } : { status: 404, body: { error: `no container group ${lost[1]}` } };
    const evicted = /^POST \/_emulator\/groups\/([^/]+)\/evict$/.exec(route);
    if (evicted) return deps.service.evict(decodeURIComponent(evicted[1])) ? { status: 204 } : { status: 404, body: { error: `no Spot container group ${evicted[1]}` } };
    switch (route) {
      case "GET /_emulator":
        return ok(deps.info());
      case "GET /_emulator/health":
        return ok({ ok: true });
      case "GET /_emulator/faults":
        return ok(deps.faults.get());
      case "PUT /_emulator/faults":
      case "PATCH /_emulator/faults":
        return ok(deps.faults.set(parseObject(body)));
      case "DELETE /_emulator/faults":
        deps.faults.clear();
        return ok(deps.faults.get());
      case "POST /_emulator/faults/outage": {
        const o = parseObject(body) as { durationMs?: unknown; startInMs?: unknown; mode?: unknown };
        if (typeof o.durationMs !== "number") throw new TypeError("`durationMs` (number) is required");
        deps.faults.outage(o.durationMs, { ...(typeof o.startInMs === "number" ? { startInMs: o.startInMs } : {}), ...(o.mode === "drop" || o.mode === "error" ? { mode: o.mode } : {}) });
        return ok(deps.faults.get());
      }
      case "GET /_emulator/record": {
        const n = Number.parseInt(query.get("calls") ?? "0", 10);
        const calls = deps.record.calls;
        return ok({ counts: deps.record.counts(), ...(n > 0 ? { calls: calls.slice(Math.max(0, calls.length - n)) } : {}), specViolations: deps.record.specViolations });
      }
      case "GET /_emulator/record/bodies": {
        const group = query.get("group");
        return ok(group ? deps.record.bodies.filter((b) => b.groupName === group) : deps.record.bodies);
      }
      case "DELETE /_emulator/record":
        deps.record.clear();
        return { status: 204 };
      case "GET /_emulator/groups":
        return ok(
          deps.service.list().map((g) => ({ id: g.id, name: g.name, resourceGroup: g.resourceGroup, location: g.location, zones: g.spec.zones ?? [], provisioningState: g.runtime.provisioningState, state: g.runtime.state, tags: g.tags ?? {}, createdAt: new Date(g.createdAt).toISOString() })),
        );
      case "POST /_emulator/resource-groups": {
        const { name } = parseObject(body) as { name?: unknown };
        if (typeof name !== "string" || name === "") throw new TypeError("`name` (string) is required");
        deps.service.addResourceGroup(name);
        return { status: 201, body: { name } };
      }
      case "GET /_emulator/authorization":
        return ok(deps.authorizer ? { enabled: true, assignments: deps.authorizer.list(), denials: deps.authorizer.denials } : { enabled: false });
      case "POST /_emulator/tokens/revoke":
        deps.identity.revokeAll();
        return { status: 204 };
      default:
        return undefined;
    }
  };
}

function ok(body: unknown): OpResponse {
  return { status: 200, body };
}

function parseObject(body: string): Record<string, unknown> {
  const value = JSON.parse(body === "" ? "{}" : body) as unknown;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TypeError("the body must be a JSON object");
  return value as Record<string, unknown>;
}

/** Resources declared under mocks, as the policy rules see a stack. */
import type { StackResource } from "../../policy/model";
import type { DeclaredResource } from "../components/mocks";

export function asStack(resources: readonly DeclaredResource[]): StackResource[] {
  return resources.map((r) => ({ type: r.type, name: r.name, props: r.state as Record<string, unknown> }));
}

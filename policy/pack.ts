/**
 * The burstlet policy pack. Constructing a `PolicyPack` starts the policy server, so this entry
 * file does only that; the rules live in `rules.ts` as pure functions.
 *
 *   pulumi preview --policy-pack policy   (the engine starts it through `index.js`)
 */
import { PolicyPack, type PolicyResource } from "@pulumi/policy";
import type { StackResource } from "./model";
import { RULES } from "./rules";

function toStackResource(resource: PolicyResource): StackResource {
  return { type: resource.type, name: resource.name, urn: resource.urn, props: resource.props };
}

new PolicyPack("burstlet", {
  description: "Guardrails for hybrid clusters whose virtual node bursts into Azure Container Instances.",
  enforcementLevel: "mandatory",
  policies: RULES.map((rule) => ({
    name: rule.name,
    description: rule.description,
    severity: rule.severity,
    validateStack: (args, reportViolation) => {
      for (const violation of rule.check(args.resources.map(toStackResource))) {
        reportViolation(violation.message, violation.resource.startsWith("urn:") ? violation.resource : undefined);
      }
    },
  })),
});

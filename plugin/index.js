/**
 * The plugin's entry as the engine starts it: through `@pulumi/pulumi`'s `run-plugin`, which
 * registers its own type-checking ts-node (files under node_modules skipped) and ignores
 * `nodeargs`. The components are loaded with tsx instead, as the policy pack's are; Pulumi's schema
 * analyzer reads `index.ts` beside this file (it maps `main` from `.js` to `.ts`).
 */
"use strict";
// Registered for the whole process, not namespaced, so the components share run-plugin's one copy
// of @pulumi/pulumi (its runtime state and its protobuf classes) instead of loading their own.
require("tsx/cjs/api").register();
module.exports = require("./index.ts");

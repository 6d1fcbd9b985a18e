/**
 * The plugin's entry as the engine starts it: through `@pulumi/pulumi`'s `run-plugin`, which
 * registers its own type-checking ts-node (files under node_modules skipped) and ignores
 * `nodeargs`. The components are loaded with tsx instead, as the policy pack's are; Pulumi's schema
 * analyzer reads `index.ts` beside this file (it maps `main` from `.js` to `.ts`).
 */
"use strict";
module.exports = require("tsx/cjs/api").require("./index.ts", __filename);

/**
 * The pack's entry as the engine starts it: through `@pulumi/pulumi`'s `run-policy-pack`, which
 * registers its own type-checking ts-node (ES2020, files under node_modules skipped) and ignores
 * `nodeargs`. The pack's TypeScript is loaded with tsx instead, the loader the package's programs
 * use, so it runs the same from this repository and from an installed package.
 */
"use strict";
require("tsx/cjs/api").require("./pack.ts", __filename);

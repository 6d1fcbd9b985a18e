/**
 * The pack's entry as the engine starts it: through `@pulumi/pulumi`'s `run-policy-pack`, which
 * registers its own type-checking ts-node (ES2020, files under node_modules skipped) and ignores
 * `nodeargs`. The pack's TypeScript is loaded with tsx instead, the loader the package's programs
 * use, so it runs the same from this repository and from an installed package.
 */
"use strict";
// Registered for the whole process, not namespaced: a namespaced load gives the pack its own copies
// of @pulumi/pulumi's protobuf classes, and the gRPC service then refuses its GetPluginInfo answer
// ("Error serializing response"), which the engine asks for before anything else.
require("tsx/cjs/api").register();
require("./pack.ts");

/**
 * Entry point of `pulumi up` on this project (Pulumi.yaml `main: stacks/`). With the pulumi CLI the
 * `plinth` provider runs as a plugin (`pulumi-resource-plinth`); `npm start` runs the same program inline
 * with the provider inside its own process (and checks stored requests itself, before its `up`).
 */
import * as path from "node:path";
import { locateFluxCrds } from "../tools/cluster/flux-crds";
import { platformProgram } from "./platform";

export = platformProgram({ checkStoredRequests: true, fluxCrdDir: () => locateFluxCrds(path.resolve(__dirname, "..")) })();

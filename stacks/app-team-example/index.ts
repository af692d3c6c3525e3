/**
 * `pulumi up` in this directory (see README "App teams' Pulumi programs"). Config:
 *   kubeconfig  path of the team's Plinth kubeconfig (default: ../../.plinth/kubeconfig, from npm start)
 *   size        small | large
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { appTeamProgram } from "./program";

const config = new pulumi.Config();
const file = config.get("kubeconfig") ?? path.join(__dirname, "..", "..", ".plinth", "kubeconfig");
const size = config.get("size") === "large" ? "large" : "small";

export = appTeamProgram({ kubeconfig: fs.readFileSync(file, "utf8"), size })();

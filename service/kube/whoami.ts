/**
 * `POST /apis/authentication.k8s.io/v1/selfsubjectreviews` (`kubectl auth whoami`): the caller's team as
 * the user name, and the namespaces it may use as `extra["plinth.dev/namespaces"]` (what `plinth
 * kubeconfig` reads to pick the default namespace).
 */
import type { RouteHandler } from "../http/routes/context";
import { sendObject } from "./context";

export const selfSubjectReview: RouteHandler = async (ctx) => {
  const { team, namespaces } = ctx.caller;
  sendObject(ctx.res, 201, {
    kind: "SelfSubjectReview",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { creationTimestamp: new Date().toISOString() },
    status: {
      userInfo: {
        username: team,
        groups: ["system:authenticated", `plinth:team:${team}`],
        extra: { "plinth.dev/namespaces": namespaces === "*" ? ["*"] : [...namespaces] },
      },
    },
  });
};

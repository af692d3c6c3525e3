/** `plinth kubeconfig`: a kubeconfig for the caller's team (server, token, default namespace) for kubectl and client libraries. */
import { BadRequestError } from "../../components/errors";
import { defaultNamespace, kubeconfigFor } from "../../service/kube/kubeconfig";
import type { Command } from "./types";

interface Review {
  status: { userInfo: { username: string; extra?: Record<string, string[]> } };
}

export const kubeconfigCommand: Command = {
  name: "kubeconfig",
  summary: "print a kubeconfig for your team (kubectl, client-go, the Pulumi Kubernetes provider)",
  usage: "kubeconfig [-n namespace] > plinth.kubeconfig",
  options: { namespace: { type: "string", short: "n", description: "default namespace (default: your team's first)" } },
  async run({ flags, io, client }) {
    const { url, token } = client.connection;
    if (!token) throw new BadRequestError("no token: set PLINTH_TOKEN or run where .plinth/token is (npm start writes it)", undefined, "Usage");
    const { body } = await client.request<Review>("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "SelfSubjectReview",
    });
    const info = body.status.userInfo;
    const namespaces = info.extra?.["plinth.dev/namespaces"] ?? [];
    const namespace = typeof flags.namespace === "string" && flags.namespace ? flags.namespace : defaultNamespace(namespaces.includes("*") ? "*" : namespaces);
    io.stdout(kubeconfigFor({ server: url, token, team: info.username, namespace }));
    return 0;
  },
};

/** `plinth kubeconfig`: a kubeconfig for the caller's team (server, token, default namespace) for kubectl and client libraries. */
import { BadRequestError } from "../../components/errors";
import { findPlinthFile } from "../config";
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
    // Loaded here, not at the top: it pulls in yaml, which other commands do without (see ../format/output).
    const { defaultNamespace, kubeconfigFor, tlsUrl } = await import("../../service/kube/kubeconfig.js");
    const info = body.status.userInfo;
    const namespaces = info.extra?.["plinth.dev/namespaces"] ?? [];
    const namespace = typeof flags.namespace === "string" && flags.namespace ? flags.namespace : defaultNamespace(namespaces.includes("*") ? "*" : namespaces);
    // The platform speaks TLS on the same port with a self-signed certificate: `.plinth/tls.crt` (npm start
    // writes it) or PLINTH_CA; without either the kubeconfig skips verification.
    const caFile = io.env.PLINTH_CA;
    const caPem = caFile ? await io.readFile(caFile) : findPlinthFile(io.cwd, "tls.crt");
    if (!caPem) io.stderr("warning: no CA (set PLINTH_CA or run where .plinth/tls.crt is): the kubeconfig skips TLS verification\n");
    io.stdout(kubeconfigFor({ server: tlsUrl(url), caPem, token, team: info.username, namespace }));
    return 0;
  },
};

/**
 * Plausible provider state for the recording mocks (what AWS, GCP, the command provider would report), so
 * kubeconfig builders run on real-looking values. Shared by the destination and topology tests.
 */
import type * as pulumi from "@pulumi/pulumi";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIBADAKBggqhkjOPQQDAjAjMSEwHwYDVQQDDBhrM3Mtc2VydmVy\n-----END CERTIFICATE-----\n";
export const FAKE_CA_B64 = Buffer.from(PEM).toString("base64");
export const FAKE_K3S_TOKEN = "K10fake0token::server:0123456789abcdef";
export const FAKE_CLIENT_KEY_B64 = Buffer.from("-----BEGIN EC PRIVATE KEY-----\nfake\n-----END EC PRIVATE KEY-----\n").toString("base64");

/** The kubeconfig k3s writes on its server. */
export const K3S_YAML = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${FAKE_CA_B64}
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: ${FAKE_CA_B64}
    client-key-data: ${FAKE_CLIENT_KEY_B64}
`;

export function cloudState(r: pulumi.runtime.MockResourceArgs): Record<string, unknown> | undefined {
  const i = r.inputs ?? {};
  switch (r.type) {
    case "aws:iam/role:Role":
      return { name: r.name, arn: `arn:aws:iam::123456789012:role/${r.name}` };
    case "aws:eks/cluster:Cluster":
      return {
        arn: `arn:aws:eks:eu-west-1:123456789012:cluster/${i.name}`,
        endpoint: `https://0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.eu-west-1.eks.amazonaws.com`,
        certificateAuthority: { data: FAKE_CA_B64 },
        status: "ACTIVE",
      };
    case "gcp:serviceaccount/account:Account":
      return { email: `${i.accountId}@${i.project}.iam.gserviceaccount.com` };
    case "gcp:container/cluster:Cluster":
      return { endpoint: "34.77.1.23", masterAuth: { clusterCaCertificate: FAKE_CA_B64 } };
    case "command:remote:Command":
      if (r.name.endsWith("-join-token")) return { stdout: `${FAKE_K3S_TOKEN}\n`, stderr: "" };
      if (r.name.endsWith("-kubeconfig")) return { stdout: K3S_YAML, stderr: "" };
      return { stdout: "[INFO]  systemd: Starting k3s\n", stderr: "" };
    default:
      return undefined;
  }
}

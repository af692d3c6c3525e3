/**
 * Secrets in placements (README "Secrets"): every `Secret` a placement writes is SOPS-encrypted to its
 * destination's age recipient before the Git write (the `plinth` provider does it); a plaintext Secret
 * for a destination without a key is refused — the whole request fails before anything is written —
 * unless the platform config allows plaintext there (`allowPlaintextSecrets`, path-only dev destinations).
 */
import { PlinthError } from "../errors";
import { plaintextSecrets } from "../state-store/sops/manifests";
import type { DestinationSpec } from "../../vocabulary/destination";
import type { PlacementSpec } from "./groups";
import type { Condition } from "../workflow/types";

export const PLAINTEXT_SECRET = "PlaintextSecret";

/** A placement's Secrets cannot be written: names every file and Secret, and the fix. */
export class PlaintextSecretError extends PlinthError {
  constructor(files: { file: string; destination: string; secrets: string[] }[]) {
    const list = files.map((f) => `${f.file} (Secret ${f.secrets.join(", ")} for destination "${f.destination}")`).join("; ");
    super(
      PLAINTEXT_SECRET,
      `${PLAINTEXT_SECRET}: refusing to commit plaintext Secrets: ${list}. The destination has no age key to SOPS-encrypt them to: give it one (remove sopsKey: false from its entry in plinth:destinations), send the Secret to a destination with a key, or, for a path-only dev destination only, set allowPlaintextSecrets: true`,
      { files },
      422,
    );
  }
}

/** Adds to each placement what its destination's key is (`sops`) and refuses plaintext it may not hold. */
export function secureSecrets(placements: PlacementSpec[], destinations: readonly DestinationSpec[]): { placements: PlacementSpec[]; plaintext: string[] } {
  const refused: { file: string; destination: string; secrets: string[] }[] = [];
  const plaintext: string[] = [];
  const out = placements.map((p) => {
    const dest = destinations.find((d) => d.name === p.destination);
    const recipient = dest?.secrets?.sopsRecipient;
    if (recipient) return { ...p, sops: { recipients: [recipient] } };
    for (const [file, content] of Object.entries(p.files)) {
      const secrets = plaintextSecrets(file, content);
      if (secrets.length === 0) continue;
      if (dest?.secrets?.allowPlaintextSecrets) plaintext.push(`${p.dir}/${file}`);
      else refused.push({ file: `${p.dir}/${file}`, destination: p.destination, secrets });
    }
    return dest?.secrets?.allowPlaintextSecrets ? { ...p, sops: { recipients: [], allowPlaintext: true } } : p;
  });
  if (refused.length) throw new PlaintextSecretError(refused);
  return { placements: out, plaintext };
}

/** The condition saying Secrets were written in plaintext where the platform allows it. */
export function plaintextCondition(plaintext: string[]): Condition | undefined {
  if (plaintext.length === 0) return undefined;
  return {
    type: "SecretsEncrypted",
    status: "False",
    reason: "PlaintextSecretsAllowed",
    message: `written in plaintext (the destination allows plaintext Secrets): ${plaintext.join(", ")}`,
  };
}

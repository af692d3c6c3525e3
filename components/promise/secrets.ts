/**
 * Secrets in placements (README "Secrets"): every `Secret` a placement writes is SOPS-encrypted to its
 * destination's age recipient before the Git write (the `plinth` provider does it); a plaintext Secret
 * for a destination without a key is refused — the whole request fails before anything is written —
 * unless the platform config allows plaintext there (`allowPlaintextSecrets`, path-only dev destinations).
 */
import { PlinthError } from "../errors";
import { contentOutsideSecrets, nestedSecrets, plaintextSecrets } from "../state-store/sops/manifests";
import type { DestinationSpec } from "../vocabulary/destination";
import type { PlacementSpec } from "./groups";
import type { Condition } from "../workflow/types";

export const PLAINTEXT_SECRET = "PlaintextSecret";

/** A placement's Secrets cannot be written: names every file and Secret, and the fix. */
export class PlaintextSecretError extends PlinthError {
  constructor(files: { file: string; destination: string; secrets: string[] }[]) {
    const list = files.map((f) => `${f.file} (${f.secrets.map((x) => (x.startsWith("holding ") ? x : `Secret ${x}`)).join(", ")} for destination "${f.destination}")`).join("; ");
    super(
      PLAINTEXT_SECRET,
      `${PLAINTEXT_SECRET}: refusing to commit plaintext Secrets: ${list}. Put every secret value in a top-level v1 Secret document (Plinth SOPS-encrypts those to the destination's age key); a destination without a key needs one (remove sopsKey: false from its entry in plinth:destinations), or, for a path-only dev destination only, allowPlaintextSecrets: true`,
      { files },
      422,
    );
  }
}

/** Sensitive spec values (sensitive.ts) a file holds outside a top-level Secret: the field paths. */
export function exposedSensitive(file: string, content: string, sensitive: readonly { path: string; value: string }[]): string[] {
  const vs = sensitive.filter((s) => s.value.length >= 4);
  if (vs.length === 0) return [];
  const outside = contentOutsideSecrets(file, content);
  return [...new Set(vs.filter((s) => outside.includes(s.value) || outside.includes(Buffer.from(s.value).toString("base64"))).map((s) => s.path))];
}

/**
 * Adds to each placement what its destination's key is (`sops`) and refuses what would reach Git in
 * plaintext: a Secret for a keyless destination (unless it allows plaintext), a Secret nested in another
 * object (SOPS encrypts whole documents, so it could not be), and a sensitive spec value outside a Secret.
 */
export function secureSecrets(
  placements: PlacementSpec[],
  destinations: readonly DestinationSpec[],
  sensitive: readonly { path: string; value: string }[] = [],
): { placements: PlacementSpec[]; plaintext: string[] } {
  const refused: { file: string; destination: string; secrets: string[] }[] = [];
  const plaintext: string[] = [];
  const out = placements.map((p) => {
    const dest = destinations.find((d) => d.name === p.destination);
    const recipient = dest?.secrets?.sopsRecipient;
    const allow = !recipient && dest?.secrets?.allowPlaintextSecrets === true;
    for (const [file, content] of Object.entries(p.files)) {
      const where = `${p.dir}/${file}`;
      const nested = nestedSecrets(file, content).map((n) => `${n} (nested in another object: make it a document of its own)`);
      const fields = exposedSensitive(file, content, sensitive).map((f) => `holding sensitive field ${f} outside a Secret`);
      const top = recipient ? [] : plaintextSecrets(file, content);
      const problems = [...top, ...nested, ...fields];
      if (problems.length === 0) continue;
      if (allow) plaintext.push(where);
      else refused.push({ file: where, destination: p.destination, secrets: problems });
    }
    if (recipient) return { ...p, sops: { recipients: [recipient] } };
    return allow ? { ...p, sops: { recipients: [], allowPlaintext: true } } : p;
  });
  if (refused.length) throw new PlaintextSecretError(refused);
  return { placements: out, plaintext: [...new Set(plaintext)] };
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

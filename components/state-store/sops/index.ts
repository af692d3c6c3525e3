/** SOPS with age: the format Flux's kustomize-controller decrypts (see document.ts and manifests.ts). */
export { SopsError } from "./errors";
export { generateAgeKey, recipientOf, isAgeIdentity, isAgeRecipient, type AgeKeyPair } from "./age";
export { encryptValue, decryptValue, isEncryptedValue } from "./cipher";
export { encryptDocument, decryptDocument, recipientsOf, isSopsDocument, SECRET_ENCRYPTED_REGEX, SOPS_VERSION, type SopsRules } from "./document";
export { encryptSecrets, decryptSecrets, plaintextSecrets, holdsSecret, isManifestFile, redactSecrets } from "./manifests";

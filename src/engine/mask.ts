/** What stands in for a secret value in every output. */
export const MASK = "****";

/** Shorter strings are not secrets worth masking, and replacing them would garble ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of each secret in `text`. The engine runs this before any reporter sees a finding. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let masked = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    masked = masked.split(secret).join(MASK);
  }
  return masked;
}

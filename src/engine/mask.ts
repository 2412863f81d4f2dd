import { findConnectionPasswords, findKnownTokens } from "../rule-kit/secrets.js";

/** What stands in for a secret value in every output. */
export const MASK = "****";

/** Shorter strings are not secrets worth masking, and replacing them would garble ordinary words. */
const MIN_SECRET_LENGTH = 4;

/**
 * Replaces every occurrence of each secret in `text` that stands on its own (not inside a longer
 * word). A short letters-only secret ("Anyone") is left alone in text the tool wrote itself: masking
 * it in a fixed sentence would point at the secret instead of hiding it. `quotesInput` marks text that
 * may quote the scanned files (parser messages), where every secret is masked.
 */
export function maskSecrets(text: string, secrets: Iterable<string>, quotesInput = false): string {
  let masked = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    if (!quotesInput && /^[A-Za-z]+$/.test(secret) && secret.length < 10) continue;
    masked = replaceStandalone(masked, secret);
  }
  return scrubCredentials(masked);
}

function replaceStandalone(text: string, secret: string): string {
  let out = "";
  let from = 0;
  for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + secret.length)) {
    const before = text[at - 1];
    const after = text[at + secret.length];
    if (isWordChar(before) && isWordChar(secret[0]) || isWordChar(after) && isWordChar(secret[secret.length - 1])) continue;
    out += text.slice(from, at) + MASK;
    from = at + secret.length;
  }
  return out + text.slice(from);
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9]/.test(c);
}

/** Provider tokens and connection-string passwords, wherever they come from, never reach an output. */
function scrubCredentials(text: string): string {
  const hits = [...findKnownTokens(text), ...findConnectionPasswords(text)].sort((a, b) => b.start - a.start);
  let out = text;
  let limit = text.length;
  for (const hit of hits) {
    if (hit.end > limit) continue; // overlaps a hit already masked
    out = out.slice(0, hit.start) + MASK + out.slice(hit.end);
    limit = hit.start;
  }
  return out;
}

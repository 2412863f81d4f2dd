import type { ImageRef } from "../model/artifacts.js";

// The Docker reference grammar (distribution/reference), kept lenient only in letter case:
// an upper-case repository is lower-cased rather than rejected.
const HOST_COMPONENT = "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)";
const DOMAIN = new RegExp(`^(?:\\[[0-9A-Fa-f:.]+\\]|${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*)(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/**
 * Parses an image reference such as `registry:5000/team/app:1.2@sha256:...`.
 * The first path segment is a registry when it contains `.` or `:` or is `localhost`
 * (so `localhost:5000/app` has a registry port and no tag). Returns undefined when the text
 * is empty or not a valid reference (unexpanded variables included).
 */
export function parseImageRef(text: string): ImageRef | undefined {
  const written = text.trim();
  if (written === "" || /\s/.test(written)) return undefined;

  let rest = written;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }

  // A tag can only follow the last path segment; a ':' before a '/' is a registry port.
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }

  let registry: string | undefined;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") {
      if (!DOMAIN.test(first)) return undefined;
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }

  const repository = rest.toLowerCase();
  const segments = repository.split("/");
  if (!segments.every((segment) => PATH_COMPONENT.test(segment))) return undefined;

  const ref: ImageRef = { text: written, repository, name: segments[segments.length - 1] };
  if (registry !== undefined) ref.registry = registry;
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

import type { ImageRef } from "../model/artifacts.js";

// STUB: to be implemented.
export function parseImageRef(text: string): ImageRef | undefined {
  void text;
  return undefined;
}

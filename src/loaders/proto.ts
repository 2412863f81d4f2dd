import type { ProtoFile } from "../model/artifacts.js";
import type { LoadResult } from "./load-result.js";

// STUB: to be implemented (protobufjs + a position index from its tokenizer).
export function loadProto(path: string, text: string): LoadResult<ProtoFile> {
  void text;
  return { value: { path, options: {}, imports: [], messages: [], enums: [], services: [] }, diagnostics: [] };
}

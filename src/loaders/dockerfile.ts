import type { DockerfileModel } from "../model/artifacts.js";
import type { LoadResult } from "./load-result.js";

// STUB: to be implemented (dockerfile-ast wrapped in our stage model).
export function loadDockerfile(path: string, text: string): LoadResult<DockerfileModel> {
  void text;
  return { value: { path, globalArgs: [], stages: [] }, diagnostics: [] };
}

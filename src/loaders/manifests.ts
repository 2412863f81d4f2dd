import type { Manifests } from "../model/artifacts.js";
import type { RepoFile } from "../model/repository.js";
import type { LoadResult } from "./load-result.js";
import type { RepoReader } from "./repository.js";

// STUB: to be implemented.
export function loadManifests(files: readonly RepoFile[], reader: RepoReader): LoadResult<Manifests> {
  void files;
  void reader;
  return { value: { packageJsons: [], goModules: [], goWorks: [], lockfiles: [] }, diagnostics: [] };
}

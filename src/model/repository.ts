import type {
  CiPipeline,
  ConfigDocument,
  ContainerRef,
  DockerfileModel,
  DockerIgnoreFile,
  K8sObject,
  Makefile,
  ShellScript,
  Manifests,
  ProtoBaseline,
  ProtoFile,
  Workload,
} from "./artifacts.js";
import type { InputKind } from "./rule.js";

/** How discovery classified a file by its name, before anything is parsed. */
export type FileKind =
  | "dockerfile"
  | "yaml"
  | "json"
  | "env"
  | "proto"
  | "go"
  | "typescript"
  | "javascript"
  | "manifest"
  | "lockfile"
  | "makefile"
  | "dockerignore"
  | "shell"
  | "other";

export interface RepoFile {
  /** Repository-relative path, forward slashes. */
  path: string;
  kind: FileKind;
  size: number;
}

/**
 * The repository as rules see it. Every artifact list is parsed on first access and cached;
 * Go and TypeScript files are not here: the engine streams them to rules' visitors one at a time.
 */
export interface Repository {
  /**
   * The scanned folder relative to the repository root ("" when they are the same). Path heuristics
   * (test, fixture, example folders) apply below it: the folder a user points the tool at is the
   * subject, whatever its own path is called.
   */
  readonly scanPrefix: string;
  /** Every file discovery kept (gitignore honoured, vendored and build output skipped). */
  readonly files: readonly RepoFile[];
  readonly dockerfiles: readonly DockerfileModel[];
  /** `.dockerignore` files (and per-Dockerfile `<name>.dockerignore` files), read with the Dockerfiles. */
  readonly dockerignores: readonly DockerIgnoreFile[];
  /** Every Kubernetes object, `kind: List` items expanded. */
  readonly kubernetes: readonly K8sObject[];
  /** Objects that carry a pod spec, whatever their kind. */
  readonly workloads: readonly Workload[];
  /** Every container of every workload, init containers and native sidecars included. */
  readonly containers: readonly ContainerRef[];
  readonly protos: readonly ProtoFile[];
  /**
   * The protos at the base git revision, for breaking-change checks; undefined when there is no git
   * history, no base to compare with, or git failed (then a diagnostic says why).
   */
  readonly protoBaseline?: ProtoBaseline;
  /** YAML/JSON/.env documents that are neither Kubernetes objects nor CI pipelines. */
  readonly configs: readonly ConfigDocument[];
  readonly manifests: Manifests;
  readonly ci: readonly CiPipeline[];
  /** Makefiles (`Makefile`, `GNUmakefile`, `*.mk`) with their targets and recipe lines. */
  readonly makefiles: readonly Makefile[];
  /** Shell scripts (`*.sh`, `*.bash`) as command lines: CI steps and make recipes run them. */
  readonly shellScripts: readonly ShellScript[];
  /** Whether the repository has anything of that kind to check (used for "not applicable"). */
  has(kind: InputKind): boolean;
}

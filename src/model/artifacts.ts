/**
 * The parsed repository as rules see it. Types only: loaders build these, rules read them.
 * Every artifact carries repository-relative paths and 1-based ranges.
 */
import type { ObjectPath, Range } from "./location.js";

// ---------------------------------------------------------------------------------------------
// Images (shared by Dockerfile FROM and Kubernetes container images)

export interface ImageRef {
  /** The reference as written, after variable expansion. */
  text: string;
  /** Registry host, with port when given ("localhost:5000"); absent for Docker Hub short names. */
  registry?: string;
  /** Repository path without registry: "golang", "distroless/static-debian12". */
  repository: string;
  /** Last path segment of the repository: "golang", "static-debian12". */
  name: string;
  tag?: string;
  digest?: string;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

export interface DockerFlag {
  name: string;
  /** null for a flag without value (`--link`). */
  value: string | null;
}

export interface DockerInstruction {
  /** Upper-case keyword: FROM, RUN, COPY, ... */
  keyword: string;
  /** Logical argument text: continuations joined, comment lines inside them dropped, flags included. */
  text: string;
  /** Arguments after the flags, split into words with quotes removed; variables not expanded. */
  args: string[];
  flags: DockerFlag[];
  /** Exec-form arguments when the argument text is a JSON array of strings; null for shell form. */
  exec: string[] | null;
  range: Range;
  /** Range of the argument text on the instruction's first line (where findings about a value point). */
  argsRange: Range;
}

export interface DockerFrom {
  instruction: DockerInstruction;
  /** Image reference after ARG expansion; absent when it refers to a stage, is `scratch` or is unresolved. */
  image?: ImageRef;
  /** Index of the earlier stage this stage builds on (`FROM builder AS final`). */
  parentStage?: number;
  scratch: boolean;
  /** The reference still contains a variable that could not be resolved: the image is unknown. */
  unresolved: boolean;
  platform?: string;
}

export interface DockerStage {
  index: number;
  /** The `AS name`, lower-cased; absent when unnamed. */
  name?: string;
  from: DockerFrom;
  /** Instructions after FROM up to the next FROM. */
  instructions: DockerInstruction[];
}

export interface DockerfileModel {
  path: string;
  /** ARG instructions before the first FROM. */
  globalArgs: DockerInstruction[];
  stages: DockerStage[];
}

/** One line of a `.dockerignore` file (comments and blank lines dropped). */
export interface DockerIgnorePattern {
  /** The pattern as written, without a leading `!`, trimmed. */
  pattern: string;
  /** A `!` exception: re-includes what earlier patterns excluded. */
  negated: boolean;
  range: Range;
}

/** A `.dockerignore` (or `<name>.Dockerfile.dockerignore`) file: what `docker build` leaves out of the context. */
export interface DockerIgnoreFile {
  path: string;
  patterns: DockerIgnorePattern[];
  /**
   * Whether a path relative to the build context (the folder holding this file) is left out of the context,
   * by a pattern or because a parent folder is; the last matching pattern wins, as in Docker.
   */
  excludes(contextPath: string): boolean;
}

// ---------------------------------------------------------------------------------------------
// YAML/JSON documents with positions (Kubernetes objects and service configs share this)

export interface Locatable {
  /** Range of the value at `path` inside this document's body; the nearest existing ancestor when absent. */
  locate(path: ObjectPath): Range;
  /** Range of the key of `path` (the value's range for sequence items and the root). */
  locateKey(path: ObjectPath): Range;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

export interface K8sObject extends Locatable {
  path: string;
  /** 0-based index of the YAML document in its file. */
  documentIndex: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The object as plain JSON. For an item of `kind: List`, the item itself. */
  body: Record<string, unknown>;
  /** Range of the object's `kind:` line, where object-level findings point. */
  range: Range;
}

export interface Workload {
  object: K8sObject;
  /** Path of the pod spec in the object body (["spec","template","spec"] for a Deployment). */
  podSpecPath: ObjectPath;
  podSpec: Record<string, unknown>;
  /** Path of the pod template's metadata, when the kind has a template. */
  podMetadataPath?: ObjectPath;
  podMetadata: Record<string, unknown>;
  /** Jobs, CronJobs and bare Pods with restartPolicy Never/OnFailure run to completion. */
  runsToCompletion: boolean;
  /**
   * A fragment, not a whole object: a kustomize patch (named by a kustomization's `patches` /
   * `patchesStrategicMerge`) or a pod spec whose containers have no image. What it lacks says nothing
   * about the deployed object; what it sets still applies.
   */
  partial?: boolean;
}

export type ContainerRole = "main" | "init" | "sidecar" | "ephemeral";

export interface ContainerRef {
  workload: Workload;
  container: Record<string, unknown>;
  /** Path of the container in the object body. */
  path: ObjectPath;
  /** `sidecar` is an init container with restartPolicy Always (a native sidecar: long-running). */
  role: ContainerRole;
  name: string;
  image?: ImageRef;
}

// ---------------------------------------------------------------------------------------------
// Service configuration (YAML / JSON / .env that is not Kubernetes or CI)

export interface ConfigEntry {
  /** Path of the scalar in the document body. For .env files, [KEY]. */
  path: ObjectPath;
  /** The last string key on the path (the env var name for .env). */
  key: string;
  value: string | number | boolean | null;
  range: Range;
  keyRange: Range;
}

export interface ConfigDocument extends Locatable {
  path: string;
  format: "yaml" | "json" | "env";
  documentIndex: number;
  body: unknown;
  /** Every scalar leaf with its position, in document order. */
  entries: ConfigEntry[];
}

// ---------------------------------------------------------------------------------------------
// Protocol Buffers

export interface ProtoNamed {
  name: string;
  /** Range of the declaration's name. */
  range: Range;
  /** Leading comment, when any. */
  comment?: string;
}

export interface ProtoField extends ProtoNamed {
  number: number;
  type: string;
  label?: "repeated" | "optional" | "required";
  oneof?: string;
  /** Key type when this is a map field (`type` holds the value type). */
  mapKeyType?: string;
}

export interface ProtoEnum extends ProtoNamed {
  fullName: string;
  values: (ProtoNamed & { number: number })[];
  reservedNumbers: [number, number][];
  reservedNames: string[];
}

export interface ProtoMessage extends ProtoNamed {
  fullName: string;
  fields: ProtoField[];
  messages: ProtoMessage[];
  enums: ProtoEnum[];
  reservedNumbers: [number, number][];
  reservedNames: string[];
}

export interface ProtoMethod extends ProtoNamed {
  requestType: string;
  responseType: string;
  requestStream: boolean;
  responseStream: boolean;
}

export interface ProtoService extends ProtoNamed {
  fullName: string;
  methods: ProtoMethod[];
}

export interface ProtoValue<T = string> {
  value: T;
  range: Range;
}

export interface ProtoFile {
  path: string;
  syntax?: ProtoValue;
  edition?: ProtoValue;
  package?: ProtoValue;
  /** File-level options by name (`go_package`, `java_package`, ...). */
  options: Record<string, ProtoValue<string | number | boolean>>;
  imports: (ProtoValue & { kind: "normal" | "public" | "weak" })[];
  messages: ProtoMessage[];
  enums: ProtoEnum[];
  services: ProtoService[];
}

/**
 * The repository's protos as they were at a base git revision (`--base-ref`, else the latest release
 * tag, else the merge base with the default branch), parsed by the same loader as the current ones.
 */
export interface ProtoBaseline {
  /** The ref compared against, as named ("v1.2.0", "origin/main"). */
  ref: string;
  /** How the ref was chosen: given with --base-ref, the highest release tag, or the merge base. */
  source: "option" | "release-tag" | "merge-base";
  /** The commit the ref resolved to. */
  commit: string;
  /** Protos at that commit, repository-relative paths (under the scanned folder only). */
  protos: ProtoFile[];
  /** Base files that could not be read or parsed: not compared. */
  unreadable: string[];
}

// ---------------------------------------------------------------------------------------------
// Dependency manifests

export interface PackageJson extends Locatable {
  path: string;
  name?: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
  /** npm/yarn workspaces declared by this package (a workspace root). */
  workspaces: string[];
  /** The `private` flag; an app rather than a published library. */
  private: boolean;
  /** The `packageManager` field (`"yarn@4.1.0"`, `"pnpm@9.0.0"`), when declared. */
  packageManager?: string;
}

export interface GoModule {
  path: string;
  /** The module path from the `module` line. */
  module?: string;
  goVersion?: string;
  requires: { path: string; version: string; indirect: boolean; range: Range }[];
  /** Range of the `module` line (where module-level findings point). */
  range: Range;
}

export type LockfileKind = "npm" | "yarn" | "pnpm" | "bun" | "go.sum";

export interface Lockfile {
  path: string;
  kind: LockfileKind;
  /** Present on disk but excluded by .gitignore: it would not be committed. */
  ignored: boolean;
}

export interface Manifests {
  packageJsons: PackageJson[];
  goModules: GoModule[];
  /** Go workspaces (go.work) by path. */
  goWorks: string[];
  lockfiles: Lockfile[];
}

// ---------------------------------------------------------------------------------------------
// CI pipelines

export interface CiCommand {
  /** One shell line of a `run:` / `script:` block, trimmed. */
  text: string;
  range: Range;
  /** The job it belongs to, when known. */
  job?: string;
}

export interface CiPipeline {
  path: string;
  provider: "github-actions" | "gitlab-ci" | "cloud-build";
  commands: CiCommand[];
  /** Actions used by steps (`actions/setup-go@v5`), with positions. */
  uses: { action: string; range: Range; job?: string }[];
  /**
   * Configuration pulled in from elsewhere (GitLab `include:` and `trigger: include:`), whose scripts are
   * not in `commands`: rules that look for a command cannot be sure it is absent.
   */
  includes?: { ref: string; range: Range; job?: string }[];
  /** Range of the file's first line, where pipeline-level findings point. */
  range: Range;
}

// ---------------------------------------------------------------------------------------------
// Makefiles (targets that CI invokes with `make <target>`)

export interface MakeRecipeLine {
  /** One logical recipe line: `\`-continuations joined, the leading tab and `@`, `-`, `+` prefixes removed, variables not expanded. */
  text: string;
  range: Range;
}

export interface MakeTarget {
  name: string;
  /** Prerequisites as written (variables not expanded); make builds them before the recipe. */
  prerequisites: string[];
  recipe: MakeRecipeLine[];
  /** Range of the target's name in its rule line. */
  range: Range;
}

export interface Makefile {
  path: string;
  /** Explicit targets in file order (pattern rules and special targets such as `.PHONY` left out). */
  targets: MakeTarget[];
  /** Simple variable assignments (`GO ?= go`, `PKGS := ./...`), last one wins; values as written. */
  variables: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Shell scripts (that CI steps and make recipes run: `./scripts/test.sh`)

export interface ShellScript {
  path: string;
  /** Command lines: continuations joined, comments, blank lines and here-document bodies left out; variables not expanded. */
  commands: { text: string; range: Range }[];
}

// ---------------------------------------------------------------------------------------------
// Source code (Go and TypeScript/JavaScript). Streamed to rules one file at a time.

export interface SourceImport {
  /** Module specifier / import path: "fmt", "database/sql", "pg", "./db". */
  module: string;
  /** Local binding: the alias or default/namespace name; "_" or "." for Go blank/dot imports. */
  localName?: string;
  /** For named TS imports: the exported name bound to `localName` (`import { Pool as P }` -> "Pool"). */
  importedName?: string;
  range: Range;
}

export interface SourceCall<Node = unknown> {
  /** The callee as written, whitespace removed: "fmt.Println", "console.log", "db.SetMaxOpenConns". */
  callee: string;
  /** When the callee's root identifier is bound by an import, that import's module. */
  module?: string;
  /** The member reached through the import (`Println` for `f.Println`; `Pool` for a named import). */
  member?: string;
  /** `new X(...)` in TypeScript/JavaScript. */
  isNew: boolean;
  /** Name of the innermost enclosing named function or method, if any. */
  enclosingFunction?: string;
  range: Range;
  /** The call node, for rules that inspect arguments. */
  node: Node;
}

export interface SourceFileBase<Node> {
  path: string;
  text: string;
  imports: SourceImport[];
  calls: SourceCall<Node>[];
  /** A test file (`_test.go`, `*.test.ts`, under `test/`, `__tests__/`, ...). */
  isTest: boolean;
  /** Carries a "Code generated ... DO NOT EDIT." header or lives in a generated folder. */
  isGenerated: boolean;
}

export interface GoFile<Node = unknown> extends SourceFileBase<Node> {
  packageName: string;
  /** Directory of the file; a Go package is one directory. */
  dir: string;
  root: Node;
}

export interface TsFile<Ast = unknown, Node = unknown> extends SourceFileBase<Node> {
  language: "typescript" | "javascript";
  ast: Ast;
}

// ---------------------------------------------------------------------------------------------
// Comments (for inline suppressions; extracted lazily, only for files that need them)

export interface SourceComment {
  /** The comment's text without its markers (`#`, `//`, `/*` and `*\/`). */
  text: string;
  /** 1-based line and column where the comment starts. */
  line: number;
  column: number;
  /** Line where the comment ends (a block comment may span lines). */
  endLine: number;
}

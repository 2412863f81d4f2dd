import type { ProtoEnum, ProtoFile, ProtoMessage } from "../model/artifacts.js";
import type { Range } from "../model/location.js";
import type { Repository } from "../model/repository.js";
import { scanRelative } from "./paths.js";

/** Every message of a file, nested ones included, depth-first in declaration order. */
export function allMessages(file: Pick<ProtoFile, "messages">): ProtoMessage[] {
  const out: ProtoMessage[] = [];
  const stack = [...file.messages].reverse();
  while (stack.length > 0) {
    const message = stack.pop()!;
    out.push(message);
    for (let k = message.messages.length - 1; k >= 0; k--) stack.push(message.messages[k]!);
  }
  return out;
}

/** Every enum of a file: top-level ones and those nested in messages. */
export function allEnums(file: Pick<ProtoFile, "messages" | "enums">): ProtoEnum[] {
  return [...file.enums, ...allMessages(file).flatMap((m) => m.enums)];
}

/** The line of a range, from column 1 (where statement-level findings point). */
export function lineStart(range: Range): Range {
  return { start: { line: range.start.line, column: 1 }, end: range.end };
}

/** Whether `n` is inside one of the reserved ranges ([from, to], inclusive). */
export function isReservedNumber(ranges: readonly [number, number][], n: number): boolean {
  return ranges.some(([from, to]) => n >= from && n <= to);
}

/** The name a type reference resolves to, without package qualification: `.shop.v1.Order` -> `Order`. */
export function simpleTypeName(type: string): string {
  return type.slice(type.lastIndexOf(".") + 1);
}

/** The folder of a repository-relative path ("" at the root). */
export function folderOf(path: string): string {
  return path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
}

/**
 * Protos the repository owns: not test inputs (`testdata/`, `fixtures/`), not copies of other projects' protos
 * (`third_party/`, or a package of googleapis, gRPC, Envoy or protoc-gen-validate, vendored to compile against).
 */
export function isOwnProto(repo: Pick<Repository, "scanPrefix">, file: Pick<ProtoFile, "path" | "package">): boolean {
  if (/(^|\/)(testdata|fixtures|__fixtures__|third_party|third-party)\//.test(scanRelative(repo, file.path))) return false;
  return !/^(google|grpc|envoy|validate|buf\.validate|gogoproto)(\.|$)/.test(file.package?.value ?? "");
}

/** buf's PascalCase: an upper-case letter, then letters and digits (acronyms such as `HTTPServer` allowed). */
export function isPascalCase(name: string): boolean {
  return /^[A-Z][A-Za-z0-9]*$/.test(name);
}

/** lower_snake_case: lower-case words of letters and digits joined by single underscores. */
export function isLowerSnakeCase(name: string): boolean {
  return /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(name);
}

/** UPPER_SNAKE_CASE: upper-case words of letters and digits joined by single underscores. */
export function isUpperSnakeCase(name: string): boolean {
  return /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(name);
}

/** `HTTPCode` -> `HTTP_CODE`, `order_line` -> `ORDER_LINE`, `Http2Code` -> `HTTP2_CODE` (as buf derives enum prefixes). */
export function toUpperSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .replace(/_+/g, "_")
    .replace(/^_|_$/g, "")
    .toUpperCase();
}

/** `getOrder` -> `GetOrder`, `order_line` -> `OrderLine`. */
export function toPascalCase(name: string): string {
  return name
    .split(/_+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** `addressLine2` -> `address_line2`, `HTTP` -> `http`, `_x` -> `x`. */
export function toLowerSnakeCase(name: string): string {
  return toUpperSnakeCase(name).toLowerCase();
}

/**
 * The repository's own protos to lint, each contract once. Services often keep a copy of a shared proto beside
 * their code (microservices-demo has `protos/demo.proto` and one copy per service): a file is a copy when every
 * top-level name it declares is also declared, in the same package, by a file that comes first (more
 * declarations, then shallower, then by path). Copies are skipped so each finding is reported once.
 */
export function lintedProtos(repo: Pick<Repository, "scanPrefix" | "protos">): ProtoFile[] {
  const own = repo.protos.filter((f) => isOwnProto(repo, f));
  const names = (f: ProtoFile) => [...f.messages, ...f.enums, ...f.services].map((d) => d.fullName);
  const depth = (f: ProtoFile) => f.path.split("/").length;
  const ordered = [...own].sort(
    (a, b) => names(b).length - names(a).length || depth(a) - depth(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
  const declared = new Map<string, Set<string>>(); // package -> names declared by files kept so far
  const kept: ProtoFile[] = [];
  for (const file of ordered) {
    const pkg = file.package?.value ?? "";
    const seen = declared.get(pkg) ?? new Set<string>();
    const fileNames = names(file);
    if (fileNames.length > 0 && fileNames.every((n) => seen.has(n))) continue; // a copy
    for (const n of fileNames) seen.add(n);
    declared.set(pkg, seen);
    kept.push(file);
  }
  return kept.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

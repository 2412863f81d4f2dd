import type { ProtoEnum, ProtoFile, ProtoMessage } from "../model/artifacts.js";
import type { Range } from "../model/location.js";

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

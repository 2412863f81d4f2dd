/**
 * The fields Kubernetes accepts where, from the table generated out of @kubernetes/client-node
 * (k8s-schema.generated.ts): which type an object of a built-in kind is, and which fields each type has.
 */
import { K8S_KINDS, K8S_TYPES } from "./k8s-schema.generated.js";

/**
 * A field's type: a scalar (`string`, `number`, `boolean`, `int-or-string`), `any` (free-form: RawExtension,
 * JSON schema values), a list or map of a type, or a named object type.
 */
export type FieldType =
  | { kind: "scalar"; name: "string" | "number" | "boolean" | "int-or-string" }
  | { kind: "any" }
  | { kind: "list"; of: FieldType }
  | { kind: "map"; of: FieldType }
  | { kind: "object"; name: string };

const SCALARS: Record<string, FieldType> = {
  s: { kind: "scalar", name: "string" },
  n: { kind: "scalar", name: "number" },
  b: { kind: "scalar", name: "boolean" },
  i: { kind: "scalar", name: "int-or-string" },
  "*": { kind: "any" },
};

function parseType(code: string): FieldType {
  if (code.startsWith("[")) return { kind: "list", of: parseType(code.slice(1, -1)) };
  if (code.startsWith("{")) return { kind: "map", of: parseType(code.slice(1, -1)) };
  return SCALARS[code] ?? { kind: "object", name: code };
}

const parsed = new Map<string, ReadonlyMap<string, FieldType>>();

/** The fields of a named object type (JSON name -> type); undefined for an unknown type. */
export function fieldsOf(type: string): ReadonlyMap<string, FieldType> | undefined {
  let fields = parsed.get(type);
  if (fields) return fields;
  const text = K8S_TYPES[type];
  if (text === undefined) return undefined;
  const map = new Map<string, FieldType>();
  for (const pair of text.split(" ")) {
    if (!pair) continue;
    const colon = pair.indexOf(":");
    map.set(pair.slice(0, colon), parseType(pair.slice(colon + 1)));
  }
  parsed.set(type, map);
  return map;
}

/** The type of a built-in object (`apps/v1` `Deployment` -> `V1Deployment`); undefined for custom resources. */
export function kindType(apiVersion: string, kind: string): string | undefined {
  return K8S_KINDS[`${apiVersion} ${kind}`];
}

/** `V1PodSpec` -> `PodSpec`, `CoreV1Event` -> `Event`, `V1beta1Foo` -> `Foo`. */
export function typeLabel(type: string): string {
  return type.replace(/^[A-Za-z]*?V\d+(?:alpha\d+|beta\d+)?(?=[A-Z])/, "");
}

/** Edit distance (insertions, deletions, substitutions, adjacent transpositions), stopping above `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]![j] = j;
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
    if (i > 0 && Math.min(...rows[i]!) > max) return max + 1;
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known field `name` most likely meant: the same name in another letter case or with `-`/`_`, else
 * the closest by edit distance (at most 1 for names up to 5 letters, 2 up to 10, 3 beyond), when unique.
 */
export function closestField(name: string, fields: Iterable<string>): string | undefined {
  const normal = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  const candidates = [...fields];
  const same = candidates.find((f) => normal(f) === normal(name));
  if (same) return same;
  const max = name.length <= 5 ? 1 : name.length <= 10 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = max + 1;
  let tie = false;
  for (const field of candidates) {
    const d = editDistance(name.toLowerCase(), field.toLowerCase(), max);
    if (d < bestDistance) {
      best = field;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) tie = true;
  }
  return best && !tie ? best : undefined;
}

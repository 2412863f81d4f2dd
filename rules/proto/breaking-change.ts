import type { ProtoBaseline, ProtoEnum, ProtoField, ProtoFile, ProtoMessage, ProtoService } from "../../src/model/artifacts.js";
import type { ReportDescriptor } from "../../src/model/finding.js";
import type { Range } from "../../src/model/location.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { FILE_START } from "../../src/rule-kit/ranges.js";
import { allEnums, allMessages, isOwnProto, isReservedNumber, simpleTypeName } from "../../src/rule-kit/proto.js";

export default defineRule({
  meta: {
    id: "proto/breaking-change",
    section: "architecture",
    title: "Proto changes keep the wire and JSON contract of the last release",
    severity: "error",
    rationale:
      "Clients built from the released protos keep running after a deploy: a removed or renumbered field, a changed type or a " +
      "removed RPC makes them decode garbage, lose data silently or fail with UNIMPLEMENTED in production.",
    remediation:
      "Add instead of change: keep old fields (or `reserved` their number and name), add new fields with new numbers, and put incompatible changes in a new package version (`foo.v2`).",
    docs: `Compares every \`.proto\` file with its version at a base git revision and reports changes that break
clients built from the old version. The base is \`--base-ref <ref>\`; by default the highest release tag
reachable from HEAD (\`v1.2.3\` or \`1.2.3\`; pre-releases are not releases), else the merge base of HEAD with the
default branch (\`origin/HEAD\`, \`origin/main\`, \`origin/master\`, \`main\`, \`master\`). Without git history or a
base the rule is not applicable. The old files are read from git's object store (no checkout) and parsed by the
same loader as the current ones; uncommitted changes in the working tree count as the new version.

| check | reported at | buf rule (\`buf breaking\`) |
|---|---|---|
| field removed without \`reserved\` for its number and its name | the message | FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED, FIELD_NO_DELETE_UNLESS_NAME_RESERVED |
| field number now used by a field of another name (renamed, or reused with another type) | the field | FIELD_SAME_NAME, FIELD_SAME_JSON_NAME (+ FIELD_SAME_TYPE) |
| field type changed | the field | FIELD_SAME_TYPE, FIELD_WIRE_JSON_COMPATIBLE_TYPE |
| field label changed (repeated / optional / required / implicit) | the field | FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY, FIELD_SAME_CARDINALITY |
| field moved into, out of or between oneofs | the field | FIELD_SAME_ONEOF |
| message or enum removed | the parent message, else the file start | PACKAGE_MESSAGE_NO_DELETE, PACKAGE_ENUM_NO_DELETE |
| enum value removed without \`reserved\`, or its number renamed | the enum / the value | ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED, ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED, ENUM_VALUE_SAME_NAME |
| service removed; RPC removed | the file start; the service | PACKAGE_SERVICE_NO_DELETE, RPC_NO_DELETE |
| RPC streaming, request or response type changed | the RPC | RPC_SAME_CLIENT_STREAMING, RPC_SAME_SERVER_STREAMING, RPC_SAME_REQUEST_TYPE, RPC_SAME_RESPONSE_TYPE |
| \`package\` or \`go_package\` changed | the package / option line | FILE_SAME_PACKAGE, FILE_SAME_GO_PACKAGE |

Elements are matched by fully-qualified name, fields and enum values by number, as \`buf breaking\` does with
its PACKAGE category. **Moved or renamed files** are matched by package: a message that moved to another file of
the same package is not "removed"; a file whose path is gone is compared with the file of the same package that
now holds one of its top-level declarations (for its \`go_package\`).

Bad (since the last release):

\`\`\`protobuf
message GetPatientRequest {
  string patient_id = 1;
  int64 visit = 3;          // was int32: old clients misread it in JSON (int64 is a string there)
  // field 2 (string name) deleted without reserved
}
\`\`\`

Good:

\`\`\`protobuf
message GetPatientRequest {
  reserved 2;
  reserved "name";
  string patient_id = 1;
  int32 visit = 3;
  int64 visit_id = 4;       // a new field with a new number
}
\`\`\`

Deliberately not reported: copies of other projects' protos, deleted or changed (packages \`google.*\`, \`grpc.*\`,
\`envoy.*\`, \`validate\`, \`buf.validate\`, and anything under \`third_party/\`, \`testdata/\` or \`fixtures/\`: a vendored
\`grpc/health/v1/health.proto\` removed because the library now ships the service is not a broken contract); added elements; a \`go_package\` added where there was none; comment and option
changes other than \`go_package\`; removed \`reserved\` ranges; a nested message or a field of a message that is
itself removed (the outer removal is reported once); elements of a file whose package changed (the package
change is reported once, and the file's messages are compared under their new names); files that do not parse
now or at the base (parse errors are reported separately). Type references are compared by their simple name
(\`Order\` and \`shop.v1.Order\` are the same), so moving a message between packages under the same name is not
seen as a type change.`,
    inputs: ["proto"],
    tags: ["proto", "grpc", "api", "compatibility"],
    precision: "high",
  },
  check({ repo, report, notApplicable }) {
    const baseline = repo.protoBaseline;
    if (!baseline) return notApplicable();
    const parsed = new Set(repo.protos.map((p) => p.path));
    // A current file that does not parse is not "everything deleted": its base version is left out.
    const unparsed = new Set(repo.files.filter((f) => f.kind === "proto" && !parsed.has(f.path)).map((f) => f.path));
    // Copies of upstream contracts (grpc.health.v1, googleapis, third_party/) are not this repository's to break:
    // deleting or updating a vendored copy leaves the contract its clients use where it is.
    const own = (file: ProtoFile) => isOwnProto(repo, file);
    new Comparison({ ...baseline, protos: baseline.protos.filter(own) }, repo.protos, unparsed, report).run();
  },
});

type Located<T> = { file: ProtoFile; element: T };

class Comparison {
  private readonly byPath: Map<string, ProtoFile>;
  private readonly messages = new Map<string, Located<ProtoMessage>>();
  private readonly enums = new Map<string, Located<ProtoEnum>>();
  private readonly services = new Map<string, Located<ProtoService>>();
  private readonly since: string;

  constructor(
    private readonly baseline: ProtoBaseline,
    private readonly current: readonly ProtoFile[],
    private readonly unparsed: ReadonlySet<string>,
    private readonly report: (descriptor: ReportDescriptor) => void,
  ) {
    this.byPath = new Map(current.map((f) => [f.path, f]));
    for (const file of current) {
      for (const message of allMessages(file)) this.messages.set(message.fullName, { file, element: message });
      for (const enm of allEnums(file)) this.enums.set(enm.fullName, { file, element: enm });
      for (const service of file.services) this.services.set(service.fullName, { file, element: service });
    }
    this.since = baseline.source === "merge-base" ? `the merge base with ${baseline.ref}` : baseline.ref;
  }

  run() {
    for (const base of this.baseline.protos) {
      if (this.unparsed.has(base.path)) continue;
      const counterpart = this.byPath.get(base.path) ?? this.movedTo(base);
      if (counterpart) this.compareFile(base, counterpart);
      const basePackage = base.package?.value ?? "";
      // Under a changed package every name changed: look elements up under the new one (reported once, above).
      const rename = (fullName: string) =>
        counterpart && (counterpart.package?.value ?? "") !== basePackage ? requalify(fullName, basePackage, counterpart.package?.value ?? "") : fullName;

      const removedMessages = new Set<string>();
      for (const message of allMessages(base)) {
        const parentName = message.fullName.slice(0, message.fullName.lastIndexOf("."));
        if (removedMessages.has(parentName)) {
          removedMessages.add(message.fullName); // inside a removed message: reported with it
          continue;
        }
        const now = this.find(this.messages, allMessages, counterpart, rename(message.fullName));
        if (!now) {
          removedMessages.add(message.fullName);
          this.removed(base, counterpart, parentName, "message", message.fullName);
          continue;
        }
        this.compareFields(message, now);
      }
      for (const enm of allEnums(base)) {
        const parentName = enm.fullName.slice(0, enm.fullName.lastIndexOf("."));
        if (removedMessages.has(parentName)) continue;
        const now = this.find(this.enums, allEnums, counterpart, rename(enm.fullName));
        if (!now) this.removed(base, counterpart, parentName, "enum", enm.fullName);
        else this.compareEnum(enm, now);
      }
      for (const service of base.services) {
        const now = this.find(this.services, (f) => f.services, counterpart, rename(service.fullName));
        if (!now) this.removed(base, counterpart, "", "service", service.fullName);
        else this.compareService(service, now);
      }
    }
  }

  /**
   * The current declaration of a name: the one in the file's own counterpart first, since test protos and
   * examples often declare the same package and names in several files; else wherever the repository has it.
   */
  private find<T extends { fullName: string }>(
    index: ReadonlyMap<string, Located<T>>,
    declared: (file: ProtoFile) => readonly T[],
    counterpart: ProtoFile | undefined,
    fullName: string,
  ): Located<T> | undefined {
    const own = counterpart ? declared(counterpart).find((e) => e.fullName === fullName) : undefined;
    return own && counterpart ? { file: counterpart, element: own } : index.get(fullName);
  }

  /**
   * A file whose path is gone: the new file of the same package that holds one of its top-level names; else a
   * new file of another package that declares all of them (the file moved to a new package: one finding for the
   * package change instead of one per removed name).
   */
  private movedTo(base: ProtoFile): ProtoFile | undefined {
    const basePackage = base.package?.value ?? "";
    const names = [...base.messages, ...base.enums, ...base.services].map((e) => e.fullName);
    const holders = names.map((n) => this.messages.get(n)?.file ?? this.enums.get(n)?.file ?? this.services.get(n)?.file);
    const samePackage = holders.find((f) => f && (f.package?.value ?? "") === basePackage && !this.baselineHas(f.path));
    if (samePackage || names.length === 0) return samePackage;
    return this.current.find((file) => {
      const pkg = file.package?.value ?? "";
      if (pkg === basePackage || this.baselineHas(file.path)) return false;
      const declared = new Set([...file.messages, ...file.enums, ...file.services].map((e) => e.fullName));
      return names.every((n) => declared.has(requalify(n, basePackage, pkg)));
    });
  }

  private baselineHas(path: string): boolean {
    return this.baseline.protos.some((p) => p.path === path);
  }

  private compareFile(base: ProtoFile, now: ProtoFile) {
    const where = now.path === base.path ? now.path : `${now.path} (was ${base.path})`;
    const before = base.package?.value;
    const after = now.package?.value;
    if (before !== after) {
      this.emit(now.path, now.package?.range ?? FILE_START,
        `The package of ${where} changed from ${show(before)} to ${show(after)} since ${this.since}: every message and gRPC method path ` +
          `(\`/${before ?? ""}.Service/Method\`) changes with it, so released clients call methods that no longer exist.`);
    }
    const goBefore = base.options.go_package?.value;
    const goAfter = now.options.go_package;
    // After a package change the go_package usually follows it: the package finding says it all.
    if (before === after && goBefore !== undefined && goAfter?.value !== goBefore) {
      this.emit(now.path, goAfter?.range ?? now.package?.range ?? FILE_START,
        `The go_package of ${where} changed from "${goBefore}" to ${goAfter ? `"${goAfter.value}"` : "none"} since ${this.since}: ` +
          "Go code importing the generated package by its old import path stops compiling.");
    }
  }

  private compareFields(base: ProtoMessage, now: Located<ProtoMessage>) {
    const message = now.element;
    const byNumber = new Map(message.fields.map((f) => [f.number, f]));
    for (const old of base.fields) {
      const field = byNumber.get(old.number);
      if (!field) {
        const missing = [
          isReservedNumber(message.reservedNumbers, old.number) ? undefined : `number ${old.number}`,
          message.reservedNames.includes(old.name) ? undefined : `name "${old.name}"`,
        ].filter(Boolean);
        if (missing.length > 0) {
          this.emit(now.file.path, message.range,
            `Field ${old.name} = ${old.number} was removed from ${message.fullName} since ${this.since} without reserving its ${missing.join(" and ")}: ` +
              "a later field reusing them would be misread by clients still sending the old field (and JSON clients by name).",
            `Add \`reserved ${old.number};\` and \`reserved "${old.name}";\` to ${message.name}.`);
        }
        continue;
      }
      const typeChanged = typeOf(old) !== typeOf(field);
      if (field.name !== old.name) {
        this.emit(now.file.path, field.range,
          typeChanged
            ? `Field number ${old.number} of ${message.fullName} was ${old.name} (${typeOf(old)}) in ${this.since} and is now reused by ${field.name} (${typeOf(field)}): ` +
                "clients still sending the old field put its bytes into the new one."
            : `Field ${old.number} of ${message.fullName} was renamed from ${old.name} to ${field.name} since ${this.since}: ` +
                "the JSON name changes with it, so JSON and grpc-gateway clients lose the value.");
        if (typeChanged) continue;
      } else if (typeChanged) {
        this.emit(now.file.path, field.range,
          `Field ${field.name} = ${field.number} of ${message.fullName} changed type from ${typeOf(old)} to ${typeOf(field)} since ${this.since}: ` +
            "clients built from the release encode it differently (on the wire or in JSON).");
      }
      if ((old.oneof ?? "") !== (field.oneof ?? "")) {
        this.emit(now.file.path, field.range,
          `Field ${field.name} = ${field.number} of ${message.fullName} moved ${oneofMove(old.oneof, field.oneof)} since ${this.since}: ` +
            "setting another member of a oneof clears it, so old and new clients disagree on which values survive.");
      } else if (labelOf(old) !== labelOf(field)) {
        this.emit(now.file.path, field.range,
          `Field ${field.name} = ${field.number} of ${message.fullName} changed from ${labelOf(old)} to ${labelOf(field)} since ${this.since}: ` +
            "old clients decode a list as one value (keeping only the last) or lose presence information.");
      }
    }
  }

  private compareEnum(base: ProtoEnum, now: Located<ProtoEnum>) {
    const enm = now.element;
    for (const old of base.values) {
      const sameNumber = enm.values.filter((v) => v.number === old.number);
      if (sameNumber.length === 0) {
        const missing = [
          isReservedNumber(enm.reservedNumbers, old.number) ? undefined : `number ${old.number}`,
          enm.reservedNames.includes(old.name) ? undefined : `name "${old.name}"`,
        ].filter(Boolean);
        if (missing.length > 0) {
          this.emit(now.file.path, enm.range,
            `Enum value ${old.name} = ${old.number} was removed from ${enm.fullName} since ${this.since} without reserving its ${missing.join(" and ")}: ` +
              "a later value reusing them changes the meaning of data old clients still send.",
            `Add \`reserved ${old.number};\` and \`reserved "${old.name}";\` to ${enm.name}.`);
        }
      } else if (!sameNumber.some((v) => v.name === old.name)) {
        const value = sameNumber[0]!;
        this.emit(now.file.path, value.range,
          `Enum value ${old.number} of ${enm.fullName} was renamed from ${old.name} to ${value.name} since ${this.since}: ` +
            "JSON carries enum values by name, so JSON clients send or expect the old name.");
      }
    }
  }

  private compareService(base: ProtoService, now: Located<ProtoService>) {
    const service = now.element;
    for (const old of base.methods) {
      const method = service.methods.find((m) => m.name === old.name);
      if (!method) {
        this.emit(now.file.path, service.range,
          `RPC ${old.name} was removed from ${service.fullName} since ${this.since}: released clients calling it get UNIMPLEMENTED.`,
          "Keep the RPC (deprecate it with `option deprecated = true;`) until no client calls it, or move the change to a new package version.");
        continue;
      }
      const changes: string[] = [];
      if (old.requestStream !== method.requestStream) changes.push(`client streaming ${onOff(old.requestStream)} -> ${onOff(method.requestStream)}`);
      if (old.responseStream !== method.responseStream) changes.push(`server streaming ${onOff(old.responseStream)} -> ${onOff(method.responseStream)}`);
      if (simpleTypeName(old.requestType) !== simpleTypeName(method.requestType)) changes.push(`request ${old.requestType} -> ${method.requestType}`);
      if (simpleTypeName(old.responseType) !== simpleTypeName(method.responseType)) changes.push(`response ${old.responseType} -> ${method.responseType}`);
      if (changes.length > 0) {
        this.emit(now.file.path, method.range,
          `RPC ${service.name}.${method.name} changed since ${this.since} (${changes.join("; ")}): released clients and servers no longer agree on the call.`);
      }
    }
  }

  /** A message, enum or service of `base` that no longer exists anywhere in the current protos. */
  private removed(base: ProtoFile, counterpart: ProtoFile | undefined, parentName: string, kind: string, fullName: string) {
    const parent = parentName ? this.messages.get(parentName) : undefined;
    let path: string;
    let range: Range;
    let gone = "";
    if (parent) {
      path = parent.file.path;
      range = parent.element.range;
    } else if (counterpart) {
      path = counterpart.path;
      range = FILE_START;
    } else {
      // The whole file is gone: point at where the element was (its path in the base revision).
      path = base.path;
      range = FILE_START;
      gone = ` (${base.path} itself was deleted)`;
    }
    const consequence =
      kind === "service"
        ? "released clients calling its methods get UNIMPLEMENTED."
        : "code generated from the release that refers to it no longer compiles against the new protos, and its data can no longer be decoded.";
    this.emit(path, range, `The ${kind} ${fullName} was removed since ${this.since}${gone}: ${consequence}`,
      "Keep it (mark it `option deprecated = true;`) until nothing uses it, or make the incompatible change in a new package version.");
  }

  private emit(path: string, range: Range, message: string, fix?: string) {
    this.report(fix ? { path, range, message, fix } : { path, range, message });
  }
}

function requalify(fullName: string, from: string, to: string): string {
  const relative = from && fullName.startsWith(`${from}.`) ? fullName.slice(from.length + 1) : fullName;
  return to ? `${to}.${relative}` : relative;
}

function typeOf(field: ProtoField): string {
  const type = simpleTypeName(field.type);
  return field.mapKeyType ? `map<${field.mapKeyType}, ${type}>` : type;
}

function labelOf(field: ProtoField): string {
  if (field.mapKeyType) return "map";
  return field.label ?? "singular";
}

function oneofMove(from: string | undefined, to: string | undefined): string {
  if (!from) return `into oneof ${to}`;
  if (!to) return `out of oneof ${from}`;
  return `from oneof ${from} to oneof ${to}`;
}

function onOff(on: boolean): string {
  return on ? "on" : "off";
}

function show(value: string | undefined): string {
  return value === undefined ? "none" : `\`${value}\``;
}

import type { ConfigDocument, GoModule } from "../../src/model/artifacts.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import type { Range } from "../../src/model/location.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { FILE_START } from "../../src/rule-kit/ranges.js";

export default defineRule({
  meta: {
    id: "proto/file-options",
    section: "architecture",
    title: "Proto files declare syntax, package and go_package",
    severity: "warning",
    rationale:
      "Without `syntax` a file silently gets proto2 semantics; without `package` its names share one global namespace " +
      "with every other proto and its gRPC paths are unqualified; without a valid `go_package` protoc-gen-go refuses to generate Go code.",
    remediation: 'Start each .proto file with `syntax = "proto3";`, a versioned `package`, and `option go_package = "<module>/<dir>;<name>";` in Go repositories.',
    docs: `Checks the header of every \`.proto\` file:

- **\`syntax\` (or \`edition\`) is declared.** protoc reads a file without one as proto2 and only prints a
  warning, so field presence, default values and JSON mapping quietly differ from what a proto3 author expects.
- **\`package\` is declared.** Without it, messages live in the global namespace: two files that both define
  \`GetRequest\` cannot be compiled together, and the gRPC method path is \`/Service/Method\` with no package
  to version (\`/shop.orders.v1.Orders/Get\`).
- **\`go_package\` is declared when the proto is inside a Go module** (a \`go.mod\` in its folder or above; a Java or Node service's protos beside Go services need none): protoc-gen-go stops with
  "unable to determine Go import path" otherwise.
- **\`go_package\` is an import path, not a package name.** protoc-gen-go (since v1.26) rejects a value with
  neither \`.\` nor \`/\` before the optional \`;name\` suffix. This is checked wherever \`go_package\` is written.

Bad:

\`\`\`protobuf
message GetPatientInfoRequest { string patient_id = 1; }   // no syntax, no package
\`\`\`

\`\`\`protobuf
syntax = "proto3";
package patient;
option go_package = "patient";                               // a name, not an import path
\`\`\`

Good:

\`\`\`protobuf
syntax = "proto3";
package patient.v1;
option go_package = "github.com/acme/patient/gen/patient/v1;patientv1";
\`\`\`

Deliberately not reported:

- A missing \`go_package\` outside Go repositories (no \`go.mod\`): other languages do not need it.
- A missing \`go_package\` when a \`buf.gen.yaml\` enables managed mode with a Go package prefix
  (v1 \`managed.go_package_prefix\`, v2 a \`managed.override\` for \`go_package_prefix\` or \`go_package\`): buf
  supplies it at generation time.
- Files under \`testdata/\`, \`fixtures/\` or \`__fixtures__/\`: test inputs, often incomplete on purpose.
- Relative values such as \`"./pb"\` (go-zero's goctl writes them); whether they match the module layout is not
  checked. Files that do not parse are reported as parse errors instead.`,
    inputs: ["proto"],
    tags: ["proto", "grpc", "api"],
    precision: "high",
  },
  check({ repo, report }) {
    const protos = repo.protos;
    if (protos.length === 0) return;
    // Only go_package depends on Go: it is required of protos inside a Go module (a go.mod in their
    // folder or above). A Java or Node service's protos beside Go services need none.
    const goModules = repo.manifests.goModules;
    let bufSupplies: boolean | undefined;
    // Configs are read only when a go_package is actually missing.
    const bufSuppliesGoPackage = () => (bufSupplies ??= repo.configs.some(managesGoPackage));

    for (const proto of protos) {
      if (/(^|\/)(testdata|fixtures|__fixtures__)\//.test(scanRelative(repo, proto.path))) continue; // test inputs, often odd on purpose
      const header = proto.syntax ?? proto.edition;
      if (!header) {
        report({
          path: proto.path,
          range: FILE_START,
          message: `${proto.path} declares no \`syntax\`: protoc reads it as proto2 with only a warning, so field presence and defaults follow proto2 rules, not proto3's.`,
          fix: 'Add `syntax = "proto3";` (or `syntax = "proto2";` if that is intended) as the first statement.',
        });
      }
      if (!proto.package) {
        report({
          path: proto.path,
          range: header ? lineOf(header.range) : FILE_START,
          message: `${proto.path} declares no \`package\`: its messages and services share the global namespace with every other proto (name clashes), and gRPC method paths carry no package to version.`,
          fix: "Add a versioned `package` such as `package acme.patient.v1;` after the syntax line.",
        });
      }
      const goPackage = proto.options.go_package;
      const goModule = enclosingModule(proto.path, goModules);
      if (!goPackage && goModule && !bufSuppliesGoPackage()) {
        report({
          path: proto.path,
          range: proto.package ? lineOf(proto.package.range) : header ? lineOf(header.range) : FILE_START,
          message: `${proto.path} has no \`option go_package\` although it is inside the Go module of ${goModule.path}: protoc-gen-go cannot determine the Go import path and refuses to generate code for it.`,
          fix: `Add \`option go_package = "${goModule.module ?? "<module path>"}/<dir>;<name>";\` after the package line.`,
        });
      }
      if (goPackage && typeof goPackage.value === "string" && !isGoImportPath(goPackage.value)) {
        report({
          path: proto.path,
          range: goPackage.range,
          message: `go_package "${goPackage.value}" in ${proto.path} is a package name, not a Go import path: protoc-gen-go rejects import paths with neither '.' nor '/'.`,
          fix: 'Use a full import path, optionally with the package name after a semicolon: `"example.com/app/gen/patient;patient"`.',
        });
      }
    }
  },
});

/** `import/path;name`: the part before `;` must look like an import path. */
function isGoImportPath(value: string): boolean {
  const importPath = value.split(";")[0]!;
  return importPath.includes("/") || importPath.includes(".");
}

function lineOf(range: Range): Range {
  return { start: { line: range.start.line, column: 1 }, end: range.end };
}

/** A buf.gen.yaml whose managed mode writes go_package into every file at generation time. */
function managesGoPackage(config: ConfigDocument): boolean {
  if (!/(^|\/)buf\.gen(\.[^/]+)?\.ya?ml$/.test(config.path)) return false;
  const managed = asRecord(asRecord(config.body)?.managed);
  if (!managed || managed.enabled !== true) return false;
  if (managed.go_package_prefix !== undefined) return true; // v1
  const overrides = Array.isArray(managed.override) ? managed.override : []; // v2
  return overrides.some((o) => {
    const option = asRecord(o)?.file_option;
    return option === "go_package_prefix" || option === "go_package";
  });
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The Go module whose go.mod sits in the proto's folder or the nearest folder above it. */
function enclosingModule(protoPath: string, modules: readonly GoModule[]): GoModule | undefined {
  const folderOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");
  return modules
    .filter((m) => folderOf(m.path) === "" || protoPath.startsWith(`${folderOf(m.path)}/`))
    .sort((a, b) => folderOf(b.path).length - folderOf(a.path).length)[0];
}

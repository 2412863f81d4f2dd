import type { ProtoFile } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { lintedProtos } from "../../src/rule-kit/proto.js";

/** File options that must agree across one package, with buf's rule for each. */
const OPTIONS: Record<string, string> = {
  go_package: "PACKAGE_SAME_GO_PACKAGE",
  java_package: "PACKAGE_SAME_JAVA_PACKAGE",
  java_multiple_files: "PACKAGE_SAME_JAVA_MULTIPLE_FILES",
  csharp_namespace: "PACKAGE_SAME_CSHARP_NAMESPACE",
  php_namespace: "PACKAGE_SAME_PHP_NAMESPACE",
  ruby_package: "PACKAGE_SAME_RUBY_PACKAGE",
  swift_prefix: "PACKAGE_SAME_SWIFT_PREFIX",
};

export default defineRule({
  meta: {
    id: "proto/package-options-consistent",
    section: "architecture",
    title: "Files of one proto package agree on go_package and other language options",
    severity: "error",
    rationale:
      "protoc generates one package per language from a proto package: files of one package with different `go_package` " +
      "values split it across Go packages, and generated code that refers across them does not compile (likewise for Java, C#, PHP, Ruby, Swift).",
    remediation: "Give every file of the package the same value for the option (or let buf managed mode set it).",
    docs: `For every proto package with several files, checks that the files that set \`go_package\`, \`java_package\`,
\`java_multiple_files\`, \`csharp_namespace\`, \`php_namespace\`, \`ruby_package\` or \`swift_prefix\` all set the same
value (buf: ${Object.values(OPTIONS).join(", ")}). The files whose value differs from the one most files use
(the first file's, on a tie) are reported, at the option.

Bad:

\`\`\`protobuf
// patient/v1/patient.proto
package patient.v1;
option go_package = "example.com/gen/patient/v1;patientv1";
// patient/v1/visit.proto
package patient.v1;
option go_package = "example.com/gen/visit/v1;visitv1";     // a second Go package for patient.v1
\`\`\`

**Difference from buf:** a file that does not set the option at all is not compared here (buf compares it as the
empty value). A missing \`go_package\` is reported by [proto/file-options](file-options.md) where Go needs it,
so it is not reported twice; other languages' options are often set only where that language is generated.

Deliberately not reported: protos under \`testdata/\`, \`fixtures/\` and \`third_party/\`, and copies of upstream protos (packages \`google.*\`, \`grpc.*\`, \`envoy.*\`, \`validate\`, \`buf.validate\`).`,
    inputs: ["proto"],
    tags: ["proto", "grpc", "codegen"],
    precision: "very-high",
  },
  check({ repo, report }) {
    const byPackage = new Map<string, ProtoFile[]>();
    for (const file of lintedProtos(repo)) {
      if (!file.package) continue;
      const list = byPackage.get(file.package.value) ?? [];
      list.push(file);
      byPackage.set(file.package.value, list);
    }
    for (const [pkg, files] of byPackage) {
      if (files.length < 2) continue;
      const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : 1));
      for (const option of Object.keys(OPTIONS)) {
        const setting = sorted.filter((f) => f.options[option] !== undefined);
        const counts = new Map<string, number>();
        for (const f of setting) counts.set(String(f.options[option]!.value), (counts.get(String(f.options[option]!.value)) ?? 0) + 1);
        if (counts.size < 2) continue;
        // The most common value wins; on a tie, the first file's (Map keeps insertion order, files are sorted).
        const [majority] = [...counts.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best));
        const holder = setting.find((f) => String(f.options[option]!.value) === majority)!;
        for (const file of setting) {
          const value = file.options[option]!;
          if (String(value.value) === majority) continue;
          report({
            path: file.path,
            range: value.range,
            message: `${option} "${value.value}" in ${file.path} differs from "${majority}" used by ${holder.path} and other files of package ${pkg}: generated code for one package is split in two and references between them do not compile.`,
            related: [{ path: holder.path, range: holder.options[option]!.range, message: `${option} "${majority}"` }],
          });
        }
      }
    }
  },
});

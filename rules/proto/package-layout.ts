import type { ProtoFile } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { folderOf, lintedProtos } from "../../src/rule-kit/proto.js";

/** buf's PACKAGE_VERSION_SUFFIX: v1, v1beta1, v1alpha2, v1p1beta1, v1test, v1testfoo (numbers from 1). */
const VERSION = /^v[1-9]\d*((p[1-9]\d*)?(alpha|beta)[1-9]\d*|test.*)?$/;

export default defineRule({
  meta: {
    id: "proto/package-layout",
    section: "architecture",
    title: "Proto packages are versioned, lower_snake_case and match their folder",
    severity: "warning",
    rationale:
      "The package is part of every gRPC method path (`/shop.orders.v1.OrderService/Get`): without a version there is no " +
      "compatible way to ship a breaking change beside the old API, and a package that does not match its folder breaks " +
      "imports and code generation as soon as protos import each other.",
    remediation: "Name packages `<org>.<domain>.v1` in lower_snake_case and keep each in the folder spelling its path (`shop/orders/v1/`), one package per folder.",
    docs: `Checks the \`package\` of every \`.proto\` file (a missing package is reported by
[proto/file-options](file-options.md)):

| check | buf rule |
|---|---|
| every segment is lower_snake_case (\`shop.order_items.v1\`) | PACKAGE_LOWER_SNAKE_CASE |
| the last segment is a version: \`v1\`, \`v2beta1\`, \`v1alpha1\`, \`v1p1beta1\`, \`v1test\` | PACKAGE_VERSION_SUFFIX |
| the file's folder ends with the package path (\`shop.v1\` in \`.../shop/v1/\`) | PACKAGE_DIRECTORY_MATCH |
| the files of one folder declare one package | DIRECTORY_SAME_PACKAGE |
| the files of one package sit in one folder | PACKAGE_SAME_DIRECTORY |

All problems of one file are reported together at its \`package\` line.

**Difference from buf:** buf knows the module root from \`buf.yaml\` and requires the folder, relative to that root,
to *equal* the package path. We do not know the root, so a folder that *ends with* the package path passes
(\`proto/shop/v1/\` and \`api/proto/shop/v1/\` both match \`shop.v1\`).

Bad:

\`\`\`protobuf
// app/usercenter/cmd/rpc/pb/usercenter.proto
package pb;                       // not versioned
\`\`\`

Good:

\`\`\`protobuf
// proto/looklook/usercenter/v1/usercenter.proto
package looklook.usercenter.v1;
\`\`\`

Deliberately not reported: files without a package (see proto/file-options); protos under \`testdata/\`, \`fixtures/\` and \`third_party/\`, and copies of upstream protos (packages \`google.*\`, \`grpc.*\`, \`envoy.*\`, \`validate\`, \`buf.validate\`).`,
    inputs: ["proto"],
    tags: ["proto", "grpc", "api"],
    precision: "high",
  },
  check({ repo, report }) {
    const files = lintedProtos(repo).filter((f) => f.package);
    const packagesByFolder = groupBy(files, (f) => folderOf(f.path), (f) => f.package!.value);
    const foldersByPackage = groupBy(files, (f) => f.package!.value, (f) => folderOf(f.path));

    for (const file of files) {
      const pkg = file.package!.value;
      const segments = pkg.split(".");
      const folder = folderOf(file.path);
      const problems: string[] = [];
      const badSegments = segments.filter((s) => !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(s));
      if (badSegments.length > 0) problems.push(`its segments ${badSegments.map((s) => `\`${s}\``).join(", ")} are not lower_snake_case`);
      if (!VERSION.test(segments.at(-1)!)) {
        problems.push(`it has no version suffix (\`${pkg}.v1\`), so a breaking change cannot ship beside the current API`);
      }
      const packagePath = segments.join("/");
      if (folder !== packagePath && !folder.endsWith(`/${packagePath}`)) {
        problems.push(`the file's folder \`${folder || "."}\` does not end with \`${packagePath}\``);
      }
      const others = [...(packagesByFolder.get(folder) ?? [])].filter((p) => p !== pkg);
      if (others.length > 0) problems.push(`other files in \`${folder || "."}\` declare ${others.map((p) => `\`${p}\``).join(", ")}`);
      const elsewhere = [...(foldersByPackage.get(pkg) ?? [])].filter((d) => d !== folder);
      if (elsewhere.length > 0) problems.push(`files of the same package also live in ${elsewhere.map((d) => `\`${d || "."}\``).join(", ")}`);
      if (problems.length === 0) continue;
      report({
        path: file.path,
        range: file.package!.range,
        message: `Package \`${pkg}\` in ${file.path}: ${problems.join("; ")}.`,
      });
    }
  },
});

function groupBy(files: readonly ProtoFile[], key: (f: ProtoFile) => string, value: (f: ProtoFile) => string): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const file of files) {
    const k = key(file);
    if (!groups.has(k)) groups.set(k, new Set());
    groups.get(k)!.add(value(file));
  }
  return groups;
}

import { defineRule } from "../../src/rule-kit/define-rule.js";
import { lintedProtos } from "../../src/rule-kit/proto.js";

/** Imports protoc and buf always provide (the well-known types and the descriptor protos). */
const BUILT_IN = /^google\/protobuf\/[a-z_]+\.proto$/;

/** Roots of widely used third-party protos, fetched by buf deps or vendored by the build: cannot verify here. */
const THIRD_PARTY = /^(google\/(api|rpc|type|longrunning|iam|cloud|logging)\/|grpc\/|validate\/|buf\/validate\/|protoc-gen-openapiv2\/|gogoproto\/|github\.com\/|envoy\/|udpa\/|xds\/|opentelemetry\/|tagger\/|openapi\/|openapiv3\/|errors\/|third_party\/)/;

export default defineRule({
  meta: {
    id: "proto/imports-resolve",
    section: "architecture",
    title: "Proto imports resolve to files in the repository",
    severity: "warning",
    rationale:
      "protoc and buf stop at the first import they cannot find: a proto that imports a file not in the repository only " +
      "compiles on the machine that happens to have it, so code generation in CI fails or generates from a stale copy.",
    remediation: "Commit the imported proto (or declare it as a buf dependency) and import it by its path from the proto root.",
    docs: `Checks that every \`import\` names a \`.proto\` file of the repository. An import resolves when a proto in the
repository has that path, relative to the repository or to any folder in it (the folder passed to protoc as
\`-I\` / the buf module root).

- Well-known types (\`google/protobuf/*.proto\`) ship with protoc and buf: never reported.
- Imports of common third-party protos (\`google/api/\`, \`google/rpc/\`, \`google/type/\`, \`validate/\`,
  \`buf/validate/\`, \`protoc-gen-openapiv2/\`, \`gogoproto/\`, \`github.com/...\`) usually come from buf dependencies or
  a generation script: when missing, a **note** says they cannot be verified.
- Any other import that matches no file is a **warning**.

\`buf lint\` needs every import present and stops with a compile error instead of linting; this rule keeps going.

Bad:

\`\`\`protobuf
import "common/v1/money.proto";   // no common/v1/money.proto anywhere in the repository
\`\`\`

Good:

\`\`\`protobuf
import "google/protobuf/timestamp.proto";
import "shop/common/v1/money.proto";   // proto/shop/common/v1/money.proto is committed
\`\`\`

Deliberately not reported: unused imports (buf's IMPORT_USED needs type resolution; not done here); protos under \`testdata/\`, \`fixtures/\` and \`third_party/\`, and copies of upstream protos (packages \`google.*\`, \`grpc.*\`, \`envoy.*\`, \`validate\`, \`buf.validate\`).`,
    inputs: ["proto"],
    tags: ["proto", "grpc", "build"],
    precision: "high",
  },
  check({ repo, report }) {
    const protoPaths = repo.files.filter((f) => f.kind === "proto").map((f) => f.path);
    const resolves = (target: string) => protoPaths.some((p) => p === target || p.endsWith(`/${target}`));
    for (const file of lintedProtos(repo)) {
      for (const imported of file.imports) {
        const target = imported.value.replace(/^\.\//, "");
        if (BUILT_IN.test(target) || resolves(target)) continue;
        const thirdParty = THIRD_PARTY.test(target);
        report({
          path: file.path,
          range: imported.range,
          severity: thirdParty ? "note" : undefined,
          message: thirdParty
            ? `Cannot verify import "${imported.value}" in ${file.path}: it is a third-party proto that is not in the repository (a buf dependency or a generation script must provide it).`
            : `Import "${imported.value}" in ${file.path} matches no .proto file in the repository: protoc and buf stop with "file not found", so code generation fails wherever the file is not lying around.`,
        });
      }
    }
  },
});

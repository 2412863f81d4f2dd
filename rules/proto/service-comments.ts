import { defineRule } from "../../src/rule-kit/define-rule.js";
import { lintedProtos } from "../../src/rule-kit/proto.js";

export default defineRule({
  meta: {
    id: "proto/service-comments",
    section: "architecture",
    title: "gRPC services and RPCs are documented",
    severity: "note",
    rationale:
      "The proto is the contract other teams code against: its comments become the generated clients' documentation, and an " +
      "undocumented RPC leaves callers guessing at semantics, errors and idempotency.",
    remediation: "Write a comment directly above each `service` and `rpc`: what it does, its errors, whether it is safe to retry.",
    docs: `Reports a \`service\` or \`rpc\` without a leading comment (a \`//\` or \`/* */\` comment on the lines
directly above it, with no blank line between). These are buf's COMMENT_SERVICE and COMMENT_RPC rules (category
COMMENTS, not part of STANDARD); as in buf, a trailing comment on the same line does not count, because
generators only copy leading comments into the generated code.

Bad:

\`\`\`protobuf
service PatientService {
  rpc GetPatient(GetPatientRequest) returns (GetPatientResponse); // get patient
}
\`\`\`

Good:

\`\`\`protobuf
// PatientService serves patient master data to the clinical services.
service PatientService {
  // GetPatient returns one patient by id. NOT_FOUND when the id is unknown; safe to retry.
  rpc GetPatient(GetPatientRequest) returns (GetPatientResponse);
}
\`\`\`

Deliberately not reported: messages and fields (buf's COMMENT_MESSAGE / COMMENT_FIELD: too noisy for a readiness
check); protos under \`testdata/\`, \`fixtures/\` and \`third_party/\`, and copies of upstream protos (packages \`google.*\`, \`grpc.*\`, \`envoy.*\`, \`validate\`, \`buf.validate\`).`,
    inputs: ["proto"],
    tags: ["proto", "grpc", "api", "documentation"],
    precision: "very-high",
  },
  check({ repo, report }) {
    for (const file of lintedProtos(repo)) {
      for (const service of file.services) {
        if (!service.comment) {
          report({
            path: file.path,
            range: service.range,
            message: `Service ${service.name} has no comment above it: the proto is the contract other teams read, and generated clients carry no description of it.`,
          });
        }
        for (const method of service.methods) {
          if (!method.comment) {
            report({
              path: file.path,
              range: method.range,
              message: `RPC ${service.name}.${method.name} has no comment above it: callers cannot tell its semantics, errors or whether it is safe to retry.`,
            });
          }
        }
      }
    }
  },
});

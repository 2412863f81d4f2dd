import { defineRule } from "../../src/rule-kit/define-rule.js";
import { lintedProtos, simpleTypeName, toPascalCase } from "../../src/rule-kit/proto.js";

export default defineRule({
  meta: {
    id: "proto/rpc-messages",
    section: "architecture",
    title: "Each RPC has its own request and response messages",
    severity: "warning",
    rationale:
      "An RPC whose request or response is shared with another RPC, or is google.protobuf.Empty, cannot gain a field without " +
      "changing the other RPC's contract too (or at all, for Empty): the API cannot evolve compatibly.",
    remediation: "Give every RPC a request `<Rpc>Request` and a response `<Rpc>Response` used by that RPC only, even when they are empty today.",
    docs: `For every RPC, checks that

- the request is named \`<Rpc>Request\` or \`<Service><Rpc>Request\` and the response \`<Rpc>Response\` or
  \`<Service><Rpc>Response\` (buf: RPC_REQUEST_STANDARD_NAME, RPC_RESPONSE_STANDARD_NAME);
- no message is the request or response of more than one RPC, in any service of the repository (buf:
  RPC_REQUEST_RESPONSE_UNIQUE);
- neither is \`google.protobuf.Empty\` (buf reports it through the same rules, since its
  \`allow_google_protobuf_empty_*\` options default to false).

All problems of one RPC are reported together, at the RPC's name.

Bad (go-zero's default template):

\`\`\`protobuf
service PatientService {
  rpc GetPatientInfo(GetPatientInfoRequest) returns (PatientInfoResponse);   // response not named after the RPC
  rpc Ping(google.protobuf.Empty) returns (google.protobuf.Empty);           // cannot ever take a parameter
  rpc UpdatePatient(PatientInfo) returns (PatientInfo);                      // shared entity type
}
\`\`\`

Good:

\`\`\`protobuf
service PatientService {
  rpc GetPatientInfo(GetPatientInfoRequest) returns (GetPatientInfoResponse);
  rpc Ping(PingRequest) returns (PingResponse);
  rpc UpdatePatient(UpdatePatientRequest) returns (UpdatePatientResponse);
}
message UpdatePatientResponse { PatientInfo patient = 1; }
\`\`\`

Deliberately not reported: copies of upstream protos, whose contracts are fixed elsewhere: the standard
gRPC health and reflection services (\`grpc.*\` packages), googleapis (\`google.*\`), Envoy and validate packages, and
anything under \`testdata/\`, \`fixtures/\` and \`third_party/\`. Message names are compared without their package (\`shop.v1.GetOrderRequest\` is \`GetOrderRequest\`).`,
    inputs: ["proto"],
    tags: ["proto", "grpc", "api", "compatibility"],
    precision: "very-high",
  },
  check({ repo, report }) {
    const own = lintedProtos(repo);
    // Which RPCs use each message (by qualified name when written so, else by its name in the file's package).
    const users = new Map<string, Set<string>>();
    const keyOf = (type: string, pkg: string) => {
      const bare = type.replace(/^\./, "");
      return bare.includes(".") ? bare : pkg ? `${pkg}.${bare}` : bare;
    };
    for (const file of own) {
      const pkg = file.package?.value ?? "";
      for (const service of file.services) {
        for (const method of service.methods) {
          for (const key of [keyOf(method.requestType, pkg), keyOf(method.responseType, pkg)]) {
            if (!users.has(key)) users.set(key, new Set());
            users.get(key)!.add(`${service.name}.${method.name}`);
          }
        }
      }
    }
    for (const file of own) {
      const pkg = file.package?.value ?? "";
      for (const service of file.services) {
        for (const method of service.methods) {
          const problems: string[] = [];
          let tied = false;
          for (const [role, type, suffix] of [
            ["request", method.requestType, "Request"],
            ["response", method.responseType, "Response"],
          ] as const) {
            const name = simpleTypeName(type);
            // As buf: the RPC's name in PascalCase (a camelCase `getOrder` still expects GetOrderRequest).
            const rpc = toPascalCase(method.name);
            const standard = [`${rpc}${suffix}`, `${service.name}${rpc}${suffix}`];
            if (/^\.?google\.protobuf\.Empty$/.test(type)) {
              tied = true;
              problems.push(`its ${role} is google.protobuf.Empty, which can never gain a field`);
            } else if (!standard.includes(name)) problems.push(`its ${role} ${name} is not named ${standard[0]}`);
            const others = [...(users.get(keyOf(type, pkg)) ?? [])].filter((rpc) => rpc !== `${service.name}.${method.name}`);
            if (others.length > 0) {
              tied = true;
              problems.push(`${name} is also used by ${others.slice(0, 2).join(", ")}${others.length > 2 ? ` and ${others.length - 2} more` : ""}`);
            }
          }
          if (problems.length === 0) continue;
          report({
            path: file.path,
            range: method.range,
            message: `RPC ${service.name}.${method.name}: ${[...new Set(problems)].join("; ")}. ${tied ? "Shared or generic messages tie RPCs together, so one cannot gain a field without changing the other's contract." : "Messages named after their RPC make each contract obvious to callers and keep it evolvable on its own."}`,
            fix: `Declare \`message ${toPascalCase(method.name)}Request\` and \`message ${toPascalCase(method.name)}Response\` for this RPC alone (wrap shared entities in a field).`,
          });
        }
      }
    }
  },
});

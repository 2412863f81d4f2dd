import { defineRule } from "../../src/rule-kit/define-rule.js";
import { FILE_START } from "../../src/rule-kit/ranges.js";
import {
  allEnums,
  allMessages,
  isLowerSnakeCase,
  lintedProtos,
  isPascalCase,
  isUpperSnakeCase,
  toLowerSnakeCase,
  toPascalCase,
  toUpperSnakeCase,
} from "../../src/rule-kit/proto.js";

export default defineRule({
  meta: {
    id: "proto/naming",
    section: "architecture",
    title: "Proto names follow the protobuf style guide",
    severity: "warning",
    rationale:
      "Generated code and JSON field names are derived from proto names: a field `patientId` becomes `patientId` in JSON but " +
      "`PatientId` and `patient_id` in other places, enum values without their enum's prefix collide in C++ and Python, and an " +
      "enum whose zero value means something real cannot tell \"not set\" from that value.",
    remediation:
      "Rename while the API is unreleased: services `FooService`, RPCs and messages PascalCase, fields lower_snake_case, enum values UPPER_SNAKE_CASE prefixed with the enum name and a zero value `<ENUM>_UNSPECIFIED`.",
    docs: `Checks the names in every \`.proto\` file against the [protobuf style guide](https://protobuf.dev/programming-guides/style/),
as \`buf lint\` does with its STANDARD rules:

| check | buf rule |
|---|---|
| service name ends with \`Service\` (option \`serviceSuffix\`) | SERVICE_SUFFIX |
| service, RPC, message and enum names are PascalCase | SERVICE_PASCAL_CASE, RPC_PASCAL_CASE, MESSAGE_PASCAL_CASE, ENUM_PASCAL_CASE |
| field names are lower_snake_case | FIELD_LOWER_SNAKE_CASE |
| enum values are UPPER_SNAKE_CASE | ENUM_VALUE_UPPER_SNAKE_CASE |
| enum values start with the enum's name in UPPER_SNAKE_CASE (\`Status\` -> \`STATUS_\`) | ENUM_VALUE_PREFIX |
| the zero value ends with \`_UNSPECIFIED\` (option \`zeroValueSuffix\`) | ENUM_ZERO_VALUE_SUFFIX |
| file names are lower_snake_case | FILE_LOWER_SNAKE_CASE |

PascalCase allows acronyms (\`HTTPServer\`, \`GetHTTPStatus\`), as buf does; lower_snake_case allows digits
(\`address_line_1\`).

**Difference from buf:** buf reports every field that is not lower_snake_case; we report one finding per message,
at its first such field, listing the others (go-zero protos written in camelCase would otherwise give one finding
per field).

Bad (go-zero's default template):

\`\`\`protobuf
service Patient {                                  // no Service suffix
  rpc getPatientInfo(GetPatientInfoRequest) returns (PatientInfoResponse);  // camelCase RPC
}
message GetPatientInfoRequest { string patientId = 1; }                      // camelCase field
enum Gender { MALE = 0; FEMALE = 1; }                                        // no prefix, no UNSPECIFIED
\`\`\`

Good:

\`\`\`protobuf
service PatientService {
  rpc GetPatientInfo(GetPatientInfoRequest) returns (GetPatientInfoResponse);
}
message GetPatientInfoRequest { string patient_id = 1; }
enum Gender { GENDER_UNSPECIFIED = 0; GENDER_MALE = 1; GENDER_FEMALE = 2; }
\`\`\`

Deliberately not reported: oneof names (buf's ONEOF_LOWER_SNAKE_CASE; the model keeps no oneof positions yet);
protos under \`testdata/\`, \`fixtures/\` and \`third_party/\`, and copies of upstream protos (packages \`google.*\`, \`grpc.*\`, \`envoy.*\`, \`validate\`, \`buf.validate\`); files that do not
parse (reported as parse errors). Each name is reported once, with the first problem found.`,
    inputs: ["proto"],
    tags: ["proto", "grpc", "api", "style"],
    precision: "very-high",
    options: {
      serviceSuffix: { type: "string", default: "Service", description: 'Suffix every service name must end with ("" to skip the check), like buf\'s service_suffix.' },
      zeroValueSuffix: { type: "string", default: "_UNSPECIFIED", description: "Suffix of every enum's zero value, like buf's enum_zero_value_suffix." },
    },
  },
  check({ repo, report, options }) {
    const serviceSuffix = options.serviceSuffix as string;
    const zeroSuffix = options.zeroValueSuffix as string;
    for (const file of lintedProtos(repo)) {
      const path = file.path;
      const baseName = path.slice(path.lastIndexOf("/") + 1).replace(/\.proto$/i, "");
      if (!isLowerSnakeCase(baseName)) {
        report({
          path,
          range: FILE_START,
          message: `File name ${baseName}.proto is not lower_snake_case (${toLowerSnakeCase(baseName)}.proto): generators derive module and class names from it, and mixed case breaks on case-insensitive file systems.`,
        });
      }
      for (const service of file.services) {
        if (!isPascalCase(service.name)) {
          report({ path, range: service.range, message: `Service ${service.name} is not PascalCase (${toPascalCase(service.name)}): generated client and server types are named after it.` });
        } else if (serviceSuffix && !service.name.endsWith(serviceSuffix)) {
          report({
            path,
            range: service.range,
            message: `Service ${service.name} does not end with "${serviceSuffix}" (${service.name}${serviceSuffix}): the suffix keeps the service's generated types apart from the message types of the same name.`,
          });
        }
        for (const method of service.methods) {
          if (!isPascalCase(method.name)) {
            report({
              path,
              range: method.range,
              message: `RPC ${service.name}.${method.name} is not PascalCase (${toPascalCase(method.name)}): the gRPC method path and generated method names come from it.`,
            });
          }
        }
      }
      for (const message of allMessages(file)) {
        if (!isPascalCase(message.name)) {
          report({ path, range: message.range, message: `Message ${message.name} is not PascalCase (${toPascalCase(message.name)}): generated type names come from it.` });
        }
        // One finding per message, at its first such field: renaming them is one change (and one review).
        const badFields = message.fields.filter((f) => !isLowerSnakeCase(f.name));
        if (badFields.length > 0) {
          const [first] = badFields;
          const listed = badFields.slice(0, 4).map((f) => `${f.name} (${toLowerSnakeCase(f.name)})`).join(", ");
          const more = badFields.length > 4 ? ` and ${badFields.length - 4} more` : "";
          report({
            path,
            range: first!.range,
            message:
              `${badFields.length === 1 ? "Field" : `${badFields.length} fields of`} ${message.name}${badFields.length === 1 ? `.${first!.name} is` : " are"} not lower_snake_case: ${listed}${more}. ` +
              "JSON names and generated accessors are derived from field names, so clients in other languages see inconsistent names.",
          });
        }
      }
      for (const enm of allEnums(file)) {
        if (!isPascalCase(enm.name)) {
          report({ path, range: enm.range, message: `Enum ${enm.name} is not PascalCase (${toPascalCase(enm.name)}): generated type names come from it.` });
        }
        const prefix = `${toUpperSnakeCase(enm.name)}_`;
        for (const value of enm.values) {
          let problem: string | undefined;
          if (!isUpperSnakeCase(value.name)) problem = `is not UPPER_SNAKE_CASE (${toUpperSnakeCase(value.name)})`;
          else if (!value.name.startsWith(prefix)) problem = `does not start with "${prefix}": enum values share their parent's scope in C++ and Python, so unprefixed names collide across enums`;
          else if (value.number === 0 && zeroSuffix && !value.name.endsWith(zeroSuffix)) {
            problem = `is the zero value but does not end with "${zeroSuffix}": an unset field reads as zero, so ${value.name} cannot be told apart from "not set"`;
          }
          if (problem) report({ path, range: value.range, message: `Enum value ${enm.name}.${value.name} ${problem}.` });
        }
      }
    }
  },
});

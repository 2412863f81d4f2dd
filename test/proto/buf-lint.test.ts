/**
 * Our proto lint rules side by side with `buf lint` (STANDARD + COMMENT_SERVICE + COMMENT_RPC, module root at
 * the fixture's root, `--error-format json`) on every fixture case of those rules. Both tools' findings become
 * `<path>:<line> <our rule id>`; they must agree, except for the differences recorded below with their reason.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { scan } from "../../src/api.js";
import { fixtureCases } from "../helpers/rule-fixtures.js";
import { BUF } from "./buf.js";

const OUR_RULES = [
  "proto/file-options",
  "proto/package-layout",
  "proto/package-options-consistent",
  "proto/naming",
  "proto/rpc-messages",
  "proto/service-comments",
  "proto/imports-resolve",
];

/** buf lint rule -> ours. Every buf rule that fires on a fixture must be here or in NOT_COVERED. */
const BUF_TO_OURS: Record<string, string> = {
  SYNTAX_SPECIFIED: "proto/file-options",
  PACKAGE_DEFINED: "proto/file-options",
  PACKAGE_LOWER_SNAKE_CASE: "proto/package-layout",
  PACKAGE_VERSION_SUFFIX: "proto/package-layout",
  PACKAGE_DIRECTORY_MATCH: "proto/package-layout",
  DIRECTORY_SAME_PACKAGE: "proto/package-layout",
  PACKAGE_SAME_DIRECTORY: "proto/package-layout",
  PACKAGE_SAME_GO_PACKAGE: "proto/package-options-consistent",
  PACKAGE_SAME_JAVA_PACKAGE: "proto/package-options-consistent",
  PACKAGE_SAME_JAVA_MULTIPLE_FILES: "proto/package-options-consistent",
  PACKAGE_SAME_CSHARP_NAMESPACE: "proto/package-options-consistent",
  PACKAGE_SAME_PHP_NAMESPACE: "proto/package-options-consistent",
  PACKAGE_SAME_RUBY_PACKAGE: "proto/package-options-consistent",
  PACKAGE_SAME_SWIFT_PREFIX: "proto/package-options-consistent",
  SERVICE_SUFFIX: "proto/naming",
  SERVICE_PASCAL_CASE: "proto/naming",
  RPC_PASCAL_CASE: "proto/naming",
  MESSAGE_PASCAL_CASE: "proto/naming",
  FIELD_LOWER_SNAKE_CASE: "proto/naming",
  ENUM_PASCAL_CASE: "proto/naming",
  ENUM_VALUE_UPPER_SNAKE_CASE: "proto/naming",
  ENUM_VALUE_PREFIX: "proto/naming",
  ENUM_ZERO_VALUE_SUFFIX: "proto/naming",
  FILE_LOWER_SNAKE_CASE: "proto/naming",
  RPC_REQUEST_STANDARD_NAME: "proto/rpc-messages",
  RPC_RESPONSE_STANDARD_NAME: "proto/rpc-messages",
  RPC_REQUEST_RESPONSE_UNIQUE: "proto/rpc-messages",
  COMMENT_SERVICE: "proto/service-comments",
  COMMENT_RPC: "proto/service-comments",
  // buf cannot lint a file whose import is missing: it stops with a compile error at the import.
  COMPILE: "proto/imports-resolve",
};

/**
 * STANDARD rules we do not implement, and why. The test fails if one of them fires on a fixture, so a fixture that
 * needs one makes us decide.
 */
export const NOT_COVERED: Record<string, string> = {
  IMPORT_USED: "needs type resolution across files; an unused import costs nothing at run time",
  IMPORT_NO_PUBLIC: "rare; not a readiness concern",
  FIELD_NOT_REQUIRED: "proto2 `required`; proto3 has no such label",
  ENUM_NO_ALLOW_ALIAS: "rare; not a readiness concern",
  ENUM_FIRST_VALUE_ZERO: "a compile error in proto3 already (protobufjs parses it; protoc refuses it)",
  ONEOF_LOWER_SNAKE_CASE: "the model keeps no oneof positions yet",
  PACKAGE_NO_IMPORT_CYCLE: "needs import resolution across packages",
  PROTOVALIDATE: "protovalidate constraints are not modelled",
};

/** Where we differ on purpose: per case (`<rule>/<fire|silent>/<case>`), lines only one side reports, and why. */
const KNOWN_DIFFERENCES: Record<string, { oursOnly?: string[]; bufOnly?: string[]; why: string }> = {
  "proto/naming/silent/third-party-copy": {
    bufOnly: [
      "third_party/google/api/http.proto:3 proto/package-layout",
      "third_party/google/api/http.proto:13 proto/naming",
    ],
    why: "We skip copies of other projects' protos (third_party/, google.* packages); buf lints whatever is in the module unless told to ignore it.",
  },
  "proto/rpc-messages/silent/grpc-health": {
    bufOnly: [
      "grpc/health/v1/health.proto:13 proto/naming",
      "grpc/health/v1/health.proto:14 proto/naming",
      "grpc/health/v1/health.proto:20 proto/naming",
      "grpc/health/v1/health.proto:22 proto/rpc-messages",
      "grpc/health/v1/health.proto:24 proto/rpc-messages",
    ],
    why: "The standard gRPC health service is upstream's contract, copied verbatim; we skip grpc.* packages.",
  },
  "proto/package-layout/silent/under-proto-root": {
    bufOnly: ["proto/shop/order_items/v2/items.proto:3 proto/package-layout"],
    why: "buf's module root is the fixture root here, so proto/shop/order_items/v2 must equal shop/order_items/v2; we do not know the root and accept a folder that ends with the package path.",
  },
  "proto/naming/fire/style-violations": {
    bufOnly: ["shop/v1/orders.proto:16 proto/naming"],
    why: "buf reports each field that is not lower_snake_case; we report one finding per message, at its first such field (line 14), listing the others.",
  },
  "proto/package-options-consistent/fire/two-go-packages": {
    bufOnly: [
      "patient/v1/patient.proto:5 proto/package-options-consistent",
      "patient/v1/patient.proto:7 proto/package-options-consistent",
      "patient/v1/record.proto:5 proto/package-options-consistent",
      "patient/v1/visit.proto:6 proto/package-options-consistent",
    ],
    why: "buf reports the option in every file of the package once values disagree; we report only the files that differ from the value most files use (with the majority file as related location), so the one file to fix is the one reported.",
  },
  "proto/imports-resolve/silent/resolved-under-proto-root": {
    bufOnly: ["proto/shop/v1/orders.proto:7 proto/imports-resolve"],
    why: "With the module root at the fixture root buf cannot find shop/v1/money.proto (it is proto/shop/v1/money.proto); we accept any folder as the include root, as `-I proto` would.",
  },
};

/** Cases buf cannot build at all, and why (they still run in the fixture harness). */
const NOT_COMPARED: Record<string, string> = {
  "proto/service-comments/fire/copied-proto":
    "three copies of one proto in one buf module are duplicate definitions: buf stops with a compile error. We lint the shallowest copy once.",
};

interface BufFinding {
  path?: string;
  start_line: number;
  type: string;
  message: string;
}

function bufLint(dir: string, options: Record<string, unknown> | undefined): BufFinding[] {
  const lint: Record<string, unknown> = { use: ["STANDARD", "COMMENT_SERVICE", "COMMENT_RPC"] };
  if (typeof options?.serviceSuffix === "string") lint.service_suffix = options.serviceSuffix;
  if (typeof options?.zeroValueSuffix === "string") lint.enum_zero_value_suffix = options.zeroValueSuffix;
  let stdout: string;
  try {
    stdout = execFileSync(BUF, ["lint", "--config", JSON.stringify({ version: "v2", lint }), "--error-format", "json"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    if (failed.status !== 100) throw new Error(`buf lint failed (${failed.status}): ${failed.stderr}`);
    stdout = failed.stdout ?? "";
  }
  return stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as BufFinding);
}

const cases = OUR_RULES.filter((id) => id !== "proto/file-options").flatMap((id) => fixtureCases(id).map((c) => ({ id, ...c })));

describe("proto lint rules agree with buf lint", () => {
  for (const fixture of cases) {
    const key = `${fixture.id}/${fixture.expectation}/${fixture.name}`;
    it.skipIf(NOT_COMPARED[key] !== undefined)(key, async () => {
      const result = await scan({
        path: fixture.dir,
        repoRoot: fixture.dir,
        only: OUR_RULES,
        ruleOptions: fixture.options ? { [fixture.id]: fixture.options } : undefined,
      });
      const ours = result.findings.map((f) => `${f.path}:${f.range.start.line} ${f.ruleId}`);
      // After a missing import buf also reports each use of its types ("cannot find `Money` in this scope"):
      // consequences of the import already reported, not findings of their own.
      const theirs = bufLint(fixture.dir, fixture.options)
        .filter((f) => !(f.type === "COMPILE" && /^cannot find `[^`]+` in this scope$/.test(f.message)))
        .map((f) => {
        if (NOT_COVERED[f.type]) throw new Error(`buf rule ${f.type} fired on ${key}; we do not cover it (${NOT_COVERED[f.type]})`);
        const rule = BUF_TO_OURS[f.type];
        if (!rule) throw new Error(`buf rule ${f.type} has no counterpart in the mapping: ${f.message}`);
        if (f.type === "COMPILE" && !/^imported file does not exist/.test(f.message)) throw new Error(`buf compile error on ${key}: ${f.message}`);
        return `${f.path ?? "?"}:${f.start_line} ${rule}`;
      });
      const known = KNOWN_DIFFERENCES[key];
      const oursOnly = known?.oursOnly ?? [];
      const bufOnly = known?.bufOnly ?? [];
      const unique = (xs: string[]) => [...new Set(xs)].sort();
      expect(unique(ours.filter((x) => !oursOnly.includes(x)))).toEqual(unique(theirs.filter((x) => !bufOnly.includes(x))));
      // Recorded differences must be real on each side, so the table cannot go stale.
      for (const x of oursOnly) expect(ours).toContain(x);
      for (const x of bufOnly) expect(theirs).toContain(x);
    }, 60_000);
  }
});

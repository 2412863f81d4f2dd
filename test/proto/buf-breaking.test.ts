/**
 * proto/breaking-change side by side with `buf breaking --against '.git#tag=v1.0.0'` on the same fixture
 * histories (fixtures/proto/breaking-change/{fire,silent}/<case>/{v1,v2}). Both tools' findings are reduced to
 * `<path>:<line> <check>`; they must agree, except for the differences listed (with the reason) below.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { scan } from "../../src/api.js";
import type { Finding } from "../../src/model/finding.js";
import { historyRepo, isHistoryCase } from "../helpers/git-history.js";
import { fixtureCases } from "../helpers/rule-fixtures.js";
import { BUF } from "./buf.js";

const RULE = "proto/breaking-change";

/** WIRE_JSON, plus the deletions and go_package checks our rule makes beyond it. */
const BUF_CONFIG = JSON.stringify({
  version: "v2",
  breaking: {
    use: [
      "WIRE_JSON",
      "PACKAGE_MESSAGE_NO_DELETE",
      "PACKAGE_ENUM_NO_DELETE",
      "PACKAGE_SERVICE_NO_DELETE",
      "PACKAGE_NO_DELETE",
      "RPC_NO_DELETE",
      "FILE_SAME_GO_PACKAGE",
      "FIELD_SAME_TYPE",
    ],
  },
});

/** buf rule id -> our check. Rules of the configured set absent here must never fire on the fixtures. */
const BUF_TO_CHECK: Record<string, string> = {
  FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED: "field-removed",
  FIELD_NO_DELETE_UNLESS_NAME_RESERVED: "field-removed",
  FIELD_SAME_NAME: "field-renamed",
  FIELD_SAME_JSON_NAME: "field-renamed",
  FIELD_SAME_TYPE: "field-type",
  FIELD_WIRE_JSON_COMPATIBLE_TYPE: "field-type",
  FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY: "field-label",
  FIELD_SAME_ONEOF: "field-oneof",
  PACKAGE_MESSAGE_NO_DELETE: "removed",
  PACKAGE_ENUM_NO_DELETE: "removed",
  PACKAGE_SERVICE_NO_DELETE: "removed",
  ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED: "enum-value-removed",
  ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED: "enum-value-removed",
  ENUM_VALUE_SAME_NAME: "enum-value-renamed",
  RPC_NO_DELETE: "rpc-removed",
  RPC_SAME_CLIENT_STREAMING: "rpc-changed",
  RPC_SAME_SERVER_STREAMING: "rpc-changed",
  RPC_SAME_REQUEST_TYPE: "rpc-changed",
  RPC_SAME_RESPONSE_TYPE: "rpc-changed",
  FILE_SAME_PACKAGE: "package",
  PACKAGE_NO_DELETE: "package",
  FILE_SAME_GO_PACKAGE: "go-package",
};

/** Our finding's check, from its message (the rule has one message shape per check). */
function checksOf(finding: Finding): string[] {
  const m = finding.message;
  if (/^Field \S+ = \d+ was removed/.test(m)) return ["field-removed"];
  if (/is now reused by/.test(m)) return ["field-renamed", "field-type"];
  if (/^Field \d+ of \S+ was renamed/.test(m)) return ["field-renamed"];
  if (/changed type from/.test(m)) return ["field-type"];
  if (/ moved (into|out of|from) oneof/.test(m)) return ["field-oneof"];
  if (/^Field .* changed from \S+ to \S+ since/.test(m)) return ["field-label"];
  if (/^The (message|enum|service) \S+ was removed/.test(m)) return ["removed"];
  if (/^Enum value \S+ = \d+ was removed/.test(m)) return ["enum-value-removed"];
  if (/^Enum value \d+ of .* was renamed/.test(m)) return ["enum-value-renamed"];
  if (/^RPC \S+ was removed/.test(m)) return ["rpc-removed"];
  if (/^RPC \S+ changed since/.test(m)) return ["rpc-changed"];
  if (/^The package of/.test(m)) return ["package"];
  if (/^The go_package of/.test(m)) return ["go-package"];
  throw new Error(`unmapped proto/breaking-change message: ${m}`);
}

/**
 * Where we differ from buf on purpose, per case: lines only we report, lines only buf reports (buf gives no path
 * for package-level deletions: `?`), and why.
 */
const KNOWN_DIFFERENCES: Record<string, { oursOnly: string[]; bufOnly: string[]; why: string }> = {
  "vendored-upstream-copy-removed": {
    oursOnly: [],
    bufOnly: ["?:1 package"],
    why:
      "A vendored copy of gRPC's health.proto was deleted (otel-demo's currency service, when the library began shipping " +
      "the service). buf sees package grpc.health.v1 deleted; the contract is upstream's and unchanged, so we skip copies " +
      "of upstream packages as the lint rules do.",
  },
  "moved-and-renamed": {
    oursOnly: [
      "api/billing/v1/invoices.proto:1 removed",
      "api/billing/v1/invoices.proto:5 go-package",
      "api/billing/v2/ledger.proto:3 package",
    ],
    bufOnly: ["?:1 removed", "?:1 removed", "?:1 removed", "?:1 removed"],
    why:
      "buf compares files by path: a renamed file's go_package is not compared, and deletions from a package carry no file. " +
      "We match a renamed file by package (invoice.proto -> invoices.proto), attribute Refund's removal to it, and report " +
      "ledger.proto's move to billing.v2 once as a package change instead of three deletions from billing.v1.",
  },
};

function bufBreaking(dir: string): { path: string; line: number; type: string }[] {
  let stdout: string;
  try {
    stdout = execFileSync(BUF, ["breaking", "--config", BUF_CONFIG, "--against", ".git#tag=v1.0.0", "--against-config", BUF_CONFIG, "--error-format", "json"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    if (failed.status !== 100) throw new Error(`buf breaking failed (${failed.status}): ${failed.stderr}`);
    stdout = failed.stdout ?? "";
  }
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { path?: string; start_line: number; type: string })
    .map((f) => ({ path: f.path ?? "?", line: f.start_line, type: f.type }));
}

const cases = fixtureCases(RULE).filter((c) => isHistoryCase(c.dir));

/**
 * Cases buf cannot compile, and why we still check them. buf builds one module and refuses duplicate names;
 * repositories of code generators (go-zero's goctl) keep parser test protos that declare the same package and
 * names in several files. We compare each file with its own past version there instead of failing.
 */
const BUF_CANNOT_COMPILE: Record<string, string> = {
  "same-names-in-several-files": "two files declare test.Req, test.Reply and test.TestService (a parser's test cases)",
};

describe("proto/breaking-change agrees with buf breaking", () => {
  it("has history cases to compare", () => {
    expect(cases.length).toBeGreaterThanOrEqual(3);
  });

  for (const fixture of cases) {
    it(`${fixture.expectation}: ${fixture.name}`, async () => {
      const history = historyRepo(fixture.dir);
      try {
        const explicit = await scan({ path: history.dir, repoRoot: history.dir, only: [RULE], baseRef: "v1.0.0" });
        // Without --base-ref the highest release tag is the base: the same comparison.
        const byDefault = await scan({ path: history.dir, repoRoot: history.dir, only: [RULE] });
        expect(byDefault.findings).toEqual(explicit.findings);

        if (BUF_CANNOT_COMPILE[fixture.name]) {
          expect(bufBreaking(history.dir).map((f) => f.type)).toContain("COMPILE");
          if (fixture.expectation === "silent") expect(explicit.findings).toEqual([]);
          return;
        }
        const ours = explicit.findings.flatMap((f) => checksOf(f).map((check) => `${f.path}:${f.range.start.line} ${check}`));
        const theirs = bufBreaking(history.dir).map((f) => {
          const check = BUF_TO_CHECK[f.type];
          if (!check) throw new Error(`buf rule ${f.type} fired but has no counterpart in the mapping: add one or a documented difference`);
          return `${f.path}:${f.line} ${check}`;
        });
        const known = KNOWN_DIFFERENCES[fixture.name] ?? { oursOnly: [], bufOnly: [] };
        const unique = (xs: string[]) => [...new Set(xs)].sort();
        expect(unique(ours.filter((x) => !known.oursOnly.includes(x)))).toEqual(unique(theirs.filter((x) => !known.bufOnly.includes(x))));
        // The recorded differences are real (each side does report them), so this list cannot go stale.
        for (const x of known.oursOnly) expect(ours).toContain(x);
        for (const x of known.bufOnly) expect(theirs).toContain(x);
        if (fixture.expectation === "silent") expect(theirs.filter((x) => !known.bufOnly.includes(x))).toEqual([]);
      } finally {
        history.dispose();
      }
    }, 60_000);
  }
});

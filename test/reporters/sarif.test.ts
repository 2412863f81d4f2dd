import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import AjvDraft04 from "ajv-draft-04";
import ajvFormats from "ajv-formats";
import type * as Sarif from "sarif";
import { describe, expect, it } from "vitest";
import type { Finding, RunResult } from "../../src/model/finding.js";
import { encodePath, MAX_RESULTS, renderSarif } from "../../src/reporters/sarif.js";
import { DOCS, finding, meta, outcome, range, runResult } from "../helpers/run-results.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const goldenDir = path.join(here, "golden");
// The vendored copy: users' clones have no ../shared.
const schemaPath = path.join(root, "schemas/sarif-schema-2.1.0.json");

// ---------------------------------------------------------------------------------------------
// Literal run results

const NON_ROOT = meta({
  id: "docker/non-root-user",
  section: "security",
  title: "Container runs as a non-root user",
  severity: "warning",
  rationale: "A process running as root inside the container can take over the node when it escapes.",
  remediation: "Add a `USER` instruction with a non-root user to the final stage.",
  docs: "## Bad\n\n```dockerfile\nFROM node:20\nCMD [\"node\", \"app.js\"]\n```\n\n## Good\n\n```dockerfile\nFROM node:20\nUSER node\n```",
  inputs: ["dockerfile"],
  tags: ["docker", "security"],
  securitySeverity: 5,
});
const SECRET = meta({
  id: "secrets/hardcoded-secret",
  section: "security",
  title: "No secret is written in the repository",
  severity: "error",
  inputs: ["config"],
  tags: ["secrets"],
  precision: "medium",
  securitySeverity: 8.25,
});
const PROBES = meta({
  id: "k8s/probes-defined",
  section: "operations",
  title: "Containers define readiness and liveness probes",
  severity: "warning",
  inputs: ["kubernetes"],
  tags: ["kubernetes"],
});
const PROTO = meta({
  id: "proto/file-options",
  section: "architecture",
  title: "Proto files set go_package",
  severity: "note",
  inputs: ["proto"],
  tags: ["proto"],
  precision: "very-high",
});
const PARSE_ERROR = meta({
  id: "readiness/parse-error",
  section: "foundation",
  title: "File could not be parsed",
  severity: "error",
  tags: ["diagnostic"],
  precision: "very-high",
});
const RULE_ERROR = meta({
  id: "readiness/rule-error",
  section: "foundation",
  title: "A rule crashed",
  severity: "error",
  tags: ["diagnostic"],
  precision: "very-high",
});

const CRASH_NO_PATH = finding(RULE_ERROR, {
  path: "",
  range: range(1, 1, 1, 1),
  message: "Rule k8s/resources-set crashed: boom. The rest of the scan ran; this rule's results are incomplete.",
});
const CRASH_ON_FILE = finding(RULE_ERROR, {
  path: "cmd/api/main.go",
  range: range(1, 1, 1, 1),
  message: "Rule go/no-fmt-print crashed on cmd/api/main.go: bad node. The rest of the scan ran; this rule's results are incomplete.",
});

/** Several rules, a security rule, odd paths, related locations, a crash: already in engine order. */
const FULL = runResult({
  scanPrefix: "services/shop",
  complete: false,
  rules: [
    outcome(NON_ROOT, 1),
    outcome(SECRET, 1),
    outcome(PROBES, 2),
    outcome(PROTO, 0, "not-applicable"),
    // A rule listed twice must still appear once in rules[].
    outcome(NON_ROOT, 1),
    outcome(PARSE_ERROR, 1),
    outcome(RULE_ERROR, 2),
  ],
  findings: [
    CRASH_NO_PATH,
    CRASH_ON_FILE,
    finding(SECRET, {
      path: "services/shop/config/café settings.yaml",
      range: range(4, 13, 4, 21),
      message: "Key `DB.Password` holds a literal password; anyone with read access to the repository can use it.",
    }),
    finding(PARSE_ERROR, {
      path: "services/shop/deploy/broken.yaml",
      range: range(7, 3, 7, 3),
      message: "Unexpected end of flow sequence.",
    }),
    finding(PROBES, {
      path: "services/shop/deploy/deployment.yaml",
      range: range(18, 9, 18, 13),
      message: "Container `api` has no readiness probe: traffic reaches it before it can serve.",
      related: [
        { path: "services/shop/deploy/service.yaml", range: range(9, 5, 9, 20), message: "Service `api` sends traffic to it." },
        { path: "services/shop/Dockerfile", range: range(12, 1, 12, 10), message: "The image listens on port 8080." },
      ],
    }),
    finding(PROBES, {
      path: "services/shop/deploy/deployment.yaml",
      range: range(18, 9, 21, 1),
      severity: "note",
      message: "Container `api` probes could not be verified: the port is a variable.",
      fix: "Use a literal port in `livenessProbe.httpGet.port` so the probe can be checked.",
    }),
    finding(NON_ROOT, {
      path: "services/shop/Dockerfile",
      range: range(20, 1, 20, 26),
      message: "The final stage `runtime` runs as root: no USER instruction follows `FROM gcr.io/distroless/base`.",
    }),
  ],
});

const EMPTY = runResult({ rules: [outcome(NON_ROOT, 0), outcome(PROBES, 0, "not-applicable")] });

// ---------------------------------------------------------------------------------------------
// Helpers

function render(result: RunResult): Sarif.Log {
  return JSON.parse(renderSarif(result)) as Sarif.Log;
}

function validator() {
  // CommonJS packages: `.default` is the class / plugin both under Node's ESM loader and for NodeNext types.
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false });
  ajvFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")) as object);
}

/** A missing golden fails; UPDATE_GOLDEN=1 (re)writes it. */
function expectGolden(name: string, actual: string): void {
  const file = path.join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === "1") {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`golden file ${path.relative(root, file)} is missing: run with UPDATE_GOLDEN=1 and review it`);
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

function allPhysicalLocations(log: Sarif.Log): Sarif.PhysicalLocation[] {
  const run = log.runs[0]!;
  const locations: Sarif.Location[] = [];
  for (const r of run.results ?? []) locations.push(...(r.locations ?? []), ...(r.relatedLocations ?? []));
  for (const n of run.invocations?.[0]?.toolExecutionNotifications ?? []) locations.push(...(n.locations ?? []));
  return locations.map((l) => l.physicalLocation!);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------

describe("renderSarif", () => {
  const validate = validator();

  it.each([
    ["full", FULL],
    ["empty", EMPTY],
  ])("%s run validates against the SARIF 2.1.0 schema", (_name, result) => {
    const ok = validate(render(result));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("matches the golden files", () => {
    expectGolden("full.sarif", renderSarif(FULL));
    expectGolden("empty.sarif", renderSarif(EMPTY));
  });

  it("is deterministic and does not touch its input", () => {
    const frozen = deepFreeze(structuredClone(FULL));
    expect(renderSarif(frozen)).toBe(renderSarif(FULL));
    expect(renderSarif(FULL)).toBe(renderSarif(FULL));
  });

  it("has one run with one driver, schema and version", () => {
    const log = render(FULL);
    expect(log.$schema).toBe("https://json.schemastore.org/sarif-2.1.0.json");
    expect(log.version).toBe("2.1.0");
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0]!;
    expect(run.tool.driver).toMatchObject({
      name: "readiness-check",
      version: "0.1.0",
      semanticVersion: "0.1.0",
      informationUri: "https://github.com/readiness-check/readiness-check",
    });
    expect(run.tool.extensions).toBeUndefined();
    expect(run.columnKind).toBe("utf16CodeUnits");
    expect(run.automationDetails).toBeUndefined();
  });

  it("lists every rule of the run once, in the run's order", () => {
    const ids = render(FULL).runs[0]!.tool.driver.rules!.map((r) => r.id);
    expect(ids).toEqual([
      "docker/non-root-user",
      "secrets/hardcoded-secret",
      "k8s/probes-defined",
      "proto/file-options",
      "readiness/parse-error",
      "readiness/rule-error",
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("describes each rule the way GitHub displays it", () => {
    const rules = render(FULL).runs[0]!.tool.driver.rules!;
    for (const rule of rules) {
      expect(rule.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(rule.shortDescription?.text).toBeTruthy();
      expect(rule.fullDescription?.text).toBeTruthy();
      expect(rule.help?.text).toBeTruthy();
      expect(rule.help?.markdown).toBeTruthy();
      expect(rule.helpUri).toBe(`${DOCS}${rule.id}.md`);
      expect(["error", "warning", "note"]).toContain(rule.defaultConfiguration?.level);
      expect(rule.properties?.tags?.length).toBeGreaterThan(0);
      expect(["very-high", "high", "medium", "low"]).toContain(rule.properties?.precision);
    }
    const nonRoot = rules[0]!;
    expect(nonRoot.name).toBe("DockerNonRootUser");
    expect(nonRoot.shortDescription?.text).toBe(NON_ROOT.title);
    expect(nonRoot.fullDescription?.text).toBe(NON_ROOT.rationale);
    expect(nonRoot.help?.text).toContain(NON_ROOT.remediation);
    expect(nonRoot.help?.text).toContain(NON_ROOT.docsUrl);
    expect(nonRoot.help?.markdown).toContain("## Good");
    expect(nonRoot.help?.markdown).toContain(`(${NON_ROOT.docsUrl})`);
    expect(nonRoot.defaultConfiguration?.level).toBe("warning");
    expect(rules[3]!.properties?.tags).toEqual(["proto", "architecture"]);
  });

  it("gives security rules a string security-severity and the security tag", () => {
    const rules = render(FULL).runs[0]!.tool.driver.rules!;
    const byId = new Map(rules.map((r) => [r.id, r]));
    expect(byId.get("docker/non-root-user")!.properties!["security-severity"]).toBe("5.0");
    expect(byId.get("secrets/hardcoded-secret")!.properties!["security-severity"]).toBe("8.3");
    for (const rule of rules) {
      const score = rule.properties!["security-severity"] as unknown;
      if (score === undefined) continue;
      expect(typeof score).toBe("string");
      expect(score).toMatch(/^(10|\d)\.\d$/);
      expect(rule.properties!.tags).toContain("security");
    }
    expect(byId.get("k8s/probes-defined")!.properties!["security-severity"]).toBeUndefined();
    expect(byId.get("k8s/probes-defined")!.properties!.tags).not.toContain("security");
  });

  it("points every ruleIndex at its rule", () => {
    const run = render(FULL).runs[0]!;
    const rules = run.tool.driver.rules!;
    for (const result of run.results!) expect(rules[result.ruleIndex!]!.id).toBe(result.ruleId);
    for (const n of run.invocations![0]!.toolExecutionNotifications!) {
      expect(rules[n.associatedRule!.index!]!.id).toBe(n.associatedRule!.id);
    }
  });

  it("uses repository-relative, percent-encoded URIs under %SRCROOT%", () => {
    const log = render(FULL);
    for (const location of allPhysicalLocations(log)) {
      const { uri, uriBaseId } = location.artifactLocation!;
      expect(uriBaseId).toBe("%SRCROOT%");
      expect(uri).not.toMatch(/^[A-Za-z][A-Za-z0-9+.-]*:/); // no scheme
      expect(uri).not.toMatch(/^\.?\//);
      expect(uri).toMatch(/^[A-Za-z0-9\-._~%/]+$/); // only unreserved characters, '/' and escapes
    }
    const secret = log.runs[0]!.results!.find((r) => r.ruleId === "secrets/hardcoded-secret")!;
    expect(secret.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe("services/shop/config/caf%C3%A9%20settings.yaml");
    // No absolute local path anywhere: GitHub ignores originalUriBaseIds, and it would differ per machine.
    expect(log.runs[0]!.originalUriBaseIds).toBeUndefined();
    expect(renderSarif(FULL)).not.toContain(FULL.repoRoot);
  });

  it("maps ranges to 1-based regions GitHub accepts", () => {
    const run = render(FULL).runs[0]!;
    for (const location of allPhysicalLocations(render(FULL))) {
      const region = location.region!;
      expect(region.startLine).toBeGreaterThanOrEqual(1);
      expect(region.startColumn).toBeGreaterThanOrEqual(1);
      if (region.endColumn !== undefined && (region.endLine ?? region.startLine) === region.startLine) {
        expect(region.endColumn).toBeGreaterThan(region.startColumn!);
      }
    }
    const regions = run.results!.map((r) => r.locations![0]!.physicalLocation!.region);
    // Exclusive ends map one to one.
    expect(regions).toContainEqual({ startLine: 4, startColumn: 13, endLine: 4, endColumn: 21 });
    expect(regions).toContainEqual({ startLine: 18, startColumn: 9, endLine: 21, endColumn: 1 });
    // An empty range keeps only its start.
    expect(regions).toContainEqual({ startLine: 7, startColumn: 3 });
  });

  it("keeps related locations with ids and messages", () => {
    const result = render(FULL).runs[0]!.results!.find((r) => r.relatedLocations)!;
    expect(result.relatedLocations).toEqual([
      {
        id: 1,
        physicalLocation: {
          artifactLocation: { uri: "services/shop/deploy/service.yaml", uriBaseId: "%SRCROOT%" },
          region: { startLine: 9, startColumn: 5, endLine: 9, endColumn: 20 },
        },
        message: { text: "Service `api` sends traffic to it." },
      },
      {
        id: 2,
        physicalLocation: {
          artifactLocation: { uri: "services/shop/Dockerfile", uriBaseId: "%SRCROOT%" },
          region: { startLine: 12, startColumn: 1, endLine: 12, endColumn: 10 },
        },
        message: { text: "The image listens on port 8080." },
      },
    ]);
  });

  it("adds only a finding-specific fix to the message", () => {
    const results = render(FULL).runs[0]!.results!;
    const nonRoot = results.find((r) => r.ruleId === "docker/non-root-user")!;
    expect(nonRoot.message.text).toBe(FULL.findings[6]!.message);
    const note = results.find((r) => r.level === "note")!;
    expect(note.message.text).toBe(
      "Container `api` probes could not be verified: the port is a variable. Fix: Use a literal port in `livenessProbe.httpGet.port` so the probe can be checked.",
    );
  });

  it("reports crashes as tool notifications, never as results", () => {
    const run = render(FULL).runs[0]!;
    expect(run.results!.map((r) => r.ruleId)).not.toContain("readiness/rule-error");
    expect(run.results).toHaveLength(5);
    const invocation = run.invocations![0]!;
    expect(invocation.executionSuccessful).toBe(false);
    const notifications = invocation.toolExecutionNotifications!;
    expect(notifications).toHaveLength(2);
    expect(notifications[0]).toEqual({
      level: "error",
      message: { text: CRASH_NO_PATH.message },
      associatedRule: { id: "readiness/rule-error", index: 5 },
    });
    expect(notifications[1]!.locations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: "cmd/api/main.go", uriBaseId: "%SRCROOT%" },
      region: { startLine: 1, startColumn: 1 },
    });
  });

  it("keeps a location-less finding of any rule out of results", () => {
    const lost = finding(PROBES, { path: "", range: range(0, 0, 0, 0), message: "Something about the repository as a whole." });
    const run = render(runResult({ rules: [outcome(PROBES, 1)], findings: [lost] })).runs[0]!;
    expect(run.results).toEqual([]);
    expect(run.invocations![0]!.executionSuccessful).toBe(true);
    expect(run.invocations![0]!.toolExecutionNotifications).toEqual([
      { level: "warning", message: { text: lost.message }, associatedRule: { id: "k8s/probes-defined", index: 0 } },
    ]);
  });

  it("writes a clean run with an empty results array", () => {
    const run = render(EMPTY).runs[0]!;
    expect(run.results).toEqual([]);
    expect(run.invocations).toEqual([{ executionSuccessful: true }]);
    expect(run.tool.driver.rules!.map((r) => r.id)).toEqual(["docker/non-root-user", "k8s/probes-defined"]);
  });

  it("gives a finding of an unlisted rule a valid rule entry", () => {
    const stray = finding(PROTO, { path: "api/v1/shop.proto", range: range(1, 1, 1, 8), message: "Missing go_package." });
    const log = render(runResult({ findings: [stray] }));
    const run = log.runs[0]!;
    expect(run.tool.driver.rules!.map((r) => r.id)).toEqual(["proto/file-options"]);
    expect(run.results![0]!.ruleIndex).toBe(0);
    expect(validate(log)).toBe(true);
  });

  it(`keeps at most ${MAX_RESULTS} results, the most severe first, and says how many were dropped`, () => {
    const findings: Finding[] = [];
    for (let i = 0; i < MAX_RESULTS + 3; i++) {
      // The last three are errors: they must survive the cap although they sort last by path.
      const severity = i >= MAX_RESULTS ? "error" : "note";
      findings.push(finding(PROBES, { path: `deploy/f${String(i).padStart(5, "0")}.yaml`, range: range(1, 1, 1, 5), message: "No probe.", severity }));
    }
    const run = render(runResult({ rules: [outcome(PROBES, findings.length)], findings })).runs[0]!;
    expect(MAX_RESULTS).toBeLessThanOrEqual(5_000);
    expect(run.results).toHaveLength(MAX_RESULTS);
    // Order is kept; the three least severe at the end of the note run are the ones dropped.
    expect(run.results!.slice(-3).map((r) => r.level)).toEqual(["error", "error", "error"]);
    expect(run.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe("deploy/f00000.yaml");
    expect(run.results!.at(-4)!.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe(`deploy/f0${MAX_RESULTS - 4}.yaml`);
    const notifications = run.invocations![0]!.toolExecutionNotifications!;
    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.level).toBe("warning");
    expect(notifications[0]!.message.text).toMatch(new RegExp(`^3 of ${MAX_RESULTS + 3} results \\(the least severe\\) were left out`));
  });

  it("copies the line hash into partialFingerprints and sets automationDetails only when a category is given", () => {
    const hashed = finding(PROBES, { path: "deploy/app.yaml", range: range(4, 1, 4, 9), message: "No probe.", lineHash: "c129715d7a2bc9a3:1" });
    const plain = finding(PROBES, { path: "deploy/other.yaml", range: range(2, 1, 2, 9), message: "No probe." });
    const result = runResult({ rules: [outcome(PROBES, 2)], findings: [hashed, plain] });
    const run = render(result).runs[0]!;
    expect(run.results![0]!.partialFingerprints).toEqual({ primaryLocationLineHash: "c129715d7a2bc9a3:1" });
    expect(run.results![1]!.partialFingerprints).toBeUndefined();
    expect(run.automationDetails).toBeUndefined();
    const categorized = JSON.parse(renderSarif(result, { category: "services/patient" })) as Sarif.Log;
    expect(categorized.runs[0]!.automationDetails).toEqual({ id: "services/patient/" });
    expect(validate(categorized)).toBe(true);
  });
});

describe("encodePath", () => {
  it.each([
    ["src/main.go", "src/main.go"],
    ["config/café settings.yaml", "config/caf%C3%A9%20settings.yaml"],
    ["docs/日本.md", "docs/%E6%97%A5%E6%9C%AC.md"],
    ["a/100%/b#c?d.txt", "a/100%25/b%23c%3Fd.txt"],
    ["c:/x", "c%3A/x"],
    ["it's (1)!.txt", "it%27s%20%281%29%21.txt"],
    ["./k8s/app.yaml", "k8s/app.yaml"],
    ["emoji/😀.ts", "emoji/%F0%9F%98%80.ts"],
    ["bad/\uD800.ts", "bad/%EF%BF%BD.ts"],
  ])("%s -> %s", (input, expected) => {
    expect(encodePath(input)).toBe(expected);
  });
});

import { describe, expect, it } from "vitest";
import { isCiPipelinePath, loadCiPipeline } from "../../src/loaders/ci.js";

const at = (line: number, column: number, endLine: number, endColumn: number) => ({
  start: { line, column },
  end: { line: endLine, column: endColumn },
});

/** `text@line:col` for compact comparisons. */
const brief = (commands: { text: string; range: { start: { line: number; column: number } }; job?: string }[]) =>
  commands.map((c) => `${c.job ?? "-"} ${c.range.start.line}:${c.range.start.column} ${c.text}`);

describe("isCiPipelinePath", () => {
  it("recognises workflows and .gitlab-ci.yml", () => {
    expect(isCiPipelinePath(".github/workflows/ci.yml")).toBe(true);
    expect(isCiPipelinePath("svc/.gitlab-ci.yml")).toBe(true);
    expect(isCiPipelinePath(".github/dependabot.yml")).toBe(false);
  });
});

describe("loadCiPipeline: GitHub Actions", () => {
  const text = `name: ci
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - name: Test
        run: |
          # comment lines are not commands
          npm run lint && npm test

          go mod verify   # trailing comment
          docker build \\
            --tag app \\
            .
          cat <<EOF > notes.txt
          npm install inside a heredoc is not a command
          EOF
          echo "a # not a comment" $#
      - run: >
          echo folded
          into one line
      - run: "npm run build"
  release:
    uses: acme/workflows/.github/workflows/release.yml@v1
`;
  const { value, diagnostics } = loadCiPipeline(".github/workflows/ci.yml", text);

  it("splits run blocks into shell lines with exact ranges", () => {
    expect(diagnostics).toEqual([]);
    expect(value!.provider).toBe("github-actions");
    expect(value!.range).toEqual(at(1, 1, 1, 9));
    expect(brief(value!.commands)).toEqual([
      "build 12:14 npm ci",
      "build 16:11 npm run lint && npm test",
      "build 18:11 go mod verify",
      "build 19:11 docker build --tag app .",
      "build 22:11 cat <<EOF > notes.txt",
      'build 25:11 echo "a # not a comment" $#',
      "build 27:11 echo folded into one line",
      "build 29:15 npm run build",
    ]);
    expect(value!.commands[0]!.range).toEqual(at(12, 14, 12, 20));
    expect(value!.commands[2]!.range).toEqual(at(18, 11, 18, 24));
    expect(value!.commands[3]!.range).toEqual(at(19, 11, 21, 14));
    expect(value!.commands[6]!.range).toEqual(at(27, 11, 28, 24));
  });

  it("lists step and job-level uses", () => {
    expect(value!.uses).toEqual([
      { action: "actions/checkout@v4", range: at(7, 15, 7, 34), job: "build" },
      { action: "actions/setup-node@v4", range: at(8, 15, 8, 36), job: "build" },
      { action: "acme/workflows/.github/workflows/release.yml@v1", range: at(31, 11, 31, 58), job: "release" },
    ]);
  });

  it("handles CRLF files, explicit indentation indicators and non-mapping documents", () => {
    const crlf = "jobs:\r\n  t:\r\n    steps:\r\n      - run: |2\r\n            npm ci\r\n          npm test\r\n";
    expect(brief(loadCiPipeline(".github/workflows/a.yml", crlf).value!.commands)).toEqual(["t 5:13 npm ci", "t 6:11 npm test"]);
    expect(loadCiPipeline(".github/workflows/empty.yml", "").value!.commands).toEqual([]);
    expect(loadCiPipeline(".github/workflows/list.yml", "- a\n- b\n").value!.commands).toEqual([]);
  });
});

describe("loadCiPipeline: GitLab CI", () => {
  const text = `include:
  - project: acme/ci-templates
    file: /go.yml
  - local: ci/lint.yml
stages: [test]
variables:
  GOFLAGS: -mod=mod
default:
  before_script:
    - go version
.setup: &setup
  - npm ci --prefer-offline
test:
  stage: test
  script:
    - *setup
    - go mod verify
    - |
      go mod tidy
      git diff --exit-code
  after_script: echo done
deploy:
  trigger:
    include: ci/deploy.yml
`;
  const { value, diagnostics } = loadCiPipeline(".gitlab-ci.yml", text);

  it("reads scripts from jobs, defaults, anchors and block scalars", () => {
    expect(diagnostics).toEqual([]);
    expect(value!.provider).toBe("gitlab-ci");
    expect(brief(value!.commands)).toEqual([
      "- 10:7 go version",
      "test 12:5 npm ci --prefer-offline",
      "test 17:7 go mod verify",
      "test 19:7 go mod tidy",
      "test 20:7 git diff --exit-code",
      "test 21:17 echo done",
    ]);
    expect(value!.uses).toEqual([]);
  });

  it("lists includes, whose scripts are not visible", () => {
    expect(value!.includes).toEqual([
      { ref: "acme/ci-templates:/go.yml", range: at(2, 14, 2, 31) },
      { ref: "ci/lint.yml", range: at(4, 12, 4, 23) },
      { ref: "ci/deploy.yml", range: at(24, 14, 24, 27), job: "deploy" },
    ]);
  });

  it("reads pipelines with a `spec:` header document", () => {
    const text = "spec:\n  inputs:\n    stage:\n      default: test\n---\nverify:\n  script:\n    - go mod verify\n";
    const { value, diagnostics } = loadCiPipeline(".gitlab-ci.yml", text);
    expect(diagnostics).toEqual([]);
    expect(brief(value!.commands)).toEqual(["verify 8:7 go mod verify"]);
  });

  it("takes a here-string for a command, not a heredoc", () => {
    const text = "t:\n  script:\n    - |\n      grep x <<< foo\n      npm ci\n";
    expect(brief(loadCiPipeline(".gitlab-ci.yml", text).value!.commands)).toEqual(["t 4:7 grep x <<< foo", "t 5:7 npm ci"]);
  });

  it("does not take global keywords for jobs", () => {
    const { value } = loadCiPipeline(".gitlab-ci.yml", "variables:\n  script: not-a-command\nbuild:\n  script: make\n");
    expect(brief(value!.commands)).toEqual(["build 4:11 make"]);
  });
});

describe("loadCiPipeline: hostile input", () => {
  it("reads a folded script of 200,000 lines (no spreading of long arrays into calls)", () => {
    const text = `job:\n  script:\n    - >\n${"      echo x\n".repeat(200_000)}`;
    const { value, diagnostics } = loadCiPipeline(".gitlab-ci.yml", text); // RangeError before
    expect(diagnostics).toEqual([]);
    expect(value!.commands).toHaveLength(1);
    expect(value!.commands[0]!.range).toEqual(at(4, 7, 200_003, 13));
  });

  it("reads a literal script of 200,000 commands", () => {
    const text = `job:\n  script: |\n${"    echo x\n".repeat(200_000)}`;
    expect(loadCiPipeline(".gitlab-ci.yml", text).value!.commands).toHaveLength(200_000);
  });

  it("reads a literal script with a long run of blank lines in linear time", () => {
    const text = `job:\n  script: |\n    echo a\n${"\n".repeat(100_000)}    echo b\n`;
    const started = Date.now();
    const { value } = loadCiPipeline(".gitlab-ci.yml", text); // /\n+$/ backtracked: 11 s before
    expect(Date.now() - started).toBeLessThan(2000);
    expect(brief(value!.commands)).toEqual(["job 3:5 echo a", "job 100004:5 echo b"]);
  });

  it("refuses an alias bomb with the limit the other YAML files have", () => {
    const levels = ["a0: &a0 [echo, echo, echo, echo, echo, echo, echo, echo, echo, echo]"];
    for (let i = 1; i < 10; i++) levels.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
    const started = Date.now();
    const result = loadCiPipeline(".gitlab-ci.yml", `${levels.join("\n")}\njob: {script: *a9}\n`); // 2 GB before
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.value).toBeUndefined();
    expect(result.diagnostics.map((d) => d.kind)).toEqual(["parse-error"]);
    expect(result.diagnostics[0]!.message).toMatch(/^CI pipeline expands its aliases into more than \d+ values or into itself \(an alias bomb\?\)/);
  });

  it("refuses a script anchor repeated into more commands than the limit", () => {
    // Few values (one script scalar per job), but each of them holds 1,000 commands.
    const jobs = Array.from({ length: 300 }, (_, i) => `job${i}: {script: *s}`).join("\n");
    const text = `.s:\n  script: &s |\n${"    echo x\n".repeat(1000)}${jobs}\n`;
    const result = loadCiPipeline(".gitlab-ci.yml", text);
    expect(result.value).toBeUndefined();
    expect(result.diagnostics[0]!.message).toMatch(/into more than \d+ commands/);
  });

  it("resolves 20,000 uses of one anchor in linear time", () => {
    const text = `.setup: &setup [npm ci]\njob:\n  script:\n${"    - *setup\n".repeat(20_000)}`;
    const started = Date.now();
    const { value } = loadCiPipeline(".gitlab-ci.yml", text); // 150 s before
    expect(Date.now() - started).toBeLessThan(2000);
    expect(value!.commands).toHaveLength(20_000);
    expect(brief(value!.commands.slice(0, 2))).toEqual(["job 1:17 npm ci", "job 1:17 npm ci"]);
  });

  it("refuses nesting deeper than the limit, at its place", () => {
    const result = loadCiPipeline(".github/workflows/ci.yml", `on: push\njobs: ${"[".repeat(5000)}\n`);
    expect(result.diagnostics.map((d) => `${d.kind} ${d.range.start.line}:${d.range.start.column}`)).toEqual(["parse-error 2:518"]);
    expect(result.diagnostics[0]!.message).toBe("CI pipeline nests deeper than 512 levels; CI checks skip it.");
  });

  it("never quotes the input in a parse error", () => {
    const secret = "ghp_Zq8LmN2vR7tX4wK9pB3sD6fH1jC5gA0eYuIo";
    const result = loadCiPipeline(".github/workflows/ci.yml", `on: push\njobs:\n  a:\n    steps:\n      - run: |${secret}\n`);
    expect(result.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`)).toEqual([
      "5:15 CI pipeline is not valid YAML: a block scalar header (| or >) followed by other characters. The CI provider rejects it, and CI checks skip it.",
    ]);
  });
});

describe("loadCiPipeline: malformed YAML", () => {
  it("becomes a parse-error diagnostic with its location, never an exception", () => {
    const result = loadCiPipeline(".github/workflows/bad.yml", "jobs:\n  build:\n    steps: [\n  - run: x\n");
    expect(result.value).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ kind: "parse-error", path: ".github/workflows/bad.yml" });
    expect(result.diagnostics[0]!.range.start.line).toBeGreaterThan(1);
    expect(() => loadCiPipeline(".gitlab-ci.yml", "a: b: c\n\t- x")).not.toThrow();
    expect(loadCiPipeline(".gitlab-ci.yml", "a: b: c\n").diagnostics[0]!.kind).toBe("parse-error");
  });
});

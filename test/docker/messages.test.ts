/**
 * The fixture harness checks where the Docker rules fire; this checks what they say and how loudly:
 * "cannot verify" cases must be notes, and messages must name the image, line or user at fault.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES_ROOT, runCase } from "../helpers/rule-fixtures.js";

async function findings(ruleId: string, caseName: string) {
  const dir = path.join(FIXTURES_ROOT, ruleId, "fire", caseName);
  const { findings } = await runCase(ruleId, { name: caseName, dir, expectation: "fire", expected: [] });
  return findings;
}

describe("docker/base-image-pinned messages", () => {
  it("names the moving tag on the checklist example", async () => {
    const [finding] = await findings("docker/base-image-pinned", "checklist-example");
    expect(finding.severity).toBe("warning");
    expect(finding.message).toContain("`alpine:latest`");
    expect(finding.message).toContain("latest");
    expect(finding.range.end.column).toBe(finding.range.start.column + "alpine:latest".length);
  });

  it("explains a registry port is not a tag", async () => {
    const [finding] = await findings("docker/base-image-pinned", "registry-port-no-tag");
    expect(finding.message).toContain("`:5000` is the registry port");
    expect(finding.fix).toContain("localhost:5000/app:<version>");
  });

  it("shows the ARG-resolved image", async () => {
    const found = await findings("docker/base-image-pinned", "arg-resolved");
    expect(found[0].message).toContain("`${BUILD_IMAGE}` (`registry.example.com:5000/toolchain/node` from the ARG default)");
    expect(found.every((f) => f.severity === "warning")).toBe(true);
  });

  it("reports an unresolvable image as a note", async () => {
    const [finding] = await findings("docker/base-image-pinned", "unresolved-note");
    expect(finding.severity).toBe("note");
    expect(finding.message).toContain("`$BASE_IMAGE`");
  });
});

describe("docker/non-root-user messages", () => {
  it("says why a base without USER runs as root", async () => {
    const [finding] = await findings("docker/non-root-user", "checklist-example");
    expect(finding.severity).toBe("warning");
    expect(finding.message).toContain("`alpine:latest` runs as root by default");
  });

  it("points at an inherited USER root and names its stage", async () => {
    const [finding] = await findings("docker/non-root-user", "root-in-parent-stage");
    expect(finding.message).toContain("stage `base`");
    expect(finding.related[0].range.start.line).toBe(8);
  });

  it("says a USER in another stage does not carry over", async () => {
    const [finding] = await findings("docker/non-root-user", "user-in-non-final-stage");
    expect(finding.message).toContain("the USER in stage `build` does not carry over");
  });

  it("explains scratch has no users", async () => {
    const [finding] = await findings("docker/non-root-user", "scratch-no-user");
    expect(finding.message).toContain("FROM scratch, which has no users");
  });

  it("reports an unknown base image as a note", async () => {
    const [finding] = await findings("docker/non-root-user", "unknown-base-note");
    expect(finding.severity).toBe("note");
    expect(finding.message).toContain("registry.example.com/platform/java-base:17");
  });
});

describe("docker/multi-stage-build messages", () => {
  it("quotes the compile step and its line", async () => {
    const [finding] = await findings("docker/multi-stage-build", "single-stage-go");
    expect(finding.message).toContain("single-stage build");
    expect(finding.message).toContain("`go build -o /app ./cmd/api` on line 6");
    expect(finding.related[0].range.start.line).toBe(6);
  });

  it("names the build stage the final stage inherits", async () => {
    const [finding] = await findings("docker/multi-stage-build", "final-from-build-stage");
    expect(finding.message).toContain("builds on stage `build`, which compiles");
  });

  it("finds the compile step inside a heredoc", async () => {
    const [finding] = await findings("docker/multi-stage-build", "heredoc-compile");
    expect(finding.message).toContain("`go build -trimpath -o /usr/local/bin/api ./cmd/api`");
  });

  it("suggests a slim Node runtime", async () => {
    const [finding] = await findings("docker/multi-stage-build", "full-node-runtime");
    expect(finding.message).toContain("`node:20-bookworm`");
    expect(finding.fix).toContain("node:20-slim");
  });
});

import { describe, expect, it } from "vitest";
import { loadDockerfile } from "../../src/loaders/dockerfile.js";
import type { DockerfileModel } from "../../src/model/artifacts.js";
import type { RepoFile } from "../../src/model/repository.js";
import { goDurationSeconds } from "../../src/rule-kit/app-config.js";
import { commandConfigPath, filesInFinalImage } from "../../src/rule-kit/image-files.js";
import { posix } from "../../src/rule-kit/posix-path.js";
import { labelSelectorMatches } from "../../src/rule-kit/workload-links.js";

function dockerfile(path: string, text: string): DockerfileModel {
  const { value } = loadDockerfile(path, text);
  if (!value) throw new Error("fixture Dockerfile did not parse");
  return value;
}

function repo(paths: string[], scanPrefix = "") {
  return { scanPrefix, files: paths.map((path): RepoFile => ({ path, kind: "yaml", size: 1 })) };
}

describe("filesInFinalImage", () => {
  const files = ["svc/go.mod", "svc/main.go", "svc/etc/app.yaml", "svc/etc/dev.yaml", "svc/Dockerfile", "other/etc/app.yaml"];

  it("follows COPY --from=<stage> back through COPY . . and WORKDIR to the build context", () => {
    const model = dockerfile(
      "svc/Dockerfile",
      ["FROM golang:1.22 AS builder", "WORKDIR /app", "COPY . .", "RUN go build -o /app/svc .", "FROM alpine:3.20", "WORKDIR /srv", "COPY --from=builder /app/svc ./svc", "COPY --from=builder /app/etc ./etc", 'CMD ["./svc", "-f", "etc/app.yaml"]'].join("\n"),
    );
    const found = filesInFinalImage(repo(files), model, ["svc/etc/app.yaml", "svc/etc/dev.yaml", "other/etc/app.yaml", "svc/main.go"]);
    expect(found.map((f) => [f.path, f.imagePath])).toEqual([
      ["svc/etc/app.yaml", "/srv/etc/app.yaml"],
      ["svc/etc/dev.yaml", "/srv/etc/dev.yaml"],
    ]);
    expect(found[0]!.instruction.range.start.line).toBe(8);
    expect(commandConfigPath(model)?.imagePath).toBe("/srv/etc/app.yaml");
  });

  it("places a single file in a destination folder under its own name, and leaves files the final stage does not copy", () => {
    const model = dockerfile("svc/Dockerfile", ["FROM alpine:3.20 AS base", "COPY etc/app.yaml /etc/svc/", "FROM base", "ENTRYPOINT [\"/svc\", \"--config=/etc/svc/app.yaml\"]"].join("\n"));
    const found = filesInFinalImage(repo(files), model, ["svc/etc/app.yaml", "svc/etc/dev.yaml"]);
    expect(found.map((f) => f.imagePath)).toEqual(["/etc/svc/app.yaml"]);
    expect(commandConfigPath(model)?.imagePath).toBe("/etc/svc/app.yaml");
  });

  it("falls back to the scan root as build context when a source is not beside the Dockerfile", () => {
    const model = dockerfile("deploy/Dockerfile", ["FROM alpine:3.20", "COPY svc/etc /etc/svc"].join("\n"));
    expect(filesInFinalImage(repo(files), model, ["svc/etc/app.yaml"]).map((f) => f.imagePath)).toEqual(["/etc/svc/app.yaml"]);
  });

  it("ignores a config named through a variable", () => {
    const model = dockerfile("svc/Dockerfile", ["FROM alpine:3.20", 'CMD ["/svc", "-f", "${CONFIG}"]'].join("\n"));
    expect(commandConfigPath(model)).toBeUndefined();
  });
});

describe("goDurationSeconds", () => {
  it("reads Go durations", () => {
    expect(goDurationSeconds("5.5s")).toBe(5.5);
    expect(goDurationSeconds("1m30s")).toBe(90);
    expect(goDurationSeconds("500ms")).toBe(0.5);
    expect(goDurationSeconds("soon")).toBeUndefined();
  });
});

describe("labelSelectorMatches", () => {
  it("applies matchLabels and every matchExpressions operator", () => {
    const labels = { app: "api", tier: "backend" };
    expect(labelSelectorMatches({ matchLabels: { app: "api" } }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { app: "web" } }, labels)).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["backend"] }] }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["backend"] }] }, labels)).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: "canary", operator: "DoesNotExist" }] }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: "canary", operator: "Exists" }] }, labels)).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: "tier", operator: "Gt", values: ["1"] }] }, labels)).toBeUndefined();
  });
});

describe("posix", () => {
  it("normalizes like node:path's posix", () => {
    expect(posix.join("a/b", "../c", "./d/")).toBe("a/c/d");
    expect(posix.normalize("/app/./etc/")).toBe("/app/etc");
    expect(posix.dirname("Dockerfile")).toBe(".");
    expect(posix.dirname("/app")).toBe("/");
    expect(posix.basename("svc/etc/")).toBe("etc");
  });
});

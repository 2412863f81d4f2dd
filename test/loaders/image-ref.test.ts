import { describe, expect, it } from "vitest";
import { parseImageRef } from "../../src/loaders/image-ref.js";

const DIGEST = "sha256:" + "a".repeat(64);

describe("parseImageRef", () => {
  it("parses a Docker Hub short name without tag", () => {
    expect(parseImageRef("nginx")).toEqual({ text: "nginx", repository: "nginx", name: "nginx" });
  });

  it("parses a short name with tag", () => {
    expect(parseImageRef("golang:1.22-alpine")).toEqual({
      text: "golang:1.22-alpine",
      repository: "golang",
      name: "golang",
      tag: "1.22-alpine",
    });
  });

  it("keeps a namespace in the repository and the last segment as name", () => {
    expect(parseImageRef("library/node:20")).toMatchObject({ repository: "library/node", name: "node", tag: "20" });
    expect(parseImageRef("library/node:20")?.registry).toBeUndefined();
  });

  it("treats localhost:5000 as a registry with a port and no tag", () => {
    const ref = parseImageRef("localhost:5000/app");
    expect(ref).toEqual({ text: "localhost:5000/app", registry: "localhost:5000", repository: "app", name: "app" });
  });

  it("treats a bare localhost segment as a registry", () => {
    expect(parseImageRef("localhost/app:1")).toMatchObject({ registry: "localhost", repository: "app", tag: "1" });
  });

  it("parses registry with port, path, tag and digest", () => {
    expect(parseImageRef(`registry:5000/team/app:1.2@${DIGEST}`)).toEqual({
      text: `registry:5000/team/app:1.2@${DIGEST}`,
      registry: "registry:5000",
      repository: "team/app",
      name: "app",
      tag: "1.2",
      digest: DIGEST,
    });
  });

  it("parses a digest without tag", () => {
    expect(parseImageRef(`gcr.io/distroless/static-debian12@${DIGEST}`)).toEqual({
      text: `gcr.io/distroless/static-debian12@${DIGEST}`,
      registry: "gcr.io",
      repository: "distroless/static-debian12",
      name: "static-debian12",
      digest: DIGEST,
    });
  });

  it("recognises a dotted registry and keeps docker.io as written", () => {
    expect(parseImageRef("docker.io/library/alpine:3.20")).toMatchObject({
      registry: "docker.io",
      repository: "library/alpine",
      tag: "3.20",
    });
    expect(parseImageRef("ghcr.io/org/tool:latest")).toMatchObject({ registry: "ghcr.io", repository: "org/tool", tag: "latest" });
  });

  it("does not take a plain first segment for a registry", () => {
    expect(parseImageRef("team/app:1")).toMatchObject({ repository: "team/app", tag: "1" });
    expect(parseImageRef("team/app:1")?.registry).toBeUndefined();
  });

  it("lower-cases the repository but keeps the registry and tag as written", () => {
    expect(parseImageRef("Registry.Example.com/Team/App:V1")).toMatchObject({
      registry: "Registry.Example.com",
      repository: "team/app",
      name: "app",
      tag: "V1",
    });
  });

  it("trims surrounding whitespace", () => {
    expect(parseImageRef("  alpine:3.20 ")).toMatchObject({ text: "alpine:3.20", tag: "3.20" });
  });

  it.each([
    "",
    "   ",
    "two words",
    "${BASE_IMAGE}",
    "app:${TAG}",
    "app:",
    ":tag",
    "app@sha256:short",
    "app@",
    "bad//path",
    "a/-b",
    "host:port:x/app",
    "app:bad/tag",
    "ex ample/app",
  ])("returns undefined for %j", (text) => {
    expect(parseImageRef(text)).toBeUndefined();
  });
});

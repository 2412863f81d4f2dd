import { describe, expect, it } from "vitest";
import { loadDockerfile } from "../../src/loaders/dockerfile.js";
import type { DockerfileModel } from "../../src/model/artifacts.js";

function load(text: string): DockerfileModel {
  const result = loadDockerfile("Dockerfile", text);
  expect(result.diagnostics).toEqual([]);
  expect(result.value).toBeDefined();
  return result.value!;
}

function lines(...text: string[]): string {
  return text.join("\n") + "\n";
}

const DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

describe("loadDockerfile: stages", () => {
  it("splits stages, lower-cases names, converts positions to 1-based", () => {
    const model = load(lines("FROM golang:1.22 AS Build", "RUN go build -o /app .", "", "FROM alpine:3.20", "COPY --from=build /app /app"));
    expect(model.stages).toHaveLength(2);
    const [build, runtime] = model.stages;
    expect(build.name).toBe("build");
    expect(build.from.image).toMatchObject({ repository: "golang", tag: "1.22" });
    expect(build.from.instruction.range).toEqual({ start: { line: 1, column: 1 }, end: { line: 1, column: 26 } });
    expect(build.from.instruction.argsRange.start).toEqual({ line: 1, column: 6 });
    expect(build.instructions.map((i) => i.keyword)).toEqual(["RUN"]);
    expect(runtime.name).toBeUndefined();
    expect(runtime.index).toBe(1);
    expect(runtime.from.instruction.range.start).toEqual({ line: 4, column: 1 });
    expect(runtime.instructions[0].range.start).toEqual({ line: 5, column: 1 });
  });

  it("treats FROM <earlier stage> as a parent stage, case-insensitively, not as an image", () => {
    const model = load(lines("FROM node:20-slim AS Deps", "FROM deps AS final", "FROM DEPS"));
    expect(model.stages[1].from).toMatchObject({ parentStage: 0, scratch: false, unresolved: false });
    expect(model.stages[1].from.image).toBeUndefined();
    expect(model.stages[2].from.parentStage).toBe(0);
  });

  it("takes a name that is only defined later for an image", () => {
    const model = load(lines("FROM app", "FROM alpine:3.20 AS app"));
    expect(model.stages[0].from.image?.repository).toBe("app");
    expect(model.stages[0].from.parentStage).toBeUndefined();
  });

  it("marks scratch and keeps the platform flag", () => {
    const model = load(lines("FROM --platform=$BUILDPLATFORM golang:1.22 AS build", "FROM scratch"));
    expect(model.stages[0].from.platform).toBe("$BUILDPLATFORM");
    expect(model.stages[0].from.instruction.argsRange.start).toEqual({ line: 1, column: 32 });
    expect(model.stages[1].from).toMatchObject({ scratch: true, unresolved: false });
    expect(model.stages[1].from.image).toBeUndefined();
  });

  it("reads a registry port without taking it for a tag", () => {
    const model = load(lines("FROM localhost:5000/app"));
    expect(model.stages[0].from.image).toEqual({ text: "localhost:5000/app", registry: "localhost:5000", repository: "app", name: "app" });
  });

  it("keeps a digest", () => {
    const model = load(lines(`FROM alpine:3.20@${DIGEST}`));
    expect(model.stages[0].from.image).toMatchObject({ tag: "3.20", digest: DIGEST });
  });
});

describe("loadDockerfile: ARG resolution in FROM", () => {
  it("resolves global ARG defaults, multi-name ARGs and chained defaults", () => {
    const model = load(
      lines(
        "ARG GO_VERSION=1.22",
        "ARG REGISTRY=ghcr.io/acme BASE=${REGISTRY}/base:${GO_VERSION}",
        "FROM golang:${GO_VERSION}-alpine AS build",
        "FROM ${BASE}",
        "FROM $REGISTRY/runtime:$GO_VERSION",
      ),
    );
    expect(model.globalArgs).toHaveLength(2);
    expect(model.stages[0].from.image?.text).toBe("golang:1.22-alpine");
    expect(model.stages[1].from.image).toMatchObject({ registry: "ghcr.io", repository: "acme/base", tag: "1.22" });
    expect(model.stages[2].from.image?.text).toBe("ghcr.io/acme/runtime:1.22");
  });

  it("applies ${X:-default}, ${X-default} and ${X:+alt} as the default build would", () => {
    const model = load(
      lines(
        "ARG RUNTIME",
        "ARG EMPTY=",
        "FROM ${RUNTIME:-gcr.io/distroless/static:nonroot}",
        "FROM alpine:${UNDECLARED-3.19}",
        "FROM ${EMPTY:-debian}${EMPTY-:11}:12${RUNTIME:+-slim}",
      ),
    );
    expect(model.stages[0].from.image?.text).toBe("gcr.io/distroless/static:nonroot");
    expect(model.stages[1].from.image?.text).toBe("alpine:3.19");
    expect(model.stages[2].from.image?.text).toBe("debian:12");
  });

  it("quoted ARG defaults lose their quotes", () => {
    const model = load(lines('ARG BASE="node:20-slim"', "FROM $BASE"));
    expect(model.stages[0].from.image?.text).toBe("node:20-slim");
  });

  it("treats an ARG without default, an automatic platform ARG or an unsupported form as unknown, never as untagged", () => {
    const model = load(
      lines(
        "ARG BASE",
        "ARG TAG",
        "FROM $BASE",
        "FROM node:${TAG}",
        "FROM alpine:${TARGETARCH}",
        "FROM ${BASE#docker.io/}",
        "FROM ${BASE:?set BASE}",
      ),
    );
    for (const stage of model.stages) {
      expect(stage.from.unresolved).toBe(true);
      expect(stage.from.image).toBeUndefined();
    }
  });

  it("does not let an ARG declared inside a stage reach a later FROM", () => {
    const model = load(lines("FROM alpine:3.20", "ARG BASE=debian:12", "FROM $BASE"));
    expect(model.stages[1].from.unresolved).toBe(true);
    expect(model.globalArgs).toHaveLength(0);
  });

  it("resolves a FROM to an earlier stage through an ARG", () => {
    const model = load(lines("ARG STAGE=build", "FROM golang:1.22 AS build", "FROM ${STAGE}"));
    expect(model.stages[1].from.parentStage).toBe(0);
  });
});

describe("loadDockerfile: instructions", () => {
  it("reads every COPY flag, whatever their number (getFromFlag() is null beside other flags)", () => {
    const model = load(lines("FROM alpine:3.20", "COPY --from=build --chown=1000:1000 --link /app /app"));
    const copy = model.stages[0].instructions[0];
    expect(copy.flags).toEqual([
      { name: "from", value: "build" },
      { name: "chown", value: "1000:1000" },
      { name: "link", value: null },
    ]);
    expect(copy.args).toEqual(["/app", "/app"]);
    expect(copy.argsRange).toEqual({ start: { line: 2, column: 44 }, end: { line: 2, column: 53 } });
  });

  it("drops comment lines and blank lines inside continuations, as Docker does", () => {
    const model = load(
      lines("FROM alpine:3.20", "RUN apk add --no-cache \\", "    # the TLS roots", "", "    ca-certificates \\", "  # done", "  && echo ok", "USER app"),
    );
    const [run, user] = model.stages[0].instructions;
    expect(run.text).toBe("apk add --no-cache     ca-certificates   && echo ok");
    expect(run.args).toEqual(["apk", "add", "--no-cache", "ca-certificates", "&&", "echo", "ok"]);
    expect(run.range).toEqual({ start: { line: 2, column: 1 }, end: { line: 7, column: 13 } });
    expect(user.keyword).toBe("USER");
    expect(user.range.start.line).toBe(8);
  });

  it("keeps the text after a comment that holds a backslash (dockerfile-ast loses it)", () => {
    const model = load(lines("FROM alpine:3.20", "RUN echo a \\", "# see C:\\path", " && echo b", "USER 1"));
    const [run, user] = model.stages[0].instructions;
    expect(run.text).toBe("echo a  && echo b");
    expect(user.args).toEqual(["1"]);
  });

  it("survives getHeredocs() throwing on a continuation followed by a comment with a backslash", () => {
    const model = load(lines("FROM alpine:3.20", "RUN \\", "# install to C:\\tools", "  go build ./...", "USER 1"));
    const [run, user] = model.stages[0].instructions;
    expect(run.text).toBe("go build ./...");
    expect(user.keyword).toBe("USER");
  });

  it("a comment line ending in a backslash does not end the continuation", () => {
    const model = load(lines("FROM alpine:3.20", "RUN echo \\", "# note \\", "USER 1"));
    expect(model.stages[0].instructions.map((i) => [i.keyword, i.text])).toEqual([["RUN", "echo USER 1"]]);
  });

  it("recognises exec form only for a JSON array of strings", () => {
    const model = load(
      lines(
        "FROM alpine:3.20",
        'CMD ["/app", "-f", "etc/config.yaml"]',
        "CMD [ '/app' ]",
        'CMD ["/app", 1]',
        'RUN --mount=type=cache,target=/root/.cache ["go", "build"]',
        'ENTRYPOINT ["/app"] extra',
      ),
    );
    const [cmd, single, numbers, run, trailing] = model.stages[0].instructions;
    expect(cmd.exec).toEqual(["/app", "-f", "etc/config.yaml"]);
    expect(cmd.args).toEqual(["/app", "-f", "etc/config.yaml"]);
    expect(single.exec).toBeNull();
    expect(numbers.exec).toBeNull();
    expect(run.exec).toEqual(["go", "build"]);
    expect(run.flags).toEqual([{ name: "mount", value: "type=cache,target=/root/.cache" }]);
    expect(trailing.exec).toBeNull();
  });

  it("removes quotes from shell-form words", () => {
    const model = load(lines("FROM alpine:3.20", `CMD echo "a b" 'c d' x\\ y`));
    expect(model.stages[0].instructions[0].args).toEqual(["echo", "a b", "c d", "x y"]);
  });

  it("includes heredoc bodies in the text and continues after them", () => {
    const model = load(lines("FROM golang:1.22", "RUN <<EOF", "go build -o /app .", "EOF", "RUN cat > /x <<-EOT", "\tline", "\tEOT", "USER app"));
    const [first, second, user] = model.stages[0].instructions;
    expect(first.text).toBe("<<EOF\ngo build -o /app .\nEOF");
    expect(first.exec).toBeNull();
    expect(first.range).toEqual({ start: { line: 2, column: 1 }, end: { line: 4, column: 4 } });
    expect(second.text).toBe("cat > /x <<-EOT\n\tline\n\tEOT");
    expect(user.range.start.line).toBe(8);
  });

  it("honours the escape directive", () => {
    const model = load(["# escape=`", "FROM mcr.microsoft.com/windows/servercore:ltsc2022", "RUN dir C:\\ `", "  && echo ok"].join("\r\n"));
    const run = model.stages[0].instructions[0];
    expect(run.text).toBe("dir C:\\   && echo ok");
    expect(run.range.end.line).toBe(4);
  });

  it("handles CRLF line endings and a byte-order mark", () => {
    const model = load("\ufeffFROM alpine:3.20\r\nUSER app\r\n");
    expect(model.stages[0].from.instruction.argsRange.start).toEqual({ line: 1, column: 6 });
    expect(model.stages[0].instructions[0].range).toEqual({ start: { line: 2, column: 1 }, end: { line: 2, column: 9 } });
  });

  it("keeps columns in UTF-16 code units", () => {
    const model = load(lines("FROM alpine:3.20", "LABEL note=\"😀\" other=x", "USER app"));
    expect(model.stages[0].instructions[0].range.end.column).toBe("LABEL note=\"😀\" other=x".length + 1);
  });

  it("collects ARGs before the first FROM as global arguments", () => {
    const model = load(lines("# syntax=docker/dockerfile:1", "ARG A=1 B=2", "ARG C", "FROM alpine:3.20", "ARG D"));
    expect(model.globalArgs.map((a) => a.args)).toEqual([["A=1", "B=2"], ["C"]]);
    expect(model.stages[0].instructions.map((i) => i.keyword)).toEqual(["ARG"]);
  });
});

describe("loadDockerfile: malformed input becomes diagnostics", () => {
  it("reports an unterminated heredoc at its opening, and returns no model", () => {
    const result = loadDockerfile("svc/Dockerfile", lines("FROM alpine:3.20", "RUN echo hi", "COPY <<EOT /etc/motd", "hello", "USER nobody"));
    expect(result.value).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({
      kind: "parse-error",
      path: "svc/Dockerfile",
      range: { start: { line: 3, column: 6 } },
    });
    expect(result.diagnostics[0].message).toContain("heredoc opened on line 3");
    expect(result.diagnostics[0].message).not.toContain("EOT"); // the file's words are never echoed
  });

  it("reports a file without FROM at its first instruction", () => {
    const result = loadDockerfile("Dockerfile", lines("# just a comment", "ARG X=1"));
    expect(result.value).toBeUndefined();
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ kind: "parse-error", range: expect.objectContaining({ start: { line: 2, column: 1 } }) }),
    ]);
    expect(result.diagnostics[0].message).toContain("No FROM");
  });

  it("reports an empty file at line 1", () => {
    const result = loadDockerfile("Dockerfile", "");
    expect(result.value).toBeUndefined();
    expect(result.diagnostics[0]).toMatchObject({ kind: "parse-error", range: { start: { line: 1, column: 1 } } });
  });

  it("reports garbage once, at the first unknown instruction", () => {
    const result = loadDockerfile("Dockerfile", lines("<html>", "  <body>not a dockerfile</body>", "</html>"));
    expect(result.value).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ kind: "parse-error", range: { start: { line: 1, column: 1 } } });
  });

  it("reports an unknown instruction but still returns the stages", () => {
    const result = loadDockerfile("Dockerfile", lines("FROM alpine:3.20", "RUNN echo hi", "USER app"));
    expect(result.diagnostics).toEqual([expect.objectContaining({ kind: "parse-error", range: expect.objectContaining({ start: { line: 2, column: 1 } }) })]);
    expect(result.value?.stages[0].instructions.map((i) => i.keyword)).toEqual(["USER"]);
  });

  it("reports an instruction before the first FROM", () => {
    const result = loadDockerfile("Dockerfile", lines("RUN echo hi", "FROM alpine:3.20"));
    expect(result.diagnostics[0]).toMatchObject({ kind: "parse-error", range: { start: { line: 1, column: 1 } } });
    expect(result.value?.stages).toHaveLength(1);
  });

  it("reports an invalid image reference as unknown, not as an image", () => {
    const result = loadDockerfile("Dockerfile", lines("FROM alpine:3.20:x"));
    expect(result.diagnostics[0]).toMatchObject({ kind: "parse-error", range: { start: { line: 1, column: 6 } } });
    expect(result.value?.stages[0].from).toMatchObject({ unresolved: true });
  });

  it("reports FROM with stray words", () => {
    const result = loadDockerfile("Dockerfile", lines("FROM alpine:3.20 runtime"));
    expect(result.diagnostics[0]).toMatchObject({ kind: "parse-error", range: { start: { line: 1, column: 6 } } });
  });

  it("never throws on odd input", () => {
    for (const text of ["\\", "FROM", "FROM \\", "RUN <<", "FROM alpine\nRUN <<EOF", "\u0000\u0001", "FROM ${", "FROM $"]) {
      expect(() => loadDockerfile("Dockerfile", text)).not.toThrow();
    }
  });
});

describe("loadDockerfile: hostile input stays bounded and never leaks values", () => {
  it("leaves a doubling ARG chain unresolved instead of building a gigabyte string", () => {
    const args = ["ARG A0=abcdefgh", ...Array.from({ length: 30 }, (_, i) => `ARG A${i + 1}=\${A${i}}\${A${i}}`)];
    const result = loadDockerfile("Dockerfile", lines(...args, "FROM alpine:${A30}", "FROM alpine:${A3}"));
    expect(result.diagnostics).toEqual([]);
    expect(result.value!.stages[0].from).toMatchObject({ unresolved: true });
    expect(result.value!.stages[1].from.image).toMatchObject({ repository: "alpine", tag: "abcdefgh".repeat(8) });
  });

  it("leaves thousands of nested ${A:-...} unresolved instead of overflowing the stack", () => {
    const nested = "${A:-".repeat(5000) + "x" + "}".repeat(5000);
    const result = loadDockerfile("Dockerfile", lines("ARG A", `FROM alpine:${nested}`, "FROM alpine:${A:-${A:-3.20}}"));
    expect(result.diagnostics).toEqual([]);
    expect(result.value!.stages[0].from).toMatchObject({ unresolved: true });
    expect(result.value!.stages[1].from.image).toMatchObject({ repository: "alpine", tag: "3.20" });
  });

  it("resolves tens of thousands of chained stages in linear time", () => {
    const stages = ["FROM alpine:3.20 AS s0", ...Array.from({ length: 47_000 }, (_, i) => `FROM s${i} AS s${i + 1}`)];
    const started = Date.now();
    const result = loadDockerfile("Dockerfile", lines(...stages, "USER 1000"));
    expect(Date.now() - started).toBeLessThan(3000); // took 11.8 s with a linear search per FROM
    expect(result.diagnostics).toEqual([]);
    expect(result.value!.stages).toHaveLength(47_001);
    expect(result.value!.stages[47_000].from.parentStage).toBe(46_999);
  }, 30_000);

  it("never quotes an expanded image reference, an unknown instruction or stray FROM words", () => {
    const password = "Xk9#mPq2vL7wZ3";
    const token = "ghp_Zq8LmN2vR7tX4wK9pB3sD6fH1jC5gA0eYuIo";
    const bad = loadDockerfile("Dockerfile", lines(`ARG REGISTRY_PASSWORD=${password}`, "FROM registry.example.com/app:${REGISTRY_PASSWORD}"));
    expect(bad.diagnostics).toEqual([expect.objectContaining({ kind: "parse-error", range: expect.objectContaining({ start: { line: 2, column: 6 } }) })]);
    expect(bad.diagnostics[0].message).toContain("image reference on line 2 is not valid after ARG expansion");
    const unknown = loadDockerfile("Dockerfile", lines("FROM alpine:3.20", `${token} echo hi`));
    expect(unknown.diagnostics).toEqual([expect.objectContaining({ range: expect.objectContaining({ start: { line: 2, column: 1 } }) })]);
    expect(unknown.diagnostics[0].message).toContain("Unknown instruction at line 2");
    const stray = loadDockerfile("Dockerfile", lines(`FROM alpine:3.20 ${password}`));
    expect(stray.diagnostics[0].message).toContain("FROM on line 1 has 2 words");
    for (const d of [...bad.diagnostics, ...unknown.diagnostics, ...stray.diagnostics]) {
      expect(d.message).not.toContain(password);
      expect(d.message).not.toContain(token);
      expect(d.message).not.toContain("ghp_");
    }
  });
});

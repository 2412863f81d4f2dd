import { describe, expect, it } from "vitest";
import { loadDockerfile } from "../../src/loaders/dockerfile.js";
import { isNonProductionDockerfile } from "../../src/rule-kit/docker.js";
import { envFor, resolvePath, shellCommands, startCommand, traceFile, workdirAt } from "../../src/rule-kit/docker-build.js";
import { dependencySteps } from "../../src/rule-kit/docker-deps.js";

const load = (text: string) => loadDockerfile("Dockerfile", text).value!;

const GOCTL = `FROM golang:alpine AS builder
ENV CGO_ENABLED 0
WORKDIR /build
ADD go.mod .
COPY . .
COPY app/user/cmd/rpc/etc /app/etc
RUN go build -o /app/user app/user/cmd/rpc/user.go

FROM scratch
WORKDIR /app
COPY --from=builder /app/user /app/user
COPY --from=builder /app/etc /app/etc
CMD ["./user", "-f", "etc/user.yaml"]
`;

describe("rule-kit/docker-build", () => {
  it("follows a file through COPY --from back to the build context", () => {
    const dockerfile = load(GOCTL);
    const final = dockerfile.stages[1]!;
    expect(workdirAt(dockerfile, final)).toBe("/app");
    const origin = traceFile(dockerfile, final, "/app/etc/user.yaml");
    expect(origin.kind).toBe("context");
    expect(origin.kind === "context" && origin.path).toBe("app/user/cmd/rpc/etc/user.yaml");
    // The binary is made by a RUN in the builder: the trace stops in that stage.
    const binary = traceFile(dockerfile, final, "/app/user");
    expect(binary.kind === "stage" && binary.path).toBe("/app/user");
    expect(traceFile(dockerfile, final, "/etc/passwd").kind).toBe("none");
  });

  it("reads the command an image starts, dropping a CMD inherited from before a later ENTRYPOINT", () => {
    const reset = load('FROM alpine:3.20 AS base\nCMD echo hi\nFROM base\nENTRYPOINT ["/server"]\n');
    expect(startCommand(reset, reset.stages[1]!).argv).toEqual(["/server"]);
    const both = load('FROM alpine:3.20\nENTRYPOINT ["/server"]\nCMD ["-f", "etc/a.yaml"]\n');
    expect(startCommand(both, both.stages[0]!).argv).toEqual(["/server", "-f", "etc/a.yaml"]);
  });

  it("finds the environment of a RUN: ENV (legacy form), ARG defaults, export and the command's own prefix", () => {
    const dockerfile = load("FROM golang:1.22\nENV CGO_ENABLED 1\nARG GOFLAGS=-mod=vendor\nRUN export CGO_ENABLED=0 && go build . && CGO_ENABLED=1 go build ./cmd/x\n");
    const stage = dockerfile.stages[0]!;
    const run = stage.instructions[2]!;
    const [, first, second] = shellCommands(run);
    expect(envFor(dockerfile, stage, run, "CGO_ENABLED", first)).toBe("0");
    expect(envFor(dockerfile, stage, run, "CGO_ENABLED", second)).toBe("1");
    expect(envFor(dockerfile, stage, run, "GOFLAGS")).toBe("-mod=vendor");
  });

  it("classifies dependency steps, leaving ad-hoc and global installs out", () => {
    const run = load("FROM node:20\nRUN npm ci && npm install @swc/cli --save-dev && npm install -g pnpm && yarn && pnpm install --frozen-lockfile && go mod download\n").stages[0]!.instructions[0]!;
    expect(dependencySteps(run).map((s) => `${s.manager}:${s.kind}:${s.frozen}`)).toEqual([
      "npm:install:true",
      "yarn:install:false",
      "pnpm:install:true",
      "go:download:false",
    ]);
  });

  it("resolves container paths without the file system", () => {
    expect(resolvePath("/app", "../etc/x.yaml")).toBe("/etc/x.yaml");
    expect(resolvePath("/app", "./etc/")).toBe("/app/etc");
  });

  it("takes an image that sets a development mode for a development image", () => {
    expect(isNonProductionDockerfile(load("FROM node:12\nENV NODE_ENV development\nCMD [\"/start.sh\"]\n"), "docker/web/Dockerfile")).toBe(true);
    expect(isNonProductionDockerfile(load("FROM node:20\nENV NODE_ENV=production\nCMD [\"node\", \"main.js\"]\n"), "Dockerfile")).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { loadDockerfile } from "../../src/loaders/dockerfile.js";
import { baseFrom, commandText, fromImageRange, isNonProductionDockerfile } from "../../src/rule-kit/docker.js";

describe("rule-kit/docker", () => {
  const serverImage = loadDockerfile("Dockerfile", 'FROM golang:1.22\nCMD ["/app"]\n').value!;

  it("tells development, test, CI and builder Dockerfiles from production ones", () => {
    for (const path of ["Dockerfile.dev", "dev.Dockerfile", "Dockerfile-test", "ci.Dockerfile", ".devcontainer/Dockerfile", "test/e2e/Dockerfile", "build/Dockerfile.build"]) {
      expect(isNonProductionDockerfile(serverImage, path), path).toBe(true);
    }
    for (const path of ["Dockerfile", "Dockerfile.prod", "services/api/Dockerfile", "build/Dockerfile", "deploy/api.Dockerfile", "Dockerfile.devtools-free"]) {
      expect(isNonProductionDockerfile(serverImage, path), path).toBe(false);
    }
  });

  it("takes an image that starts a hot-reload runner for a development image, whatever its name", () => {
    const dev = (cmd: string) => loadDockerfile("Dockerfile", `FROM golang:1.18\n${cmd}\n`).value!;
    expect(isNonProductionDockerfile(dev('ENTRYPOINT ["reflex", "-c", "/reflex.conf"]'), "docker/app/Dockerfile")).toBe(true);
    expect(isNonProductionDockerfile(dev("CMD air -c .air.toml"), "Dockerfile")).toBe(true);
    expect(isNonProductionDockerfile(dev('CMD ["npx", "nodemon", "src/index.js"]'), "Dockerfile")).toBe(true);
    expect(isNonProductionDockerfile(dev('CMD ["/usr/local/bin/airflow", "webserver"]'), "Dockerfile")).toBe(false);
  });

  it("finds the image word after flags, and the base of a stage lineage", () => {
    const model = loadDockerfile("Dockerfile", "FROM --platform=linux/amd64 golang:1.22 AS build\nFROM build AS final\n").value!;
    expect(fromImageRange(model.stages[0].from)).toEqual({ start: { line: 1, column: 29 }, end: { line: 1, column: 40 } });
    expect(baseFrom(model, model.stages[1])).toBe(model.stages[0].from);
  });

  it("reads exec-form commands as words", () => {
    const model = loadDockerfile("Dockerfile", 'FROM golang:1.22\nRUN ["go", "build", "."]\n').value!;
    expect(commandText(model.stages[0].instructions[0])).toBe("go build .");
  });
});

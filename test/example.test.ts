/** The bundled example is the README's first command: its report must match what its README promises. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { exitCodeFor, scan } from "../src/api.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const example = path.join(root, "examples/patient-rpc");

describe("examples/patient-rpc", () => {
  it("fails the gate, and reports exactly the rules its README lists, including the cross-file ones", async () => {
    const result = await scan({ path: example });
    expect(exitCodeFor(result, "error")).toBe(1);
    const reported = [...new Set(result.findings.map((f) => f.ruleId))].sort();
    const readme = readFileSync(path.join(example, "README.md"), "utf8");
    const documented = [...new Set([...readme.matchAll(/`([a-z0-9-]+\/[a-z0-9-]+)`/g)].map((m) => m[1]!))]
      .filter((id) => result.rules.some((r) => r.meta.id === id))
      .sort();
    expect(reported).toEqual(documented);
    for (const id of ["cross/dev-config-in-image", "cross/port-consistency", "cross/metrics-scraped", "cross/probe-path-exists", "k8s/graceful-termination"]) {
      expect(reported).toContain(id);
    }
  });
});

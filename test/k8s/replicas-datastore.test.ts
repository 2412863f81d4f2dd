import path from "node:path";
import { describe, expect, it } from "vitest";
import { scan } from "../../src/api.js";
import { FIXTURES_ROOT } from "../helpers/rule-fixtures.js";

describe("k8s/replicas-redundant fix text", () => {
  it("does not tell a single datastore pod to add replicas of its Deployment", async () => {
    const dir = path.join(FIXTURES_ROOT, "k8s/replicas-redundant/fire/datastore-deployment");
    const [finding] = (await scan({ path: dir, repoRoot: dir, only: ["k8s/replicas-redundant"] })).findings;
    expect(finding?.fix).toMatch(/^Do not just raise replicas: each redis pod/);
  });

  it("tells a stateless service to raise them, and a database beside it not to", async () => {
    const dir = path.join(FIXTURES_ROOT, "k8s/replicas-redundant/fire/single-replica-behind-service");
    const findings = (await scan({ path: dir, repoRoot: dir, only: ["k8s/replicas-redundant"] })).findings;
    const byName = (name: string) => findings.find((f) => f.message.includes(`"${name}"`));
    expect(byName("api")?.fix ?? "").not.toMatch(/Do not just raise/);
    expect(byName("db")?.fix).toMatch(/each postgres pod of a Deployment keeps its own data/);
  });
});

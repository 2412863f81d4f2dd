import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generateK8sSchema, SCHEMA_FILE } from "../../scripts/generate-k8s-schema.js";
import { closestField, editDistance, fieldsOf, kindType, typeLabel } from "../../src/rule-kit/k8s-schema.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("k8s schema table", () => {
  it("matches what @kubernetes/client-node generates (run scripts/generate-k8s-schema.ts after upgrading it)", async () => {
    const committed = readFileSync(path.join(ROOT, SCHEMA_FILE), "utf8");
    expect(await generateK8sSchema()).toBe(committed);
  }, 30_000);

  it("maps built-in kinds to their types, and knows their fields", () => {
    expect(kindType("apps/v1", "Deployment")).toBe("V1Deployment");
    expect(kindType("v1", "Event")).toBe("CoreV1Event");
    expect(kindType("events.k8s.io/v1", "Event")).toBe("EventsV1Event");
    expect(kindType("argoproj.io/v1alpha1", "Rollout")).toBeUndefined();
    // Served by several groups as a subresource: not a kind of its own.
    expect(kindType("apps/v1", "Scale")).toBeUndefined();
    const container = fieldsOf("V1Container")!;
    expect(container.get("readinessProbe")).toEqual({ kind: "object", name: "V1Probe" });
    expect(container.get("ports")).toEqual({ kind: "list", of: { kind: "object", name: "V1ContainerPort" } });
    expect(fieldsOf("V1ObjectMeta")!.get("labels")).toEqual({ kind: "map", of: { kind: "scalar", name: "string" } });
    expect(fieldsOf("V1HTTPGetAction")!.get("port")).toEqual({ kind: "scalar", name: "int-or-string" });
    expect(fieldsOf("V1PodSecurityContext")!.has("allowPrivilegeEscalation")).toBe(false);
  });

  it("labels types without their version prefix", () => {
    expect(typeLabel("V1PodSpec")).toBe("PodSpec");
    expect(typeLabel("V1beta1DeviceSelector")).toBe("DeviceSelector");
    expect(typeLabel("CoreV1Event")).toBe("Event");
  });
});

describe("closestField", () => {
  const container = [...fieldsOf("V1Container")!.keys()];
  it("suggests a close spelling or another letter case", () => {
    expect(closestField("readinesProbe", container)).toBe("readinessProbe");
    expect(closestField("livenessprobe", container)).toBe("livenessProbe");
    expect(closestField("image_pull_policy", container)).toBe("imagePullPolicy");
    expect(closestField("comand", container)).toBe("command");
  });
  it("suggests nothing for a far name or a tie", () => {
    expect(closestField("sidecars", container)).toBeUndefined();
    expect(closestField("ab", ["ac", "ad"])).toBeUndefined();
  });
  it("counts transpositions as one edit", () => {
    expect(editDistance("porbe", "probe", 2)).toBe(1);
    expect(editDistance("abc", "xyz", 1)).toBe(2);
  });
});

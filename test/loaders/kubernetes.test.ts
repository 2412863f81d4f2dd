import { describe, expect, it } from "vitest";
import { extractContainers, extractWorkloads } from "../../src/loaders/kubernetes.js";
import { loadYamlFile } from "../../src/loaders/yaml-documents.js";
import type { K8sObject } from "../../src/model/artifacts.js";

function objects(files: Record<string, string>): K8sObject[] {
  return Object.entries(files).flatMap(([path, text]) => {
    const result = loadYamlFile(path, text);
    expect(result.diagnostics).toEqual([]);
    return result.kubernetes;
  });
}

const podSpec = (indent: number, extra = "") =>
  `containers:
  - name: app
    image: registry.example.com/app:1.0
${extra}`
    .split("\n")
    .map((l) => (l ? " ".repeat(indent) + l : l))
    .join("\n");

const MANIFESTS = `apiVersion: v1
kind: Pod
metadata: {name: pod}
spec:
${podSpec(2)}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: deploy}
spec:
  template:
    metadata:
      labels: {app: deploy}
    spec:
${podSpec(6)}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cron}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
${podSpec(10)}
---
apiVersion: batch/v1
kind: Job
metadata: {name: job}
spec:
  template:
    spec:
${podSpec(6)}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: rollout}
spec:
  template:
    spec:
${podSpec(6)}
---
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: Never
${podSpec(2)}
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec:
  ports: [{port: 80}]
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: not-a-workload}
spec:
  template:
    spec: {replicas: 3}
`;

describe("extractWorkloads", () => {
  it("reaches the pod spec of every workload kind", () => {
    const workloads = extractWorkloads(objects({ "all.yaml": MANIFESTS }));
    expect(workloads.map((w) => `${w.object.kind}/${w.object.name} ${w.podSpecPath.join(".")} ${w.runsToCompletion}`)).toEqual([
      "Pod/pod spec false",
      "Deployment/deploy spec.template.spec false",
      "CronJob/cron spec.jobTemplate.spec.template.spec true",
      "Job/job spec.template.spec true",
      "Rollout/rollout spec.template.spec false",
      "Pod/once spec true",
    ]);
    const deploy = workloads[1];
    expect(deploy.podMetadataPath).toEqual(["spec", "template", "metadata"]);
    expect(deploy.podMetadata).toEqual({ labels: { app: "deploy" } });
    expect(workloads[0].podMetadataPath).toBeUndefined();
    expect(workloads[0].podMetadata).toEqual({ name: "pod" });
    expect(workloads.some((w) => w.partial)).toBe(false);
  });

  it("reaches workloads inside a kind: List", () => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db}
    spec:
      template:
        spec:
${podSpec(10)}`;
    const [workload] = extractWorkloads(objects({ "list.yaml": list }));
    expect(workload.object.kind).toBe("StatefulSet");
    const [container] = extractContainers([workload]);
    // Paths are relative to the item; locate() maps them into the list file.
    expect(container.path).toEqual(["spec", "template", "spec", "containers", 0]);
    expect(workload.object.locateKey([...container.path, "name"]).start).toEqual({ line: 11, column: 15 });
  });

  it("marks kustomize patches and image-less fragments as partial", () => {
    const base = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
${podSpec(6)}`;
    const patch = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/app:2.0
          resources: {requests: {cpu: 100m}}
`;
    const fragment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: app
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
`;
    const workloads = extractWorkloads(
      objects({
        "base/deployment.yaml": base,
        "overlays/prod/kustomization.yaml": "resources: [../../base]\npatches:\n  - path: patches/resources.yaml\n  - patch: |-\n      - op: add\n",
        "overlays/prod/patches/resources.yaml": patch,
        "overlays/dev/kustomization.yaml": "patchesStrategicMerge:\n  - probes.yaml\n",
        "overlays/dev/probes.yaml": fragment,
      }),
    );
    expect(workloads.map((w) => `${w.object.path} ${w.partial ?? false}`)).toEqual([
      "base/deployment.yaml false",
      "overlays/prod/patches/resources.yaml true",
      "overlays/dev/probes.yaml true",
    ]);
  });

  it("ignores built-in kinds without a usable pod spec", () => {
    const text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken}\nspec:\n  template: {spec: null}\n";
    expect(extractWorkloads(objects({ "x.yaml": text }))).toEqual([]);
  });
});

describe("extractContainers", () => {
  it("lists main, init, native sidecar and ephemeral containers with their roles and paths", () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: registry.example.com/migrate:1.0
        - name: proxy
          image: envoyproxy/envoy:v1.30.0
          restartPolicy: Always
      containers:
        - name: app
          image: registry.example.com/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        - image: busybox
      ephemeralContainers:
        - name: debug
          image: busybox:1.36
`;
    const containers = extractContainers(extractWorkloads(objects({ "d.yaml": text })));
    expect(containers.map((c) => `${c.role} ${c.name} ${c.path.slice(3).join(".")}`)).toEqual([
      "init migrate initContainers.0",
      "sidecar proxy initContainers.1",
      "main app containers.0",
      "main containers[1] containers.1",
      "ephemeral debug ephemeralContainers.0",
    ]);
    expect(containers[1].container).toMatchObject({ restartPolicy: "Always" });
  });

  it("parses images with the shared image reference parser", () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      image: localhost:5000/app
    - name: b
      image: 42
`;
    const [a, b] = extractContainers(extractWorkloads(objects({ "p.yaml": text })));
    expect(a.image).toMatchObject({ text: "localhost:5000/app", registry: "localhost:5000", repository: "app" });
    expect(a.image?.tag).toBeUndefined();
    expect(b.image).toBeUndefined();
  });
});

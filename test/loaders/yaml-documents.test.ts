import { describe, expect, it } from "vitest";
import { loadYamlFile } from "../../src/loaders/yaml-documents.js";
import type { Range } from "../../src/model/location.js";

const at = (r: Range) => `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: "registry.example.com/web:1.2"
          ports:
            - containerPort: 8080
`;

describe("loadYamlFile: documents", () => {
  it("splits documents with the YAML parser and tells Kubernetes objects from configs", () => {
    const text = `${DEPLOYMENT}---
# a comment-only document is skipped
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  block: |
    ---
    not a document separator inside a block scalar
---
server:
  port: 8080
`;
    const result = loadYamlFile("deploy/all.yaml", text);
    expect(result.diagnostics).toEqual([]);
    expect(result.kubernetes.map((o) => `${o.documentIndex} ${o.kind}/${o.name} ${o.namespace ?? "-"}`)).toEqual([
      "0 Deployment/web shop",
      "2 ConfigMap/settings -",
    ]);
    expect(result.kubernetes[1].body).toMatchObject({ data: { block: "---\nnot a document separator inside a block scalar\n" } });
    expect(result.configs).toHaveLength(1);
    expect(result.configs[0]).toMatchObject({ format: "yaml", documentIndex: 3, body: { server: { port: 8080 } } });
  });

  it("points the object's range at its kind: line", () => {
    const [deployment] = loadYamlFile("d.yaml", DEPLOYMENT).kubernetes;
    expect(at(deployment.range)).toBe("2:1-2:17");
  });

  it("locates values and keys by object path, and the nearest ancestor when absent", () => {
    const [d] = loadYamlFile("d.yaml", DEPLOYMENT).kubernetes;
    const container = ["spec", "template", "spec", "containers", 0];
    expect(at(d.locate([...container, "image"]))).toBe("11:18-11:48");
    expect(at(d.locateKey([...container, "image"]))).toBe("11:11-11:16");
    expect(at(d.locateKey([...container, "name"]))).toBe("10:11-10:15");
    expect(at(d.locate([...container, "ports", 0, "containerPort"]))).toBe("13:30-13:34");
    // Absent: readinessProbe is not there, so the container itself (its first key) is the answer.
    expect(d.locateKey([...container, "readinessProbe"]).start).toEqual({ line: 10, column: 11 });
    expect(d.locate([...container, "resources", "limits"]).start).toEqual({ line: 10, column: 11 });
    // A sequence item has no key: its value's range.
    expect(d.locateKey(container).start).toEqual({ line: 10, column: 11 });
  });

  it("counts columns in UTF-16 code units", () => {
    const [config] = loadYamlFile("c.yaml", "title: \"😀 x\"\nnext: 1\n").configs;
    const title = config.entries.find((e) => e.key === "title")!;
    expect(at(title.range)).toBe("1:8-1:14");
  });

  it("expands kind: List into one object per item, located inside the item", () => {
    const text = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec: {}
`;
    const { kubernetes } = loadYamlFile("list.yaml", text);
    expect(kubernetes.map((o) => `${o.kind}/${o.name}`)).toEqual(["Service/web", "Deployment/web"]);
    expect(kubernetes[1].body).toMatchObject({ kind: "Deployment", spec: {} });
    expect(at(kubernetes[1].range)).toBe("8:5-8:21");
    expect(kubernetes[1].locate(["metadata", "name"]).start).toEqual({ line: 10, column: 13 });
    expect(kubernetes.every((o) => o.documentIndex === 0)).toBe(true);
  });

  it("fills kind and apiVersion of typed list items from the list", () => {
    const text = "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n  - metadata: {name: a}\n    spec: {}\n";
    const [item] = loadYamlFile("l.yaml", text).kubernetes;
    expect(item).toMatchObject({ kind: "Deployment", apiVersion: "apps/v1", name: "a" });
  });

  it("lists every scalar leaf of a config with key and value ranges", () => {
    const text = "db:\n  host: localhost\n  port: 5432\nhosts: [a, b]\nempty:\n";
    const [config] = loadYamlFile("app.yaml", text).configs;
    expect(config.entries.map((e) => `${e.path.join(".")}=${String(e.value)} key=${e.key} ${at(e.keyRange)} ${at(e.range)}`)).toEqual([
      "db.host=localhost key=host 2:3-2:7 2:9-2:18",
      "db.port=5432 key=port 3:3-3:7 3:9-3:13",
      "hosts.0=a key=hosts 4:9-4:10 4:9-4:10",
      "hosts.1=b key=hosts 4:12-4:13 4:12-4:13",
      "empty=null key=empty 5:1-5:6 5:7-5:7",
    ]);
  });

  it("follows merge keys and aliases without listing aliased values twice", () => {
    const text = "base: &base\n  timeout: 5\nprod:\n  <<: *base\n  host: p\ncopy: *base\n";
    const [config] = loadYamlFile("app.yaml", text).configs;
    expect(config.body).toEqual({ base: { timeout: 5 }, prod: { timeout: 5, host: "p" }, copy: { timeout: 5 } });
    expect(config.entries.map((e) => e.path.join("."))).toEqual(["base.timeout", "prod.host"]);
    // A merged key is located where it is written, under the anchor.
    expect(config.locate(["prod", "timeout"]).start).toEqual({ line: 2, column: 12 });
  });

  it("reads a large mapping in linear time (the parser's own duplicate-key check is quadratic)", () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `key${i}: value${i}`).join("\n");
    const started = Date.now();
    const [config] = loadYamlFile("big.yaml", text).configs;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(config.entries).toHaveLength(20_000);
  });

  it("skips empty files and documents", () => {
    expect(loadYamlFile("e.yaml", "")).toEqual({ kubernetes: [], configs: [], diagnostics: [] });
    expect(loadYamlFile("e.yaml", "---\n---\n# nothing\n")).toEqual({ kubernetes: [], configs: [], diagnostics: [] });
  });

  it("reads a kustomization.yaml without apiVersion/kind as a Kustomization", () => {
    const [k] = loadYamlFile("overlays/prod/kustomization.yaml", "resources:\n  - ../../base\npatches:\n  - path: probes.yaml\n").kubernetes;
    expect(k).toMatchObject({ kind: "Kustomization", name: "" });
    expect(k.range.start).toEqual({ line: 1, column: 1 });
  });
});

describe("loadYamlFile: malformed input", () => {
  it("reports a syntax error at its line and column and keeps the other documents", () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: b
 labels: broken
---
apiVersion: v1
kind: Secret
metadata: {name: c}
`;
    const result = loadYamlFile("bad.yaml", text);
    expect(result.kubernetes.map((o) => o.name)).toEqual(["a", "c"]);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ kind: "parse-error", path: "bad.yaml" });
    expect(result.diagnostics[0].range.start.line).toBe(9);
    expect(result.diagnostics[0].message).toMatch(/^YAML syntax error in document 2: /);
    expect(result.diagnostics[0].message).not.toMatch(/at line/);
  });

  it("reports an unclosed flow sequence and tab indentation", () => {
    const unclosed = loadYamlFile("a.yaml", "x: [1, 2\ny: 3\n").diagnostics;
    expect(unclosed.map((d) => `${d.kind} ${d.range.start.line}`)).toEqual(["parse-error 2"]);
    const tabs = loadYamlFile("b.yaml", "a:\n\tb: 1\n").diagnostics;
    expect(tabs.map((d) => `${d.kind} ${d.range.start.line}:${d.range.start.column}`)).toEqual(["parse-error 2:1"]);
  });

  it("reports duplicate keys and keeps the document with the last value", () => {
    const result = loadYamlFile("dup.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: 1\n  x: 2\n");
    expect(result.kubernetes[0].body).toMatchObject({ data: { x: 2 } });
    expect(result.diagnostics.map((d) => `${d.kind} ${d.range.start.line}:${d.range.start.column}`)).toEqual(["parse-error 6:3"]);
    expect(result.diagnostics[0].message).toContain('"x"');
  });

  it("refuses an alias bomb quickly instead of expanding it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    }
    const started = Date.now();
    const result = loadYamlFile("bomb.yaml", levels.join("\n") + "\n");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.configs).toEqual([]);
    expect(result.diagnostics.map((d) => d.kind)).toEqual(["parse-error"]);
    expect(result.diagnostics[0].message).toMatch(/alias/);
  });

  it("reads a small anchor reused hundreds of times, and refuses an alias that contains itself", () => {
    const services = Array.from({ length: 400 }, (_, i) => `  s${i}:\n    <<: *defaults\n    image: app${i}`).join("\n");
    const compose = loadYamlFile("docker-compose.yaml", `x-defaults: &defaults\n  restart: always\n  logging: {driver: json-file}\nservices:\n${services}\n`);
    expect(compose.diagnostics).toEqual([]);
    expect((compose.configs[0].body as { services: Record<string, unknown> }).services.s399).toEqual({ restart: "always", logging: { driver: "json-file" }, image: "app399" });
    const cyclic = loadYamlFile("cycle.yaml", "a: &a [1, *a]\n");
    expect(cyclic.configs).toEqual([]);
    expect(cyclic.diagnostics.map((d) => d.kind)).toEqual(["parse-error"]);
  });

  it("never throws on odd input", () => {
    for (const text of ["\u0000\u0001", "- - - -", "? [a]\n: b\n", "{{{{", ": :", "&a *a", "a: !!binary ~~~\n", "[".repeat(5000)]) {
      expect(() => loadYamlFile("odd.yaml", text)).not.toThrow();
    }
  });
});

describe("loadYamlFile: templates", () => {
  const chartTemplate = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
  labels:
    {{- include "app.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
`;

  it("reports a Helm template once as not rendered, without parse errors", () => {
    const result = loadYamlFile("charts/app/templates/deployment.yaml", chartTemplate);
    expect(result.kubernetes).toEqual([]);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ kind: "not-rendered", path: "charts/app/templates/deployment.yaml" });
    expect(result.diagnostics[0].range.start).toEqual({ line: 4, column: 9 });
  });

  it("recognises an unparseable template outside a templates folder", () => {
    const text = "kind: Thing\n{{- if .Enabled }}\nspec: {}\n{{- end }}\n";
    const result = loadYamlFile("deploy/thing.yaml", text);
    expect(result.diagnostics.map((d) => d.kind)).toEqual(["not-rendered"]);
  });

  it("reports an envsubst template whose placeholder stands for YAML structure as not rendered", () => {
    const text = "config:\n  target: '${TARGET}'\n  ${PHASES}\n\nscenarios:\n  - name: \"${NAME}\"\n";
    const result = loadYamlFile(".artillery/template.yaml", text);
    expect(result.diagnostics).toMatchObject([{ kind: "not-rendered", range: { start: { line: 3, column: 3 }, end: { line: 3, column: 12 } } }]);
    expect(result.diagnostics[0]!.message).toContain("`${PHASES}`");
  });

  it("still reports a real syntax error in a file that merely uses ${VAR} values", () => {
    const text = "target: ${TARGET}\nphases: [\n";
    expect(loadYamlFile("load.yaml", text).diagnostics.map((d) => d.kind)).toEqual(["parse-error"]);
  });

  it("recognises a template that happens to parse (an action used as a value)", () => {
    const text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Name }}\nspec:\n  ports:\n    - port: {{ .Port }}\n";
    const result = loadYamlFile("deploy/service.yaml", text);
    expect(result.kubernetes).toEqual([]);
    expect(result.diagnostics.map((d) => `${d.kind} ${d.range.start.line}`)).toEqual(["not-rendered 4"]);
  });

  it("recognises Helm values in quoted strings", () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: "{{ .Values.image }}"\n';
    expect(loadYamlFile("deploy/pod.yaml", text).diagnostics.map((d) => d.kind)).toEqual(["not-rendered"]);
  });

  it("reads rendered chart output and configs that merely hold template text", () => {
    const rendered = `---
# Source: app/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: alerts
data:
  slack.tmpl: |
    {{ define "slack.title" }}{{ .Values.not.helm.here }}{{ end }}
`;
    expect(loadYamlFile("rendered/all.yaml", rendered)).toMatchObject({ diagnostics: [], kubernetes: [{ kind: "ConfigMap" }] });
    const alertmanager = 'receivers:\n  - name: slack\n    title: \'{{ template "slack.title" . }}\'\n    text: "{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}"\n';
    const result = loadYamlFile("monitoring/alertmanager.yaml", alertmanager);
    expect(result.diagnostics).toEqual([]);
    expect(result.configs).toHaveLength(1);
  });

  it("reports a real syntax error in a file whose template text is only inside quoted strings", () => {
    const text = "receivers:\n- name: slack\n  send_resolved: true\n   title: '{{ template \"slack.title\" . }}'\n    text: \"it's {{ .Text }}\"\n";
    const result = loadYamlFile("examples/alertmanager.yaml", text);
    expect(result.diagnostics.map((d) => `${d.kind} ${d.range.start.line}`)).toEqual(["parse-error 3"]);
  });

  it("reads a file without template actions in a templates folder", () => {
    const text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";
    expect(loadYamlFile("chart/templates/namespace.yaml", text)).toMatchObject({ diagnostics: [], kubernetes: [{ kind: "Namespace" }] });
  });
});

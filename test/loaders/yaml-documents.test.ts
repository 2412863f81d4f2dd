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
    expect(result.diagnostics[0].message).toMatch(/repeats a key at line 5/);
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

  it("refuses merging one large mapping many times quickly", () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}: ${i}`).join(", ");
    const started = Date.now();
    const result = loadYamlFile("m.yaml", `s: &s {${keys}}\nl:\n${"  - {<<: *s}\n".repeat(200)}`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.configs).toEqual([]);
    expect(result.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/alias bomb/)]);
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

  it("reports a nesting deeper than MAX_DEPTH in its document and keeps the others", () => {
    const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    const text = `a: 1\n---\nx: ${deep(600)}\n---\nb: 2\n---\ny: ${deep(500)}\n`;
    const result = loadYamlFile("deep.yaml", text);
    expect(result.configs.map((c) => c.documentIndex)).toEqual([0, 2, 3]);
    expect(result.diagnostics.map((d) => `${d.kind} ${d.range.start.line}:${d.range.start.column}`)).toEqual([`parse-error 3:${3 + 512}`]);
    expect(result.diagnostics[0].message).toBe("YAML document 2 is nested deeper than 512 levels; it was not checked.");
    // Aliases count: each level here is shallow, but together they nest 601 deep.
    const aliased = loadYamlFile("a.yaml", `a: &a ${deep(300)}\nb: &b ${"[".repeat(300)}*a${"]".repeat(300)}\n`);
    expect(aliased.configs).toEqual([]);
    expect(aliased.diagnostics.map((d) => d.message)).toEqual(["YAML document 1 is nested deeper than 512 levels once its aliases are expanded; it was not checked."]);
  });

  it("survives deeply nested documents, again and again (the parser would reach the stack's end)", () => {
    // Past the stack's end the parser turns the overflow into an error, but V8 sometimes has to
    // compile a regular expression there and then kills the process: never let it get there.
    for (let i = 0; i < 5; i++) {
      for (const text of ["- ".repeat(3000) + "a\n", "k: " + "[".repeat(5000), "{a: ".repeat(3000)]) {
        expect(loadYamlFile("deep.yaml", text).diagnostics.map((d) => d.kind)).toEqual(["parse-error"]);
      }
    }
  });

  it("reads one anchor reused 20,000 times in linear time (the parser resolves each alias by a search)", () => {
    const text = `x: &x {a: 1, password: Xk9mPq2vL7wZ3}\nl:\n${"  - *x\n".repeat(20_000)}`;
    const started = Date.now();
    const result = loadYamlFile("compose.yaml", text); // 86 s before
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.diagnostics).toEqual([]);
    const body = result.configs[0].body as { x: object; l: object[] };
    expect(body.l).toHaveLength(20_000);
    expect(body.l[19_999]).toEqual({ a: 1, password: "Xk9mPq2vL7wZ3" });
    // As the YAML reader gives them: an alias is the anchor's own object.
    expect(body.l[0]).toBe(body.x);
    expect(result.configs[0].entries.map((e) => e.path.join("."))).toEqual(["x.a", "x.password"]);
  });

  it("resolves an alias to the latest anchor of its name before it, including anchors on keys and scalars", () => {
    const text = "a: &v 1\nb: *v\nc: &v [2]\nd: *v\n? &k key\n: *k\n";
    const [config] = loadYamlFile("a.yaml", text).configs;
    expect(config.body).toEqual({ a: 1, b: 1, c: [2], d: [2], key: "key" });
  });

  it("reports an alias without an anchor in its document and keeps the others", () => {
    const result = loadYamlFile("a.yaml", "a: 1\n---\nb: *missing_secret_anchor\n");
    expect(result.configs.map((c) => c.body)).toEqual([{ a: 1 }]);
    expect(result.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`)).toEqual([
      "3:4 YAML document 2 uses an alias whose anchor is not defined before it; kubectl rejects it, and the document was not checked.",
    ]);
  });

  it("reports an invalid merge source in its document, at the value, and keeps the other documents", () => {
    const text = "apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec: {containers: [{name: a, image: 'x:1'}]}\n---\nbase: &b {a: 1}\nc: {<<: [*b, 5]}\n";
    const result = loadYamlFile("pods.yaml", text);
    expect(result.kubernetes.map((o) => `${o.kind}/${o.name}`)).toEqual(["Pod/ok"]);
    expect(result.diagnostics.map((d) => `${d.kind} ${d.range.start.line}:${d.range.start.column}`)).toEqual(["parse-error 7:14"]);
    expect(result.diagnostics[0].message).toMatch(/^YAML document 2 merges \(<<\) a value that is not a mapping/);
  });

  it("refuses a mapping merged into itself", () => {
    const result = loadYamlFile("m.yaml", "a: 1\nb: &b {x: 1, <<: *b}\n");
    expect(result.configs).toEqual([]);
    expect(result.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column}`)).toEqual(["2:18"]);
    expect(result.diagnostics[0].message).toMatch(/into itself/);
  });

  it("merges as YAML 1.1 says: own keys win, then earlier sources, in the order keys are written", () => {
    const text = "a: &a {x: 1, y: 2}\nb: &b {y: 3, z: 4}\nc: &c {w: 0, <<: [*a, *b], x: 9}\nd: {<<: *c}\n";
    const [config] = loadYamlFile("m.yaml", text).configs;
    const body = config.body as Record<string, object>;
    expect(body.c).toEqual({ w: 0, x: 9, y: 2, z: 4 });
    expect(Object.keys(body.c)).toEqual(["w", "x", "y", "z"]);
    expect(body.d).toEqual({ w: 0, x: 9, y: 2, z: 4 });
    expect(config.locate(["c", "y"]).start).toEqual({ line: 1, column: 17 });
    expect(config.locate(["c", "x"]).start).toEqual({ line: 3, column: 31 });
  });

  it("reads !!omap and !!pairs as the lists of one-key mappings they are written as", () => {
    const [config] = loadYamlFile("o.yaml", "a: !!omap [{p: 1}, {q: 2}]\nb: !!set {x, y}\n").configs;
    expect(config.body).toEqual({ a: [{ p: 1 }, { q: 2 }], b: { x: null, y: null } });
  });

  it("reads many broken documents in linear time", () => {
    const started = Date.now();
    const result = loadYamlFile("many.yaml", "---\n]\n".repeat(15_000)); // 7.5 s before
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.diagnostics.length).toBeGreaterThan(14_000);
    expect(result.diagnostics.every((d) => d.kind === "parse-error")).toBe(true);
  });

  it("never throws on odd input", () => {
    for (const text of ["\u0000\u0001", "- - - -", "? [a]\n: b\n", "{{{{", ": :", "&a *a", "a: !!binary ~~~\n", "[".repeat(5000)]) {
      expect(() => loadYamlFile("odd.yaml", text)).not.toThrow();
    }
  });
});

describe("loadYamlFile: messages never quote the input", () => {
  const SECRET = "ghp_Zq8LmN2vR7tX4wK9pB3sD6fH1jC5gA0eYuIo";
  const messages = (path: string, text: string) => loadYamlFile(path, text).diagnostics.map((d) => d.message);

  it("describes parser errors that would quote a value, a tag or a directive", () => {
    const cases: [string, RegExp][] = [
      [`password: |${SECRET}\n  more\n`, /^YAML syntax error in document 1: a block scalar header \(\| or >\) followed by other characters; /],
      [`%YAML 9.${SECRET}\n---\na: 1\n`, /: an unsupported %YAML version; /],
      [`a: !!omap\n  - ${SECRET}: 1\n  - ${SECRET}: 2\n`, /: an ordered map \(!!omap\) that repeats a key; /],
      [`password: "${SECRET}\\q"\n`, /: an invalid escape sequence in a double-quoted string; /],
      [`]${SECRET}\n`, /: Unexpected flow-seq-end token in YAML document; /],
    ];
    for (const [text, message] of cases) {
      const [diagnostic] = messages("a.yaml", text);
      expect(diagnostic).toMatch(message);
      expect(diagnostic).not.toContain(SECRET.slice(4));
      expect(diagnostic).not.toMatch(/at line \d/);
    }
    // Messages that cannot hold input pass through.
    expect(messages("b.yaml", "a: b: c\n")).toEqual(["YAML syntax error in document 1: Nested mappings are not allowed in compact mappings; the document was not checked."]);
  });

  it("names the line of a repeated key, not the key", () => {
    expect(messages("d.yaml", `${SECRET}: 1\nb: 2\n${SECRET}: 3\n`)).toEqual([
      "This key repeats a key at line 1 of the same YAML mapping: kubectl rejects it and other readers keep only the last value.",
    ]);
  });

  it("describes a Helm template's action by its line, without quoting it", () => {
    const result = loadYamlFile("chart/templates/secret.yaml", 'kind: Secret\nstringData:\n  password: {{ .Values.pw | default "Xk9mPq2vL7wZ3" }}\n');
    expect(result.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column}-${d.range.end.line}:${d.range.end.column}`)).toEqual(["3:13-3:55"]);
    expect(result.diagnostics[0].message).toBe(
      "chart/templates/secret.yaml is a template (a template action {{ ... }} at line 3): it becomes YAML only after rendering (helm template), so its Kubernetes objects were not checked.",
    );
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

  it("finds template actions in linear time on long lines", () => {
    // A line of `{` with no `}}` before a real action: 51 s before (the action's regex backtracked).
    let started = Date.now();
    const chart = loadYamlFile("chart/templates/x.yaml", `k: ${"{".repeat(250_000)}\nv: {{ .Values.x }}\n`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(chart.diagnostics.map((d) => `${d.kind} ${d.range.start.line}:${d.range.start.column}`)).toEqual(["not-rendered 2:4"]);
    // `{{` x 100,000 in a quoted string, then a syntax error: 101 s before (Helm names and quoting).
    started = Date.now();
    const quoted = loadYamlFile("config.yaml", `a: "${"{{".repeat(100_000)}}}"\nb: [\n`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(quoted.diagnostics.map((d) => `${d.kind} ${d.range.start.line}`)).toEqual(["parse-error 3"]);
  });

  it("recognises Helm names and unquoted actions as before", () => {
    const kinds = (path: string, text: string) => loadYamlFile(path, text).diagnostics.map((d) => d.kind);
    expect(kinds("a.yaml", "x: '{{ y }}'\na: '{{- \n   .Release.Name }}'\n")).toEqual(["not-rendered"]);
    expect(kinds("a.yaml", "a: '{{ include  \"x\" . }}'\n")).toEqual(["not-rendered"]);
    expect(kinds("a.yaml", "a: '{{ tpl .x . }}'\n")).toEqual(["not-rendered"]);
    expect(kinds("a.yaml", "a: '{{ .ValuesX }}'\n")).toEqual([]);
    expect(kinds("a.yaml", "a: '{{ x }} .Values'\n")).toEqual([]);
    // An unquoted action after a quoted one on the same line, and one after a `#` comment.
    expect(kinds("a.yaml", "a: 'x' {{ .Name }}\nb: [\n")).toEqual(["not-rendered"]);
    expect(kinds("a.yaml", "a: 'x' # {{ .Name }}\nb: [\n")).toEqual(["parse-error"]);
    expect(kinds("a.yaml", 'a: "it\\"s {{ .Name }}"\nb: [\n')).toEqual(["parse-error"]);
    expect(kinds("a.yaml", "a: it's {{ .Name }}\nb: [\n")).toEqual(["not-rendered"]);
  });

  it("reads a file without template actions in a templates folder", () => {
    const text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";
    expect(loadYamlFile("chart/templates/namespace.yaml", text)).toMatchObject({ diagnostics: [], kubernetes: [{ kind: "Namespace" }] });
  });
});

import type { K8sObject } from "../../src/model/artifacts.js";
import type { ReportDescriptor } from "../../src/model/finding.js";
import type { ObjectPath } from "../../src/model/location.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { closestField, fieldsOf, kindType, typeLabel, type FieldType } from "../../src/rule-kit/k8s-schema.js";
import { isNonProductionManifest, isRecord, objectLabel } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

export default defineRule({
  meta: {
    id: "k8s/unknown-field",
    section: "foundation",
    title: "Kubernetes objects use only fields Kubernetes knows",
    severity: "error",
    rationale:
      "A misspelled or mis-indented field (`readinesProbe`, a probe at the pod level) is rejected by `kubectl apply` " +
      "with strict field validation, and silently dropped by clients without it: the setting the author relied on never takes effect.",
    remediation: "Fix the field's spelling or indentation so it sits where the Kubernetes API defines it.",
    docs: `Checks every object of a built-in kind (\`apps/v1 Deployment\`, \`v1 Service\`, \`batch/v1 CronJob\`, ...) against the
fields the Kubernetes API defines at each place, and reports a field the API does not know at its key. Since
Kubernetes 1.27 \`kubectl apply\` asks the server for strict field validation and fails on such a field; other
clients (older kubectl, \`--validate=false\`, many GitOps tools, client libraries) get it *dropped silently*,
so the probe, limit or security setting the author wrote never exists in the cluster.

The field table is generated from the model classes of \`@kubernetes/client-node\` (Kubernetes 1.34 API) into
\`src/rule-kit/k8s-schema.generated.ts\`; \`scripts/generate-k8s-schema.ts\` regenerates it and a test fails
when it drifts from the installed library.

Bad:

\`\`\`yaml
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.4.2
          readinesProbe:              # unknown: did you mean readinessProbe?
            httpGet: {path: /ready, port: 8080}
      livenessProbe:                  # a container field, indented at the pod level
        httpGet: {path: /healthz, port: 8080}
      securityContext:
        allowPrivilegeEscalation: false   # exists only in a container's securityContext
\`\`\`

The finding suggests the field that was probably meant: a known field with the same name in another letter
case or a close spelling, or the same field one level deeper (a container field written in the pod spec) or
one level up (a container field indented under \`resources\`).

Not reported:
- custom resources and kinds this Kubernetes version does not define (CRDs, removed API versions such as
  \`extensions/v1beta1\`): their schema is not known here, and nothing is guessed;
- free-form maps (\`labels\`, \`annotations\`, \`data\`, \`nodeSelector\`, \`resources.limits\`), free-form values
  (a CRD's \`x-kubernetes-preserve-unknown-fields\` data, \`RawExtension\`) and value types (a string where a
  number belongs is left to the API server);
- kustomize patch directives (\`$patch\`, \`$setElementOrder/...\`, \`$retainKeys\`);
- pod-level \`resources\` (valid since Kubernetes 1.32, PodLevelResources);
- manifests under \`test/\`, \`e2e/\`, \`testdata/\`, \`fixtures/\` and \`examples/\` folders; Helm templates (not rendered).`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "correctness", "schema"],
    precision: "very-high",
  },
  check({ repo, report }) {
    for (const object of repo.kubernetes) {
      if (isNonProductionManifest(scanRelative(repo, object.path))) continue;
      const type = kindType(object.apiVersion, object.kind);
      if (!type) continue;
      walk(object, object.body, { kind: "object", name: type }, [], undefined, report);
    }
  },
});

function walk(
  object: K8sObject,
  value: unknown,
  type: FieldType,
  path: ObjectPath,
  parent: { type: string; path: ObjectPath } | undefined,
  report: (d: ReportDescriptor) => void,
): void {
  if (value === null || value === undefined) return;
  if (type.kind === "list") {
    if (Array.isArray(value)) value.forEach((item, i) => walk(object, item, type.of, [...path, i], parent, report));
    return;
  }
  if (type.kind === "map") {
    if (isRecord(value)) for (const [key, v] of Object.entries(value)) walk(object, v, type.of, [...path, key], parent, report);
    return;
  }
  if (type.kind !== "object" || !isRecord(value)) return;
  const fields = fieldsOf(type.name);
  if (!fields) return;
  for (const [key, v] of Object.entries(value)) {
    const field = fields.get(key);
    if (field) {
      walk(object, v, field, [...path, key], { type: type.name, path }, report);
      continue;
    }
    // kustomize strategic-merge directives.
    if (key.startsWith("$")) continue;
    report({
      path: object.path,
      range: object.locateKey([...path, key]),
      message: `${objectLabel(object)} has a field \`${key}\` that Kubernetes does not know at ${where(path, type.name)}: \`kubectl apply\` rejects it (strict field validation) and clients without strict validation drop it silently.${hint(key, value, fields, parent, path)}`,
    });
  }
}

/** `spec.template.spec.containers[0] (a Container)`, or `the top level` */
function where(path: ObjectPath, type: string): string {
  return path.length === 0 ? "the top level" : `\`${pathText(path)}\` (${typeLabel(type)})`;
}

/** `spec.template.spec.containers[0]` */
function pathText(path: ObjectPath): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/** Where the field probably belongs: a typo of a known field, a field of a child object, or of the parent. */
function hint(
  key: string,
  holder: Record<string, unknown>,
  fields: ReadonlyMap<string, FieldType>,
  parent: { type: string; path: ObjectPath } | undefined,
  path: ObjectPath,
): string {
  // One level too shallow: a field of an object (or list item) written beside it.
  for (const [sibling, type] of fields) {
    const inner = type.kind === "list" ? type.of : type;
    if (inner.kind !== "object" || !fieldsOf(inner.name)?.has(key)) continue;
    if (holder[sibling] === undefined) continue;
    const place = type.kind === "list" ? `each item of \`${sibling}\`` : `\`${sibling}\``;
    return ` \`${key}\` is a field of ${place} (${typeLabel(inner.name)}): it is probably indented one level too shallow.`;
  }
  // One level too deep: a field of the enclosing object.
  if (parent && fieldsOf(parent.type)?.has(key)) {
    const owner = parent.path.length === 0 ? "the object's top level" : `\`${pathText(parent.path)}\``;
    return ` \`${key}\` is a field of ${owner} (${typeLabel(parent.type)}), one level up: it is probably indented one level too deep.`;
  }
  // A pod-level securityContext lacks the container-only controls.
  if (path.at(-1) === "securityContext" && fieldsOf("V1SecurityContext")?.has(key)) {
    return ` \`${key}\` exists only in a container's securityContext, not the pod's.`;
  }
  const close = closestField(key, fields.keys());
  return close ? ` Did you mean \`${close}\`?` : "";
}

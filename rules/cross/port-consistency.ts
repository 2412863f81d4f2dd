import type { ContainerRef, DockerfileModel, DockerInstruction, K8sObject } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import type { ReportDescriptor } from "../../src/model/finding.js";
import { type AppPort, commandConfig, goZeroPorts, isGoZeroConfig } from "../../src/rule-kit/app-config.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { finalStage, isNonProductionDockerfile, stageLineage } from "../../src/rule-kit/docker.js";
import { dockerfileForContainer } from "../../src/rule-kit/image-links.js";
import { containerLabel, getIn, isLongRunning, isNonProductionManifest, isRecord, objectLabel, servicesSelecting } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { declaredPorts, probePorts } from "../../src/rule-kit/workload-links.js";

const DOCS = `
One port story across files. A service's port is written in up to six places — the app's config
(go-zero \`ListenOn\` / \`Port\`), the Dockerfile's \`EXPOSE\`, the container's \`containerPort\`, its
probes, and the Service's \`targetPort\` — and when one of them drifts, probes fail, pods restart in a
loop or a Service has no working endpoints, while every file looks fine on its own. No single-file
linter can see this.

Each disagreement is one finding, at the place that is wrong relative to the app's own configuration
(the source of truth: it is where the process actually listens), with \`related\` locations pointing at
the other side:

| compared | severity | reported at |
|---|---|---|
| probe port (number) vs the app's ports | error (warning when only \`PORT\` is known) | the probe's \`port:\` |
| Service \`targetPort\` (number, container declares no ports) vs the app's ports | error | the Service's \`targetPort\` |
| \`containerPort\` vs the app's ports | warning | the \`containerPort\` |
| Dockerfile \`EXPOSE\` vs the app's config | warning | the \`EXPOSE\` |
| \`containerPort\` vs \`EXPOSE\` (app's ports unknown; no declared port is exposed) | warning | the first \`containerPort\` |
| probe port (name) vs the container's port names — any workload | error: the kubelet cannot resolve it | the probe's \`port:\` |
| probe port (number) vs declared \`containerPort\`s (app's ports unknown) — any workload | warning | the probe's \`port:\` |

The app's ports are known from a **go-zero config** (\`Name\` plus \`ListenOn\` or \`Port\`; a
\`DevServer:\` block adds its port, 6060 unless set; a legacy \`Prometheus:\` block adds its port) that the
image's \`CMD\`/\`ENTRYPOINT\` loads with \`-f\` (or \`-c\`, \`--config\`) and that the final stage copies in
from the repository (followed through \`WORKDIR\` and \`COPY --from=<stage>\`). A port set through a
variable (\`ListenOn: \${LISTEN}\`) makes the set incomplete: only a container that matches none of the
known ports is reported. Without a go-zero config, a literal numeric \`PORT\` env var — the container's
own, else the image's \`ENV PORT\` — is taken as the app's main port (the convention of Node, Cloud Run
and the Online Boutique services); the app may open other ports too, so then only a container none of
whose declared ports is \`PORT\`, and a probe on a port that is neither \`PORT\` nor declared, are reported.

**How a workload is linked to a Dockerfile** (only definite links are compared; otherwise the rule is
silent):
1. a Skaffold \`build.artifacts[]\` entry whose \`image\` is the container's image (or its tail, when a
   default repository is prefixed) names the context and Dockerfile;
2. otherwise the image's last path segment (\`registry.example.com/epro/patient-rpc:1.4.2\` →
   \`patient-rpc\`) equals the folder name of exactly one production Dockerfile
   (\`services/patient-rpc/Dockerfile\`), or a Dockerfile named for it (\`patient-rpc.Dockerfile\`).

A Service is linked to a workload when its selector matches the pod labels in the same namespace.
Service \`targetPort\` vs \`containerPort\` is \`k8s/service-targets-pods\`'s job and not repeated here.

Bad:

\`\`\`yaml
# etc/patient.yaml (loaded by CMD ["/app/service", "-f", "etc/patient.yaml"])
ListenOn: 0.0.0.0:9090
---
# deploy/k8s/deployment.yaml
ports:
  - name: grpc
    containerPort: 8080       # warning: the app listens on 9090
readinessProbe:
  grpc: {port: 8080}          # error: nothing listens on 8080
\`\`\`

Good: one number everywhere (or probes and Services that use the port's name).

Not reported: init containers and Jobs, non-production Dockerfiles and manifests (\`test/\`,
\`examples/\`, \`Dockerfile.dev\`, ...), kustomize fragments, configs the image does not contain (a
config mounted from a ConfigMap at run time), and apps whose ports cannot be read.`;

/** Where the app's ports come from, for messages and `related` locations. */
interface AppPorts {
  ports: { port: number; label: string }[];
  /** False when some port is set through a variable, or the source only names the main port (PORT). */
  complete: boolean;
  /** "the app's config etc/patient.yaml", "env PORT". */
  source: string;
  related: NonNullable<ReportDescriptor["related"]>;
}

function fromConfig(repo: Parameters<typeof commandConfig>[0], dockerfile: DockerfileModel): AppPorts | undefined {
  const config = commandConfig(repo, dockerfile);
  if (!config || !isGoZeroConfig(config.doc)) return undefined;
  const { ports, complete } = goZeroPorts(config.doc);
  if (ports.length === 0) return undefined;
  const doc = config.doc;
  return {
    ports: ports.map((p: AppPort) => ({ port: p.port, label: p.path.join(".") })),
    complete,
    source: `the app's config ${doc.path} (loaded by the CMD of ${dockerfile.path})`,
    related: ports.slice(0, 3).map((p) => ({
      path: doc.path,
      range: doc.locate(p.path),
      message: `${p.path.join(".")}: the app listens on ${p.port} (this config is loaded by the image's ${config.command.keyword}).`,
    })),
  };
}

/** A literal numeric `PORT` env var: the container's own env first, else the image's ENV. */
function fromPortEnv(container: ContainerRef, dockerfile: DockerfileModel | undefined): AppPorts | undefined {
  const env = container.container.env;
  if (Array.isArray(env)) {
    const index = env.findIndex((e) => isRecord(e) && e.name === "PORT");
    if (index >= 0) {
      const value = (env[index] as Record<string, unknown>).value;
      const port = typeof value === "number" ? value : typeof value === "string" && /^\d{1,5}$/.test(value) ? Number(value) : undefined;
      if (port === undefined) return undefined;
      const object = container.workload.object;
      return {
        ports: [{ port, label: "PORT" }],
        complete: false,
        source: `its env PORT`,
        related: [{ path: object.path, range: object.locate([...container.path, "env", index, "value"]), message: "PORT, the port the app listens on." }],
      };
    }
  }
  const stage = dockerfile && finalStage(dockerfile);
  if (!dockerfile || !stage) return undefined;
  for (const ancestor of stageLineage(dockerfile, stage)) {
    for (const instruction of [...ancestor.instructions].reverse()) {
      if (instruction.keyword !== "ENV") continue;
      const word = instruction.args.find((w) => w.startsWith("PORT="));
      const legacy = instruction.args[0] === "PORT" && instruction.args.length === 2 ? instruction.args[1] : undefined;
      const value = word ? word.slice(5) : legacy;
      if (value === undefined) continue;
      if (!/^\d{1,5}$/.test(value)) return undefined;
      return {
        ports: [{ port: Number(value), label: "PORT" }],
        complete: false,
        source: `ENV PORT in ${dockerfile.path}`,
        related: [{ path: dockerfile.path, range: instruction.argsRange, message: "PORT, the port the app listens on." }],
      };
    }
  }
  return undefined;
}

function exposed(dockerfile: DockerfileModel): { port: number; instruction: DockerInstruction }[] {
  const stage = finalStage(dockerfile);
  if (!stage) return [];
  const out: { port: number; instruction: DockerInstruction }[] = [];
  for (const ancestor of stageLineage(dockerfile, stage)) {
    for (const instruction of ancestor.instructions) {
      if (instruction.keyword !== "EXPOSE") continue;
      for (const word of instruction.args) {
        const match = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(word);
        if (match) out.push({ port: Number(match[1]), instruction });
      }
    }
  }
  return out;
}

function portsText(app: AppPorts): string {
  return app.ports.map((p) => `${p.port} (${p.label})`).join(", ");
}

export default defineRule({
  meta: {
    id: "cross/port-consistency",
    section: "operations",
    title: "The app's listen port, EXPOSE, containerPort, probes and Service targetPort agree",
    severity: "warning",
    rationale:
      "A port that drifts in one file makes probes fail, pods restart in a loop or a Service lose its endpoints, while each file looks valid on its own.",
    remediation: "Use the port the app's config listens on everywhere, and refer to it by name in probes and Services.",
    docs: DOCS,
    inputs: ["kubernetes", "dockerfile"],
    tags: ["cross-file", "kubernetes", "docker", "networking"],
    precision: "high",
  },
  check({ repo, report }) {
    const reported = new Set<string>();
    const emit = (descriptor: ReportDescriptor) => {
      const key = `${descriptor.path}:${descriptor.range.start.line}:${descriptor.range.start.column}`;
      if (reported.has(key)) return;
      reported.add(key);
      report(descriptor);
    };
    const configCache = new Map<DockerfileModel, AppPorts | undefined>();
    const configOf = (dockerfile: DockerfileModel) => {
      if (!configCache.has(dockerfile)) configCache.set(dockerfile, fromConfig(repo, dockerfile));
      return configCache.get(dockerfile);
    };

    // Dockerfile EXPOSE vs the config its CMD loads (no Kubernetes needed).
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      const app = configOf(dockerfile);
      if (!app || !app.complete) continue;
      for (const { port, instruction } of exposed(dockerfile)) {
        if (app.ports.some((p) => p.port === port)) continue;
        emit({
          path: dockerfile.path,
          range: instruction.argsRange,
          message: `EXPOSE ${port}, but ${app.source} makes the app listen on ${portsText(app)}: whoever wires the container from the image's metadata targets a port nothing listens on.`,
          related: app.related,
        });
      }
    }

    for (const container of repo.containers) {
      const workload = container.workload;
      if (container.role !== "main" || !isLongRunning(container) || workload.partial) continue;
      if (isNonProductionManifest(scanRelative(repo, workload.object.path))) continue;
      const found = dockerfileForContainer(repo, container);
      const link = found && !isNonProductionDockerfile(found.dockerfile, scanRelative(repo, found.dockerfile.path)) ? found : undefined;
      const app = (link && configOf(link.dockerfile)) ?? fromPortEnv(container, link?.dockerfile);
      const object = workload.object;
      const declared = declaredPorts(container);
      const probes = probePorts(container);
      const at = (path: Parameters<K8sObject["locate"]>[0]): Range => object.locate(path);

      // Named probe ports must name a declared port.
      for (const probe of probes) {
        if (typeof probe.port !== "string" || declared.some((d) => d.name === probe.port)) continue;
        emit({
          path: object.path,
          range: at(probe.path),
          severity: "error",
          message: `${containerLabel(container)}: its ${probe.probe} uses the port named "${probe.port}", but the container declares no port with that name, so the probe can never succeed.`,
        });
      }

      if (app) {
        const known = (port: number) => app.ports.some((p) => p.port === port);
        const stray = declared.filter((d) => !known(d.port));
        const allStray = stray.length === declared.length;
        for (const port of app.complete ? stray : allStray ? stray.slice(0, 1) : []) {
          emit({
            path: object.path,
            range: at(port.path),
            message: `${containerLabel(container)} declares containerPort ${port.port}${port.name ? ` ("${port.name}")` : ""}, but ${app.source} makes the app listen on ${portsText(app)}: Services and probes that use this port reach nothing.`,
            related: app.related,
          });
        }
        // A probe on a port the app does not open (when the app's ports are all known, or the probe
        // matches neither them nor any declared port).
        for (const probe of probes) {
          if (typeof probe.port !== "number" || known(probe.port)) continue;
          if (!app.complete && declared.some((d) => d.port === probe.port)) continue;
          emit({
            path: object.path,
            range: at(probe.path),
            severity: app.complete ? "error" : "warning",
            message: `${containerLabel(container)}: its ${probe.probe} checks port ${probe.port}, but ${app.source} makes the app listen on ${portsText(app)}: the probe ${app.complete ? "can never pass" : "fails unless the app also listens there"}${probe.probe === "livenessProbe" ? " and the container is restarted in a loop" : ""}.`,
            related: app.related,
          });
        }
        if (declared.length === 0 && app.complete) {
          for (const service of servicesSelecting(repo.kubernetes, workload)) {
            const ports = getIn(service.body, ["spec", "ports"]);
            if (!Array.isArray(ports)) continue;
            ports.forEach((entry, index) => {
              if (!isRecord(entry)) return;
              const target = entry.targetPort ?? entry.port;
              if (typeof target !== "number" || known(target)) return;
              emit({
                path: service.path,
                range: service.locate(["spec", "ports", index, entry.targetPort === undefined ? "port" : "targetPort"]),
                severity: "error",
                message: `${objectLabel(service)} sends traffic to port ${target} of ${objectLabel(object)}, but ${app.source} makes the app listen on ${portsText(app)}: every request fails.`,
                related: app.related,
              });
            });
          }
        }
        continue;
      }

      // The app's ports are unknown: compare the manifest with the image, and probes with declared ports.
      const expose = link ? exposed(link.dockerfile) : [];
      if (link && expose.length > 0 && declared.length > 0 && !declared.some((d) => expose.some((e) => e.port === d.port))) {
        emit({
          path: object.path,
          range: at(declared[0]!.path),
          message: `${containerLabel(container)} declares containerPort ${declared.map((d) => d.port).join(", ")}, but its image (built from ${link.dockerfile.path}) exposes ${[...new Set(expose.map((e) => e.port))].join(", ")}: one of them is stale.`,
          related: [{ path: link.dockerfile.path, range: expose[0]!.instruction.argsRange, message: "EXPOSE in the image's Dockerfile." }],
        });
      }
      if (declared.length > 0) {
        for (const probe of probes) {
          if (typeof probe.port !== "number" || declared.some((d) => d.port === probe.port)) continue;
          emit({
            path: object.path,
            range: at(probe.path),
            message: `${containerLabel(container)}: its ${probe.probe} checks port ${probe.port}, which is not among its declared ports (${declared.map((d) => d.port).join(", ")}): unless the app also listens there, the probe fails.`,
            related: [{ path: object.path, range: at(declared[0]!.path), message: "Declared containerPort." }],
          });
        }
      }
    }
  },
});

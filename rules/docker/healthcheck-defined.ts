import type { ContainerRef } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { effectiveInstruction, finalStage, isNonProductionDockerfile } from "../../src/rule-kit/docker.js";
import { composeServicesBuilding, containersRunning, imageNames, isProductionCompose } from "../../src/rule-kit/docker-deploy.js";
import { containerLabel, containerRange, isLongRunning, isRecord, patchedContainers } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

const PROBE_HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"];

export default defineRule({
  meta: {
    id: "docker/healthcheck-defined",
    section: "operations",
    title: "Images run outside Kubernetes define a HEALTHCHECK",
    severity: "warning",
    rationale:
      "Docker, Compose and Swarm learn that a container is hung or not ready only from its HEALTHCHECK: without one a deadlocked service stays `running`, keeps receiving traffic and is never restarted. Kubernetes ignores HEALTHCHECK and uses probes instead.",
    remediation:
      "Add a `HEALTHCHECK` to the final stage (`HEALTHCHECK --interval=30s --timeout=3s CMD [\"/app/healthcheck\"]`), or deploy the image with Kubernetes liveness/readiness probes.",
    docs: `
The final stage (and the stages it builds on) should define \`HEALTHCHECK\` **unless** the image is deployed by
Kubernetes with probes, which is where health belongs on Kubernetes (the kubelet ignores \`HEALTHCHECK\`).

What the rule reports for a final stage without \`HEALTHCHECK\`:

| where the image runs | finding |
|---|---|
| a Kubernetes container in the repository runs it, and every such container has a liveness or readiness probe | nothing |
| a Kubernetes container runs it without probes | note (\`k8s/probes-defined\` reports the container) |
| a production Compose file (\`docker-compose.prod.yml\`, \`compose.production.yaml\`, \`*release*\`, \`*deploy*\`) builds it (\`build:\`) without a \`healthcheck:\` | **warning** |
| another Compose file (a local stack) builds it without a \`healthcheck:\` | note |
| a Compose service builds it with a \`healthcheck:\` | nothing |
| the repository has Kubernetes manifests, none of which can be matched to this image | note |
| the repository has no Kubernetes manifests and no Compose service builds it | note: where it runs cannot be verified |

Matching an image to Kubernetes containers is a naming convention, kept conservative: the container image's
name (the last segment of its repository, \`checkoutservice\` in \`gcr.io/shop/checkoutservice:v1\`) must equal
one of the Dockerfile's names: \`Dockerfile.<name>\` / \`<name>.Dockerfile\`; the folder of a Dockerfile that is
the only production one there (\`src/checkoutservice/Dockerfile\`); for go-zero's generic folders
(\`app/usercenter/cmd/rpc/Dockerfile\`) also \`usercenter-rpc\` and \`usercenter\`; at the repository root, the
module name of \`go.mod\` or the \`package.json\` name. Compose services match through \`build.context\` and
\`build.dockerfile\`.

**Bad** (run by \`docker compose\`, no healthcheck anywhere)
\`\`\`dockerfile
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /app /app
ENTRYPOINT ["/app"]
\`\`\`

**Good**
\`\`\`dockerfile
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 CMD ["/app", "healthcheck"]
\`\`\`

Not reported: \`HEALTHCHECK NONE\` (a deliberate choice), development, test and CI Dockerfiles.
`.trim(),
    inputs: ["dockerfile"],
    tags: ["docker", "reliability", "health"],
    precision: "medium",
  },
  check({ repo, report }) {
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      const final = finalStage(dockerfile);
      if (!final || effectiveInstruction(dockerfile, final, "HEALTHCHECK")) continue;
      const range = final.from.instruction.range;

      const containers = containersRunning(repo, dockerfile).filter(isLongRunning);
      if (containers.length > 0) {
        const unprobed = containers.find((c) => !probed(repo.workloads, c));
        if (!unprobed) continue;
        report({
          path: dockerfile.path,
          range,
          severity: "note",
          message: `The final stage has no HEALTHCHECK, and ${lower(containerLabel(unprobed))} (${unprobed.workload.object.path}), which runs this image, has no liveness or readiness probe: nothing notices when the service hangs.`,
          fix: "Add liveness and readiness probes to the Kubernetes container (Kubernetes ignores HEALTHCHECK).",
          related: [{ path: unprobed.workload.object.path, range: containerRange(unprobed), message: "Runs this image without probes." }],
        });
        continue;
      }

      const compose = composeServicesBuilding(repo, dockerfile);
      if (compose.length > 0) {
        const unchecked = compose.find((s) => !isRecord(s.service.healthcheck) || s.service.healthcheck.disable === true);
        if (!unchecked || isRecord(unchecked.service.healthcheck)) continue;
        const production = isProductionCompose(unchecked.document.path);
        report({
          path: dockerfile.path,
          range,
          ...(!production && { severity: "note" as const }),
          message: production
            ? `The final stage has no HEALTHCHECK and Compose service \`${unchecked.name}\` (${unchecked.document.path}), which builds this image, defines no \`healthcheck:\`: Docker keeps a hung container \`running\`, routes to it and never restarts it.`
            : `The final stage has no HEALTHCHECK and Compose service \`${unchecked.name}\` (${unchecked.document.path}), which builds this image, defines no \`healthcheck:\`; this Compose file reads as a local stack, so this matters only if the image also runs under Docker elsewhere: there a hung container stays \`running\` and is never restarted.`,
          related: [{ path: unchecked.document.path, range: unchecked.range, message: "Builds and runs this image without a healthcheck." }],
        });
        continue;
      }

      const names = imageNames(repo, dockerfile);
      const hasKubernetes = repo.kubernetes.length > 0;
      report({
        path: dockerfile.path,
        range,
        severity: "note",
        message: hasKubernetes
          ? `The final stage has no HEALTHCHECK, and no Kubernetes container in this repository could be matched to this image${names.length > 0 ? ` (looked for image names ${names.map((n) => `\`${n}\``).join(", ")})` : ""}: if Kubernetes runs it, give it probes there; if Docker or Compose runs it, add a HEALTHCHECK.`
          : "The final stage has no HEALTHCHECK, and this repository has no Kubernetes manifests or Compose service for this image, so where it runs cannot be verified: outside Kubernetes (Docker, Compose, Swarm, ECS) nothing notices when the service hangs.",
      });
    }
  },
});

function hasProbe(container: Record<string, unknown>): boolean {
  return ["livenessProbe", "readinessProbe"].some((field) => {
    const probe = container[field];
    return isRecord(probe) && PROBE_HANDLERS.some((h) => isRecord(probe[h]));
  });
}

function probed(workloads: Parameters<typeof patchedContainers>[0], container: ContainerRef): boolean {
  return hasProbe(container.container) || patchedContainers(workloads, container).some(hasProbe);
}

function lower(text: string): string {
  return text[0]!.toLowerCase() + text.slice(1);
}

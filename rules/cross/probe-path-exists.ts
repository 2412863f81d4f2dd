import { ts } from "ts-morph";
import type { ContainerRef } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { containerLabel, getIn, isLongRunning, isNonProductionManifest } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { goRoutes, routeServes, tsRoutes, type FileRoutes, type NestGlobalPrefix, type Route } from "../../src/rule-kit/routes.js";
import { goZeroServedPaths, linkContainerToRoots, rootNames, serviceRoots, underRoot } from "../../src/rule-kit/services.js";

const readTsRoutes = tsRoutes(ts);
const PROBES = ["startupProbe", "readinessProbe", "livenessProbe"] as const;

/** What one non-test Go file tells: the folder of a `main` package, and the routes it registers. */
interface FileFacts {
  mainDir?: string;
  routes?: FileRoutes;
}

export default defineRule<FileFacts>({
  meta: {
    id: "cross/probe-path-exists",
    section: "operations",
    title: "Kubernetes httpGet probe paths are routes the service serves",
    severity: "warning",
    rationale:
      "A probe that requests a path the service does not serve gets 404 forever: the pod never becomes ready, or the " +
      "kubelet restarts a healthy container in a loop. No Kubernetes linter can see this: it needs the manifests and the code.",
    remediation: "Point the probe's httpGet.path at a health route the service registers, or register that route.",
    docs: `For every \`httpGet\` probe (startup, readiness, liveness) of a long-running container, finds the code of
the container's service and checks that some route it registers serves the probe's \`path\`.

**Linking a workload to its code.** Code roots are the folders of Go \`main\` packages and of \`package.json\`
files. A container is linked to the roots whose folder path has a segment equal to its image name (the last
path segment of the image, \`gcr.io/x/frontend:1.2\` → \`frontend\`), its container name or its workload name
(compared case-insensitively, also without a \`-service\`, \`-svc\`, \`-api\`, \`-app\` or \`-server\` suffix). When
nothing matches and the repository has exactly one code root, the container is linked to that one.
Routes are those registered by source files under the linked folders.

**Routes** are read from Go (\`net/http\`, gorilla/mux, chi, gin, echo, fiber, go-zero \`AddRoutes\`, and the go-zero
\`DevServer\` health and metrics paths — \`/healthz\` and \`/metrics\` unless \`HealthPath\` / \`MetricsPath\` say
otherwise — when a config under the service folder has a \`DevServer:\` block not turned off by \`Enabled: false\`) and
TypeScript/JavaScript (Express, Fastify, Koa, Hono, NestJS controllers with the global prefix and its \`exclude\` list, URI versions). Path parameters
(\`{id}\`, \`:id\`) match any segment; a computed prefix (\`baseUrl + "/_healthz"\`) matches any prefix; a mounted
router (\`app.use('/health', router)\`) serves everything below its mount point.

Bad (\`src/frontend/main.go\` registers \`/_healthz\`):

\`\`\`yaml
containers:
  - name: server
    image: frontend
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
\`\`\`

Good:

\`\`\`yaml
    readinessProbe:
      httpGet: {path: /_healthz, port: 8080}
\`\`\`

Deliberately not reported:
- containers whose code cannot be linked, or whose linked code registers no route this rule can read (another
  framework, routes built at runtime): nothing is claimed;
- when some registration's path is computed and no seen route matches, a **note** says the path cannot be
  verified, instead of an error;
- templated paths (\`{{ .Values.path }}\`), probes of init containers, Jobs and CronJobs, and manifests under
  test, example and fixture folders; probe ports are not compared.`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "probes", "cross-file"],
    precision: "high",
  },
  analyzeGo(file): FileFacts | undefined {
    if (file.isTest) return undefined;
    const facts: FileFacts = {};
    if (file.packageName === "main") facts.mainDir = file.dir;
    const routes = goRoutes(file);
    if (routes.routes.length || routes.unresolved.length) facts.routes = routes;
    return facts.mainDir !== undefined || facts.routes ? facts : undefined;
  },
  create({ repo, report }) {
    const fileRoutes: FileRoutes[] = [];
    const goMainDirs = new Set<string>();
    return {
      // Go files arrive in file order, all before the TypeScript files, and fileRoutes keeps that order.
      goFacts(facts) {
        if (facts.mainDir !== undefined) goMainDirs.add(facts.mainDir);
        if (facts.routes) fileRoutes.push(facts.routes);
      },
      typescript(file) {
        if (file.isTest) return;
        const routes = readTsRoutes(file);
        if (routes.routes.length || routes.unresolved.length || routes.nestGlobalPrefix) fileRoutes.push(routes);
      },
      end() {
        const roots = serviceRoots(repo, goMainDirs);
        const withRoutes = roots
          .filter((root) => fileRoutes.some((f) => f.routes.some((r) => underRoot(r.file, root))))
          .map((root) => ({ root, names: rootNames(repo, root) }));
        for (const container of repo.containers) {
          if (!isLongRunning(container) || container.workload.partial) continue;
          if (isNonProductionManifest(scanRelative(repo, container.workload.object.path))) continue;
          const probes = PROBES.map((field) => ({ field, path: getIn(container.container, [field, "httpGet", "path"]) }))
            .filter((p): p is { field: (typeof PROBES)[number]; path: string } => typeof p.path === "string" && p.path.startsWith("/") && !p.path.includes("{{"));
          if (probes.length === 0) continue;
          const linked = linkContainerToRoots(container, roots, withRoutes);
          if (linked.length === 0) continue;
          const inRoots = (file: string) => linked.some((root) => underRoot(file, root));
          const seen = fileRoutes.filter((f) => f.routes.length + f.unresolved.length > 0 && (inRoots(f.routes[0]?.file ?? f.unresolved[0]!.file)));
          const routes: Route[] = seen.flatMap((f) => f.routes);
          for (const served of goZeroServedPaths(repo.configs.filter((c) => inRoots(c.path)))) routes.push(served);
          const unresolved = seen.flatMap((f) => f.unresolved);
          const nestPrefix: NestGlobalPrefix | undefined = fileRoutes
            .map((f) => f.nestGlobalPrefix)
            .find((p) => p !== undefined && inRoots(p.file));
          if (routes.length === 0) continue; // routes not visible: claim nothing
          for (const probe of probes) {
            if (routes.some((route) => routeServes(route, probe.path, nestPrefix))) continue;
            reportMissing(container, probe.field, probe.path, routes, unresolved.length > 0, linked);
          }
        }
      },
    };

    function reportMissing(
      container: ContainerRef,
      field: string,
      path: string,
      routes: Route[],
      partial: boolean,
      linked: string[],
    ): void {
      const object = container.workload.object;
      const where = linked.map((r) => `\`${r || "."}\``).join(", ");
      const sample = [...new Set(routes.map((r) => r.path))].slice(0, 5).join(", ");
      const range = object.locate([...container.path, field, "httpGet", "path"]);
      const first = routes[0]!;
      const related = [{ path: first.file, range: first.range, message: `A route registered by the service (${first.path}).` }];
      if (partial) {
        report({
          path: object.path,
          range,
          severity: "note",
          message: `${containerLabel(container)}: the ${field} requests ${path}, which none of the routes seen in ${where} serves (${sample}); some routes there have computed paths, so this cannot be verified.`,
          related,
        });
        return;
      }
      report({
        path: object.path,
        range,
        message: `${containerLabel(container)}: the ${field} requests ${path}, but the service's code in ${where} registers no route for it (routes seen: ${sample}); the probe will get 404.`,
        related,
      });
    }
  },
});

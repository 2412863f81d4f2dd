import { ts } from "ts-morph";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { isNonProductionManifest } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { goRoutes, tsRoutes, type FileRoutes, type Route } from "../../src/rule-kit/routes.js";
import { owningPackageRoot, underRoot } from "../../src/rule-kit/services.js";

const readTsRoutes = tsRoutes(ts);

/** Path segments of routes that are public by design: probes, metrics, sign-in flows, callbacks, docs, assets. */
const EXPECTED_PUBLIC =
  /^(_?health[a-z]*|_?healthz|livez|readyz|ready|readiness|live|liveness|startup|status|ping|metrics|version|login|logout|signin|signout|sign-in|sign-out|signup|sign-up|register|registration|auth|oauth2?|token|refresh|refresh-token|callback|webhooks?|notify|password|forgot-password|reset-password|forgot|reset|verify|confirm|activate|public|static|assets|favicon\.ico|robots\.txt|docs|swagger|openapi|api-docs|\.well-known)$/i;

function expectedPublic(route: Route, extra: RegExp[]): boolean {
  if (route.markedPublic) return true;
  const path = route.path.split("?")[0]!;
  if (path === "/" || path === "") return true;
  if (extra.some((r) => r.test(path))) return true;
  return path.split("/").some((segment) => {
    const word = segment.replace(/^:|[{}]/g, "");
    // camelCase handlers (`thirdPaymentWxPayCallback`, `userLogin`): the last word counts too.
    const last = word.split(/(?=[A-Z])/).pop() ?? word;
    return EXPECTED_PUBLIC.test(word) || EXPECTED_PUBLIC.test(last);
  });
}

/** What one Go file contributes: whether it is in a main package (a service root), and the routes it registers. */
interface FileFacts {
  dir: string;
  isMain: boolean;
  /** Only when the file registers a route or a global auth middleware. */
  routes?: FileRoutes;
}

export default defineRule<FileFacts>({
  meta: {
    id: "security/routes-authenticated",
    section: "security",
    title: "Every route of an authenticated service requires authentication",
    severity: "warning",
    rationale:
      "When a service protects its routes one by one, a route added without the middleware or guard is open to anyone: " +
      "the classic broken-access-control defect, invisible in review because the route itself looks normal.",
    remediation:
      "Add the service's auth middleware or guard to the route (or its group), or mark it public on purpose (@Public(), a public group).",
    docs: `Groups the HTTP routes of each service (Go: the nearest \`main\` package above the file; Node: the nearest
package.json) and, when **some** of them require authentication, reports the others that do not.

A route requires authentication when an auth middleware or guard applies to it: go-zero \`rest.WithJwt\` (goctl's
\`jwt:\` block in the \`.api\` file, seen in the generated \`routes.go\`) or an auth middleware in
\`rest.WithMiddlewares\`; gin / echo / fiber groups created with, or \`.Use\`-ing, a middleware named like auth
(\`auth\`, \`jwt\`, \`token\`, \`guard\`, \`session\`, \`permission\`, \`rbac\`, ...); chi \`Route\` / \`Group\` closures with such
a \`Use\`; Express / Fastify per-route middleware and \`preHandler\` hooks; NestJS \`@UseGuards\` on the controller or
the method.

A service with a global guard (NestJS \`{ provide: APP_GUARD }\`, \`app.useGlobalGuards\`, \`consumer.apply(AuthMiddleware)\`,
\`app.use(authMiddleware)\`, a Go router-level \`r.Use(auth)\`) is treated as fully authenticated: routes that opt out
do so with a marker such as \`@Public()\`, which is deliberate.

Bad (gin):

\`\`\`go
api := r.Group("/api", middleware.JWTAuth())
api.GET("/orders", listOrders)
r.DELETE("/api/orders/:id", deleteOrder)   // reported: the rest of /api requires a token
\`\`\`

Good:

\`\`\`go
api.DELETE("/orders/:id", deleteOrder)
\`\`\`

Not reported:
- services where no route requires authentication (they may sit behind a gateway that authenticates);
- routes public by design: health and readiness probes, \`/metrics\`, \`/version\`, \`/\`, sign-in / sign-up / token /
  password-reset flows, OAuth and payment callbacks and webhooks, docs, static assets — judged by path segment
  (including the last word of a camelCase segment, e.g. \`thirdPaymentWxPayCallback\`) — and routes marked
  \`@Public()\` / \`@SkipAuth()\` / \`@AllowAnonymous()\`;
- test files and code under test and example folders.

Add paths your service serves publicly on purpose with the \`publicPaths\` option (regular expressions matched
against the route's full path).`,
    inputs: ["go", "typescript"],
    tags: ["security", "authorization", "http"],
    precision: "medium",
    securitySeverity: 6.5,
    options: {
      publicPaths: {
        type: "string[]",
        default: [],
        description: "Regular expressions for route paths that are public on purpose (matched against the full path, e.g. \"^/api/v1/products\").",
      },
    },
  },
  analyzeGo(file): FileFacts | undefined {
    if (file.isTest) return undefined;
    const isMain = file.packageName === "main";
    const routes = goRoutes(file);
    const hasRoutes = routes.routes.length > 0 || routes.globalAuth !== undefined;
    if (!isMain && !hasRoutes) return undefined;
    return { dir: file.dir, isMain, ...(hasRoutes ? { routes } : {}) };
  },
  create({ repo, report, options }) {
    const extra = (options.publicPaths as string[]).map((p) => new RegExp(p));
    const goFiles: { dir: string; routes: FileRoutes }[] = [];
    const goMainDirs: string[] = [];
    const tsFiles: { root: string; routes: FileRoutes }[] = [];
    const production = (path: string) => !isNonProductionManifest(scanRelative(repo, path));
    return {
      goFacts(facts) {
        if (facts.isMain) goMainDirs.push(facts.dir);
        if (facts.routes) goFiles.push({ dir: facts.dir, routes: facts.routes });
      },
      typescript(file) {
        if (file.isTest) return;
        const routes = readTsRoutes(file);
        if (routes.routes.length > 0 || routes.globalAuth) tsFiles.push({ root: owningPackageRoot(repo, file.path) ?? "", routes });
      },
      end() {
        const services = new Map<string, FileRoutes[]>();
        const add = (key: string, routes: FileRoutes) => services.set(key, [...(services.get(key) ?? []), routes]);
        for (const { dir, routes } of goFiles) {
          // The nearest main package above (or at) the file's folder is its service.
          const owner = goMainDirs.filter((m) => underRoot(dir, m)).sort((a, b) => b.length - a.length)[0];
          add(`go:${owner ?? ""}`, routes);
        }
        for (const { root, routes } of tsFiles) add(`ts:${root}`, routes);

        for (const [key, files] of services) {
          if (files.some((f) => f.globalAuth)) continue;
          const routes = files.flatMap((f) => f.routes).filter((r) => production(r.file));
          const authenticated = routes.filter((r) => r.auth);
          if (authenticated.length === 0) continue;
          const guard = authenticated[0]!.guards?.[0] ?? "an auth middleware";
          for (const route of routes) {
            if (route.auth || expectedPublic(route, extra)) continue;
            const where = key.slice(3) || ".";
            report({
              path: route.file,
              range: route.range,
              message: `Route ${route.method ?? "ANY"} ${route.path} has no authentication, while ${authenticated.length} other route${authenticated.length === 1 ? "" : "s"} of the service in \`${where}\` require${authenticated.length === 1 ? "s" : ""} it (${guard}): anyone who can reach the service can call it.`,
              related: [{ path: authenticated[0]!.file, range: authenticated[0]!.range, message: `An authenticated route (${authenticated[0]!.path}).` }],
            });
          }
        }
      },
    };
  },
});

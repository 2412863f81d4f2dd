import type { ConfigDocument, ConfigEntry } from "../../src/model/artifacts.js";
import { commandConfig, isGoZeroConfig } from "../../src/rule-kit/app-config.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { isNonProductionDockerfile } from "../../src/rule-kit/docker.js";
import { filesInFinalImage } from "../../src/rule-kit/image-files.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { posix } from "../../src/rule-kit/posix-path.js";

/** Keys that hold a connection string on their own (go-zero `DataSource`, `Dsn`, `Url`). */
const CONNECTION_KEYS = new Set(["datasource", "dsn", "url", "uri", "connectionstring", "connstring", "databaseurl", "redisurl", "mongourl", "mongouri"]);
/** Keys that hold a host or an address, counted only under a dependency's block. */
const ADDRESS_KEYS = new Set(["host", "hosts", "addr", "addrs", "address", "addresses", "brokers", "broker", "endpoints", "endpoint", "servers", "server", "nodes", "seeds"]);
/** Blocks that configure a dependency (a database, cache, registry or broker), matched by word. */
const DEPENDENCY_WORDS = [
  "db", "database", "mysql", "postgres", "postgresql", "pg", "mongo", "mongodb", "redis", "cache", "etcd", "kafka", "kq",
  "rabbitmq", "amqp", "nats", "elasticsearch", "es", "clickhouse", "consul", "nacos", "zookeeper", "zk", "memcached",
  "rpc", "zrpc", "broker", "queue", "mq", "storage", "minio", "s3",
];
/** The service's own listeners and local agents are meant to be local. */
const OWN_BLOCKS = new Set(["devserver", "prometheus", "telemetry", "tracing", "jaeger", "log", "middlewares", "signature"]);

const LOCAL_HOST = /(^|[@(/,\s=;])(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?=$|[:/)\s,;?])/i;

function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** A dependency address pointing at the container itself, with a label for messages. */
function localDependency(entry: ConfigEntry): string | undefined {
  if (typeof entry.value !== "string" || !LOCAL_HOST.test(entry.value)) return undefined;
  const keys = entry.path.filter((s): s is string => typeof s === "string");
  if (keys.some((k) => OWN_BLOCKS.has(k.toLowerCase()))) return undefined;
  const last = keys[keys.length - 1]?.toLowerCase();
  if (!last) return undefined;
  const dependency = keys.slice(0, -1).find((k) => words(k).some((w) => DEPENDENCY_WORDS.includes(w)));
  if (CONNECTION_KEYS.has(last.replace(/[_-]/g, ""))) return dependency ?? keys[keys.length - 1];
  if (ADDRESS_KEYS.has(last) && dependency) return dependency;
  return undefined;
}

function display(path: ConfigEntry["path"]): string {
  let out = "";
  for (const segment of path) out += typeof segment === "number" ? `[${segment}]` : out ? `.${segment}` : segment;
  return out;
}

const LOCAL_NAME = /(^|[.\-_/])(dev|develop|development|local|localhost|test|testing|example|sample)([.\-_]|$)/i;

export default defineRule({
  meta: {
    id: "cross/dev-config-in-image",
    section: "foundation",
    title: "Production images do not ship a config that points dependencies at localhost",
    severity: "warning",
    rationale:
      "A config copied into the production image whose database, cache, Etcd or Kafka address is 127.0.0.1 or localhost makes the container connect to itself: it fails at start-up or, worse, only when that dependency is first used.",
    remediation: "Ship a config whose dependency addresses come from the environment (${DB_HOST}) or a mounted ConfigMap, and keep localhost values in a development-only file.",
    docs: `Follows each production Dockerfile's final stage (through \`FROM <stage>\` parents, \`WORKDIR\` and
\`COPY --from=<stage>\` back to the build context) to the repository config files it copies in, and reports
dependency addresses in them that point at the container itself: \`localhost\`, \`127.x.x.x\` or \`[::1]\`.
Inside a container those reach nothing (or a sidecar nobody deployed).

Which values count:
- connection strings under any key named \`DataSource\`, \`Dsn\`, \`Url\`, \`Uri\`, \`ConnectionString\`
  (\`root:pw@tcp(127.0.0.1:3306)/db\`, \`postgres://...@localhost/db\`);
- \`Host\`, \`Hosts\`, \`Addr\`, \`Addrs\`, \`Brokers\`, \`Endpoints\`, ... under a dependency's block: go-zero's
  \`Redis.Host\`, \`Cache[0].Host\`, \`Etcd.Hosts\`, Kafka \`Brokers\`, \`Mongo\`, \`DB\`, RPC clients (\`XxxRpc.Etcd\`).

Which files count: when the image's \`CMD\`/\`ENTRYPOINT\` names its config (\`-f etc/app.yaml\`), only that
file; otherwise every go-zero config the image contains, except files named for development
(\`*dev*\`, \`*local*\`, \`*test*\`, \`*example*\`). One finding per value, at the value, with the \`COPY\` that
puts the file into the image as a related location.

Bad (\`etc/patient.yaml\`, copied by \`COPY --from=builder /app/etc /app/etc\`):

\`\`\`yaml
Etcd:
  Hosts:
    - 127.0.0.1:2379
DB:
  DataSource: app:\${DB_PASSWORD}@tcp(localhost:3306)/clinical_trial
\`\`\`

Good:

\`\`\`yaml
Etcd:
  Hosts:
    - etcd.infra.svc.cluster.local:2379
DB:
  DataSource: app:\${DB_PASSWORD}@tcp(\${DB_HOST}:3306)/clinical_trial
\`\`\`

Not reported: the service's own listeners (\`ListenOn: 0.0.0.0:8080\`, \`Host\`, \`DevServer\`,
\`Prometheus\`), local agents (\`Telemetry.Endpoint: http://localhost:4318\` for a collector sidecar),
configs used only by docker compose (no production Dockerfile copies them), and non-production Dockerfiles
(\`Dockerfile.dev\`, \`.devcontainer/\`, \`test/\`, images that run a live-reloader). A config baked in
but replaced at run time by a ConfigMap mounted over the same path still ships these values; if that is
your setup, suppress the finding with a reason.`,
    inputs: ["dockerfile", "config"],
    tags: ["cross-file", "docker", "config"],
    precision: "high",
  },
  check({ repo, report }) {
    const seen = new Set<string>();
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      const named = commandConfig(repo, dockerfile);
      let docs: { doc: ConfigDocument; copy: { argsRange: ConfigEntry["range"] } }[];
      if (named) {
        docs = [{ doc: named.doc, copy: named.copy }];
      } else {
        const candidates = repo.configs.filter((c) => c.format !== "env" && isGoZeroConfig(c) && !LOCAL_NAME.test(posix.basename(c.path)));
        docs = filesInFinalImage(repo, dockerfile, candidates.map((c) => c.path)).map((f) => ({
          doc: candidates.find((c) => c.path === f.path)!,
          copy: f.instruction,
        }));
      }
      for (const { doc, copy } of docs) {
        for (const entry of doc.entries) {
          const dependency = localDependency(entry);
          if (!dependency) continue;
          const key = `${doc.path}:${entry.range.start.line}:${entry.range.start.column}`;
          if (seen.has(key)) continue;
          seen.add(key);
          report({
            path: doc.path,
            range: entry.range,
            message: `"${display(entry.path)}" points ${dependency} at the container itself (localhost), and ${dockerfile.path} copies this file into its production image${named ? " and runs the app with it" : ""}: in the container nothing listens there, so the service cannot reach ${dependency}.`,
            related: [{ path: dockerfile.path, range: copy.argsRange, message: "Copies the config into the final image." }],
          });
        }
      }
    }
  },
});

import type { DockerInstruction } from "../../src/model/artifacts.js";
import { isComposeFile, shellWords } from "../../src/rule-kit/docker-build.js";
import { getIn, isRecord } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import type { Severity } from "../../src/model/finding.js";
import type { ObjectPath, Range } from "../../src/model/location.js";
import { ts } from "ts-morph";
import { defineRule, type RuleContext } from "../../src/rule-kit/define-rule.js";
import { goSecretCandidates, isSourceNonSecretValue, sourceSecretsKit, type SourceSecretCandidate } from "../../src/rule-kit/source-secrets.js";
import {
  findConnectionPasswords,
  findKnownTokens,
  scanEmbeddedText,
  scanValue,
  secretContext,
  type SecretContext,
  type SecretHit,
} from "../../src/rule-kit/secrets.js";

const DOCS = `
Flags credentials written into files that are committed: service configs (YAML, JSON, \`.env\`),
Kubernetes manifests and Dockerfiles. A committed credential is readable by everyone who can read the
repository, its forks, its CI logs and every image built from it; it outlives a \`git rm\` in the
history, and it is the same in every environment, so it cannot be rotated without a commit.

What counts as a secret (no entropy guessing: image digests, lock hashes and UUIDs never fire):

- **a secret-like key holding a literal**: \`Password\`, go-zero's Redis \`Pass\`, \`Auth.AccessSecret\`,
  \`JwtSecret\`, \`api_key\`, \`client_secret\`, \`AWS_SECRET_ACCESS_KEY\`, a bare \`Key\` under \`Jwt:\`.
  Letters-only values count (\`AccessSecret: a_long_secret_key\`). Keys *about* a secret do not:
  \`secretName\`, \`existingSecret\`, \`token_expire\`, \`passwordFile\`, \`AccessKeyId\`, \`publicKey\`;
- **a connection string with an inline password**: \`root:pw@tcp(127.0.0.1:3306)/db\` (Go MySQL DSN),
  \`postgres://\`, \`mysql://\`, \`mongodb(+srv)://\`, \`redis://:pw@host\`, \`amqp://\`, any
  \`scheme://user:pw@host\`, \`?password=\` in a JDBC/URL query string and \`Password=\` in key=value
  connection strings — under any key;
- **a provider's token format**, as documented by the provider: AWS access key ids (\`AKIA\`/\`ASIA\`),
  GitHub (\`ghp_\`, \`gho_\`, \`ghu_\`, \`ghs_\`, \`ghr_\`, \`github_pat_\`), GitLab (\`glpat-\`), Slack
  (\`xox?-\`, \`xapp-\`, incoming webhooks), Stripe live keys (\`sk_live_\`, \`rk_live_\`), Google API keys
  (\`AIza\`), npm (\`npm_\`), SendGrid, OpenAI and Anthropic keys, signed JWTs, and
  \`-----BEGIN ... PRIVATE KEY-----\` blocks with a real body — under any key.

Where:

- **configs**: every scalar; a \`NAME=value\` or \`--flag=value\` list item, a list item after a \`--flag\`
  item and a \`{name, value}\` pair are read as that name; a \`command\` / \`args\` / \`entrypoint\` string is
  read flag by flag (\`redis-server --requirepass s3cr3t\`: Redis' \`requirepass\` and \`masterauth\` are
  passwords); a multi-line value (an embedded file) is read line by line;
- **Kubernetes**: container \`env\` \`value:\` literals (\`valueFrom.secretKeyRef\` is the fix), ConfigMap
  \`data\` (including embedded config files), custom resources, and \`kind: Secret\` manifests. A Secret's
  \`data\` is only base64 — encoding, not encryption — so a committed Secret with real values **is** a
  committed secret and is reported (values are decoded first); placeholders, empty values and
  SOPS-encrypted (\`ENC[...]\`) values are not. Object \`metadata\` is only searched for token formats;
- **Dockerfiles**: \`ENV\` and \`ARG\` with a secret-like name and a literal value (an \`ARG\` without a
  default is the right way to pass a build-time value), and token formats or connection passwords in
  any instruction (a \`RUN git clone https://user:token@...\` is stored in the image history).

**Placeholders and references are silent**: empty values, \`\${VAR}\`, \`$(VAR)\`, \`$VAR\`,
\`{{ .Values.x }}\`, \`ENC[...]\`, \`vault:...\`, \`arn:aws:secretsmanager:...\`, \`op://...\`,
\`{cipher}...\`, \`$ANSIBLE_VAULT;...\`, CloudFormation \`!Ref\` / \`!GetAtt\` names, \`changeme\`,
\`<password>\`, \`xxx\`, \`***\`, \`your-secret-here\`, \`dummy\`, \`test\`, Stripe \`sk_test_\` keys,
variable names like \`DB_PASSWORD\`, file paths, URLs without credentials, sentences, and short
numbers (\`token: 3600\` is a duration). A \`\${VAR:-fallback}\` is treated as a reference even
though its fallback is a literal.

**Well-known defaults are reported** (decided deliberately): \`root:password@tcp(...)\`,
\`Password: root\`, \`amqp://guest:guest@...\` are the real credentials of a real database config —
committed, and guessable as well. They are errors in deployable configs and notes in local-only
stacks (\`docker-compose*.yml\`, \`compose*.yaml\`, a plain \`.env\`, files named \`*dev*\` / \`*local*\`).
Real-looking secrets are errors everywhere.

**Reference kinds are skipped**: External Secrets (\`ExternalSecret\`, \`SecretStore\`, ...), the Secrets
Store CSI \`SecretProviderClass\` and Vault operator objects hold names and paths of secrets, not values.

**Files that hold fakes by convention** — under \`test/\`, \`tests/\`, \`__tests__/\`, \`testdata/\`,
\`fixtures/\`, \`docs/\`, translation folders (\`locales/\`, \`i18n/\`), and \`*.example\`, \`*.sample\`,
\`*.template\`, \`.env.example\`, \`.env.dist\`, \`*.test.*\` — are not reported, except a real-looking provider token (a note: if it is real, revoke it).
An \`examples/\` folder *is* checked: it usually holds a runnable service whose config gets copied.

Messages name the key and the kind of secret, never the value; the engine also masks it.

Bad (\`etc/config.yaml\`, go-zero):

\`\`\`yaml
DB:
  DataSource: root:password@tcp(127.0.0.1:3306)/clinical_trial
Auth:
  AccessSecret: "a_long_secret_key"
\`\`\`

Good — go-zero expands \`\${VAR}\` from the environment, filled from a Kubernetes Secret:

\`\`\`yaml
DB:
  DataSource: \${DB_USER}:\${DB_PASSWORD}@tcp(\${DB_HOST})/clinical_trial
Auth:
  AccessSecret: \${JWT_ACCESS_SECRET}
\`\`\`

\`\`\`yaml
env:
  - name: JWT_ACCESS_SECRET
    valueFrom:
      secretKeyRef: { name: patient-rpc, key: jwt-access-secret }
\`\`\`

Bad / good Dockerfile:

\`\`\`dockerfile
ENV API_TOKEN=3f9a1c0e7b2d4e8f   # baked into the image config
ARG NPM_TOKEN                    # fine: no default, passed at build time (better: RUN --mount=type=secret)
\`\`\`

**Go and TypeScript/JavaScript source**: string literals bound to a secret-like name — a constant or
variable (\`const apiKey = "..."\`), a struct field or object property (\`Password: "..."\`,
\`{ secret: "..." }\`, which covers \`JwtModule.register({ secret: "..." })\`), an assignment
(\`cfg.Token = "..."\`), a parameter default — including the fallback of \`process.env.X || "..."\` /
\`?? "..."\` (the literal is what runs whenever the variable is missing); JWT keys written straight into the
call that uses them: \`jwt.sign(payload, "...")\` / \`jwt.verify(token, "...")\` (jsonwebtoken),
\`token.SignedString([]byte("..."))\`, a golang-jwt / jwt-go key function returning \`[]byte("...")\`, go-zero
\`rest.WithJwt("...")\`; and token formats and connection strings with a password in any literal.

\`\`\`ts
// Bad
const token = jwt.sign(claims, process.env.JWT_SECRET || "s3cr3t-signing-key");
// Good: fail at startup when the secret is missing
const secret = process.env.JWT_SECRET;
if (!secret) throw new Error("JWT_SECRET is not set");
\`\`\`

Test files (\`_test.go\`, \`*.spec.ts\`, \`__tests__/\`), generated files and the placeholder folders above are not
reported in source either (only a real-looking provider token, as a note); format strings (\`%s:%s@tcp(...)\`),
struct tags and import paths are never values. Also silent in source: the *name* of a secret
(\`postgresPassword: "app-postgres-password"\`, an infrastructure resource name), a stored password hash
(\`password: "<sha-256 hex>"\`, bcrypt, argon2) in a seed or migration, \`mock_\` values, and literals inside
functions or classes named for test data (\`getTestUsers\`, \`MockAuth\`, \`fakeJWT\`).

Not reported: standalone \`.pem\`/\`.key\` files (not read by this tool), secrets that match no name, format or
connection-string shape, and literals whose name says nothing (\`sign(p, key)\` where \`key\` comes from elsewhere).
`;

const REMEDIATION =
  "Remove the literal, inject it at deploy time (environment variable from a Kubernetes Secret or a secret manager), and rotate it: it stays in the Git history.";

/** What one Go file holds for the rule: its string literals that scanned as secrets, in source order. */
interface FileFacts {
  found: ScannedLiteral[];
}

export default defineRule<FileFacts>({
  meta: {
    id: "secrets/hardcoded-secret",
    section: "foundation",
    title: "No hardcoded secrets in configs, manifests, Dockerfiles or source",
    severity: "error",
    rationale:
      "A committed credential is readable by everyone with access to the repository, its history and every image built from it, and it cannot be rotated per environment without a commit.",
    remediation: REMEDIATION,
    docs: DOCS,
    inputs: ["config", "kubernetes", "dockerfile", "go", "typescript"],
    tags: ["security", "secrets", "config", "kubernetes", "docker", "go", "typescript"],
    precision: "high",
    securitySeverity: 8.0,
  },
  // The costly part, finding and scanning literals, runs per file; how strictly to judge the file depends
  // on the scanned folder (`repo.scanPrefix`), which only the main thread knows, so reporting waits for goFacts.
  analyzeGo(file): FileFacts | undefined {
    // Test code holds fixtures by design; generated code is not where a secret is typed in.
    if (file.isTest || file.isGenerated) return undefined;
    const found = scanCandidates(goSecretCandidates(file));
    return found.length > 0 ? { found } : undefined;
  },
  create(context) {
    return {
      goFacts: (facts, path) => reportSource(context, path, facts.found),
      typescript: (file) =>
        !file.isTest && !file.isGenerated && reportSource(context, file.path, scanCandidates(tsSecrets.typescriptSecretCandidates(file.ast, file.imports))),
      end() {
        checkConfigs(context);
        checkKubernetes(context);
        checkDockerfiles(context);
      },
    };
  },
});

// ---------------------------------------------------------------------------------------------
// Source

const tsSecrets = sourceSecretsKit(ts);

/** A source literal whose value scanned as a secret: plain data, so a worker thread can hand it over. */
interface ScannedLiteral {
  value: string;
  where: string;
  range: Range;
  jwt: boolean;
  inFixtureCode: boolean;
  hits: SecretHit[];
}

/** The candidates whose value holds a secret, with their hits (independent of where the file lies). */
function scanCandidates(candidates: SourceSecretCandidate[]): ScannedLiteral[] {
  const found: ScannedLiteral[] = [];
  for (const candidate of candidates) {
    // A key handed straight to a JWT API is a secret whatever it is called.
    const all = candidate.jwt ? scanValue("jwtSecret", candidate.value) : scanValue(candidate.key, candidate.value, candidate.parentKey);
    // A key handed to a JWT API is the key whatever it looks like; a name may be the name *of* a secret.
    const hits = candidate.jwt ? all : all.filter((h) => h.kind !== "named-value" || !isSourceNonSecretValue(candidate.key, candidate.value));
    if (hits.length === 0) continue;
    found.push({ value: candidate.value, where: candidate.where, range: candidate.range, jwt: !!candidate.jwt, inFixtureCode: !!candidate.inFixtureCode, hits });
  }
  return found;
}

function reportSource(context: RuleContext, path: string, found: readonly ScannedLiteral[]) {
  if (found.length === 0) return;
  const fileContext = secretContext(scanRelative(context.repo, path));
  for (const literal of found) {
    reportHits(
      context,
      {
        path,
        range: literal.range,
        where: literal.where,
        why: literal.jwt
          ? "Anyone who can read the repository can mint tokens that this service accepts, and the key cannot differ per environment."
          : "Anyone who can read the repository can use this credential; it is compiled into every build and cannot differ per environment.",
        fix: literal.jwt
          ? "Read the key from the environment or a secret store at startup, fail fast when it is missing (no literal fallback), and rotate it."
          : "Read the value from the environment or a secret store at startup (no literal fallback), and rotate the credential: it stays in the Git history.",
      },
      literal.hits,
      // Test-data builders (`getTestUsers`, `MockAuth`) are read like test files.
      literal.inFixtureCode ? "placeholder" : fileContext,
      [literal.value],
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting

interface Place {
  path: string;
  range: Range;
  /** Names the place for the message: `key "Auth.AccessSecret"`, `env var DB_PASSWORD of container "api"`. */
  where: string;
  /** Why a secret here matters, specific to the artifact. */
  why: string;
  fix: string;
}

/** Reports the strongest hit of one value; every hit's secret (and `extraSecrets`) is masked. */
function reportHits(context: RuleContext, place: Place, hits: SecretHit[], fileContext: SecretContext, extraSecrets: string[] = []) {
  const relevant = fileContext === "placeholder" ? hits.filter(isUnmistakableToken) : hits;
  const first = relevant[0];
  if (!first) return;
  const secrets = [...new Set([...hits.map((h) => h.secret), ...extraSecrets])];
  let severity: Severity | undefined;
  let qualifier = "";
  if (fileContext === "placeholder") {
    severity = "note";
    qualifier = " in a file that by convention holds fake values; if it is real, revoke it";
  } else if (first.weakDefault && fileContext === "local") {
    severity = "note";
    qualifier = " (a well-known default in a local-only stack: make sure it never reaches a deployed environment)";
  } else if (first.weakDefault) {
    qualifier = " (a well-known default value, so also guessable)";
  }
  const what = first.kind === "named-value" ? "holds a hardcoded secret" : `contains ${first.label}`;
  const where = capitalize(place.where);
  const message = pick(
    [
      `${where} ${what}${qualifier}. ${place.why}`,
      // The same, without the words a weak secret may equal ("password", "secret", "local").
      `${where} ${neutral(what)}${neutral(qualifier)}. ${neutral(place.why)}`,
      `${where}: a credential is committed in plain text. Anyone with read access to the repository can use it.`,
      "A credential is committed in plain text here. Anyone with read access to the repository can use it.",
    ],
    secrets,
  );
  const fix = pick([place.fix, "Inject the value at deploy time from the environment or a vault, and rotate it: it is already in the Git history."], secrets);
  context.report({ path: place.path, range: place.range, message, fix, secrets, ...(severity && { severity }) });
}

/** In files of fakes, only a provider token is worth a note (test keys and JWTs there are routine). */
function isUnmistakableToken(hit: SecretHit): boolean {
  return hit.kind === "provider-token" && !hit.label.includes("JSON Web Token");
}

/**
 * The engine masks secrets wherever they appear, which garbles a message when the secret is an
 * ordinary word ("password", "secret"). Prefer a wording that does not contain it.
 */
function pick(candidates: string[], secrets: string[]): string {
  const masked = secrets.filter((s) => s.length >= 4);
  return candidates.find((text) => !masked.some((s) => text.includes(s))) ?? candidates[candidates.length - 1]!;
}

function neutral(text: string): string {
  return text
    .replace(/passwords?/gi, "credential")
    .replace(/secrets?/gi, "credential")
    .replace(/local-only/g, "throwaway")
    .replace(/well-known default/g, "widely used");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Secrets in one scalar: line by line for an embedded file, else the value as a whole. */
function hitsOf(key: string | undefined, value: string, parentKey?: string): { hits: SecretHit[]; embedded?: { line: number; key?: string }; flag?: string } {
  // `command: redis-server --requirepass s3cr3t`: each secret-named flag of a command line is a key and value.
  if (key !== undefined && COMMAND_KEYS.has(key.toLowerCase()) && /\s/.test(value.trim())) {
    const flagged = commandFlags(value).map((flag) => ({ flag, hits: scanValue(flag.name, flag.value) })).filter((f) => f.hits.length > 0);
    const hits = flagged.flatMap((f) => f.hits);
    const whole = [...findKnownTokens(value), ...findConnectionPasswords(value)];
    const first = flagged[0]?.flag;
    return { hits: [...hits, ...whole.filter((w) => !hits.some((h) => h.secret === w.secret))], ...(first ? { flag: `--${first.name}` } : {}) };
  }
  if (value.includes("\n")) {
    const found = scanEmbeddedText(value);
    if (found.length === 0) return { hits: [] };
    const first = found[0]!;
    // A PEM block is the whole value, not a line of an embedded file.
    const embedded = first.hit.kind === "private-key" ? undefined : { line: first.line + 1, key: first.key };
    return { hits: found.map((f) => f.hit), embedded };
  }
  return { hits: scanValue(key, value, parentKey) };
}

/** Keys whose value is a command line (Compose, Kubernetes containers, Dockerfile-like configs). */
const COMMAND_KEYS = new Set(["command", "args", "entrypoint", "cmd"]);

/** `--name value` and `--name=value` pairs of a command line (shell words, quotes removed; no expansion). */
function commandFlags(line: string): { name: string; value: string }[] {
  const words = shellWords(line);
  const flags: { name: string; value: string }[] = [];
  for (let i = 0; i < words.length; i++) {
    const flag = /^--?([A-Za-z][\w.-]*)(?:=(.*))?$/s.exec(words[i]!);
    if (!flag) continue;
    if (flag[2] !== undefined) flags.push({ name: flag[1]!, value: flag[2] });
    else if (i + 1 < words.length && !words[i + 1]!.startsWith("-")) flags.push({ name: flag[1]!, value: words[++i]! });
  }
  return flags;
}

function embeddedWhere(where: string, embedded: { line: number; key?: string } | undefined): string {
  if (!embedded) return where;
  const inner = embedded.key ? `"${embedded.key}" at line ${embedded.line}` : `line ${embedded.line}`;
  return `${where} (an embedded file; ${inner} of it)`;
}

// ---------------------------------------------------------------------------------------------
// Shared walking helpers

/** `"Auth.AccessSecret"`, or `"environment[0]" (DATABASE_URL)` when a list item names itself. */
function keyLabel(path: ObjectPath, namedKey: string | undefined): string {
  const last = [...path].reverse().find((s) => typeof s === "string");
  const shown = `"${displayPath(path)}"`;
  return namedKey && namedKey !== last ? `${shown} (${namedKey})` : shown;
}

/** `Auth.AccessSecret`, `Cache[0].Pass`. */
function displayPath(path: ObjectPath): string {
  let out = "";
  for (const segment of path) out += typeof segment === "number" ? `[${segment}]` : out ? `.${segment}` : segment;
  return out;
}


/**
 * The name a scalar goes by: its key, except for a `{name, value}` pair (env vars, Helm parameters)
 * and a `NAME=value` / `--flag=value` list item, where the name is the real key.
 */
function nameOf(body: unknown, path: ObjectPath, value: string): { key?: string; parentKey?: string; value: string } {
  const last = path[path.length - 1];
  const strings = path.filter((s): s is string => typeof s === "string");
  if (last === "value") {
    const name = getIn(body, [...path.slice(0, -1), "name"]);
    if (typeof name === "string") return { key: name, parentKey: strings[strings.length - 2], value };
  }
  if (typeof last === "number") {
    const assignment = /^(?:--?)?([A-Za-z_][\w.-]*)=(.*)$/s.exec(value);
    if (assignment) return { key: assignment[1], parentKey: strings[strings.length - 1], value: assignment[2]! };
    // `args: ["--requirepass", "s3cr3t"]`: the flag before a list item names it.
    const previous = last > 0 ? getIn(body, [...path.slice(0, -1), last - 1]) : undefined;
    const flag = typeof previous === "string" ? /^--?([A-Za-z][\w.-]*)$/.exec(previous) : null;
    if (flag && !value.startsWith("-")) return { key: flag[1], parentKey: strings[strings.length - 1], value };
  }
  return { key: strings[strings.length - 1], parentKey: strings[strings.length - 2], value };
}

// ---------------------------------------------------------------------------------------------
// Configs

function checkConfigs(context: RuleContext) {
  for (const doc of context.repo.configs) {
    const fileContext = secretContext(scanRelative(context.repo, doc.path));
    const templateNames = cloudFormationNames(doc.body);
    for (const entry of doc.entries) {
      if (typeof entry.value !== "string" && typeof entry.value !== "number") continue;
      // `!Ref DBPassword` reaches us as "DBPassword" (the YAML tag is dropped): a name, not a value.
      if (typeof entry.value === "string" && templateNames.has(entry.value.split(".")[0]!)) continue;
      const named = nameOf(doc.body, entry.path, String(entry.value));
      const { hits, embedded, flag } = hitsOf(named.key, named.value, named.parentKey);
      if (hits.length === 0) continue;
      reportHits(
        context,
        {
          path: doc.path,
          range: entry.range,
          where: embeddedWhere(doc.format === "env" ? `variable ${entry.key}` : `key ${keyLabel(entry.path, flag ?? named.key)}`, embedded),
          why: "Anyone who can read the repository, its history or an image built from it can use this credential, and it cannot differ per environment.",
          fix:
            doc.format === "env"
              ? "Keep real .env files out of Git (.gitignore; commit a .env.example with placeholders), set the variable from a secret store at deploy time, and rotate the credential: it stays in the Git history."
              : isComposeFile(doc.path)
                ? "Write ${VARIABLE} instead (Compose substitutes it from the environment or an untracked .env), or use Compose `secrets:`; keep the value out of Git and rotate the credential: it stays in the Git history."
                : "Replace the literal with a reference resolved at run time (go-zero and most loaders expand ${VAR} from the environment), fill the variable from a secret store, and rotate the credential: it stays in the Git history.",
        },
        hits,
        fileContext,
        [String(entry.value)],
      );
    }
  }
}

/** Parameter and resource names of a CloudFormation / SAM template, which `!Ref` and `!GetAtt` name. */
function cloudFormationNames(body: unknown): Set<string> {
  const names = new Set<string>();
  if (!isRecord(body) || !isRecord(body.Resources)) return names;
  for (const section of ["Parameters", "Resources", "Conditions", "Mappings"]) {
    const value = body[section];
    if (isRecord(value)) for (const name of Object.keys(value)) names.add(name);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

const CONTAINER_LISTS = new Set(["containers", "initContainers", "ephemeralContainers"]);

/**
 * Kinds that exist to point at secrets kept elsewhere (External Secrets, Secrets Store CSI, Vault
 * operators): their `secretKey` / `key` fields are names and paths, never values.
 */
const SECRET_REFERENCE_KINDS = new Set([
  "ExternalSecret", "ClusterExternalSecret", "SecretStore", "ClusterSecretStore", "PushSecret",
  "SecretProviderClass", "VaultStaticSecret", "VaultDynamicSecret", "VaultAuth", "VaultConnection",
]);

function checkKubernetes(context: RuleContext) {
  for (const object of context.repo.kubernetes) {
    if (SECRET_REFERENCE_KINDS.has(object.kind)) continue;
    const fileContext = secretContext(scanRelative(context.repo, object.path));
    const objectName = `${object.kind} "${object.name}"`;
    walkLeaves(object.body, [], (path, raw) => {
      // The object's and the pod template's metadata.
      const inMetadata = path.includes("metadata");
      const inSecretData = object.kind === "Secret" && path[0] === "data" && path.length === 2;
      let value = raw;
      const extraSecrets = [raw];
      if (inSecretData) {
        const decoded = decodeBase64(raw);
        if (decoded === undefined) return;
        value = decoded;
        extraSecrets.push(decoded);
      }
      let hits: SecretHit[];
      let embedded: { line: number; key?: string } | undefined;
      const named = nameOf(object.body, path, value);
      if (inMetadata) {
        // Annotations such as `checksum/secret: <sha256>` have secret-like names: formats only.
        hits = [...findKnownTokens(value), ...findConnectionPasswords(value)];
      } else {
        let flag: string | undefined;
        ({ hits, embedded, flag } = hitsOf(named.key, named.value, named.parentKey));
        if (flag) named.key = flag;
      }
      if (hits.length === 0) return;
      reportHits(context, { path: object.path, range: object.locate(path), ...kubernetesPlace(object.kind, objectName, object.body, path, named.key, embedded) }, hits, fileContext, extraSecrets);
    });
  }
}

function kubernetesPlace(
  kind: string,
  objectName: string,
  body: unknown,
  path: ObjectPath,
  key: string | undefined,
  embedded: { line: number; key?: string } | undefined,
): Pick<Place, "where" | "why" | "fix"> {
  const containerAt = path.findLastIndex((s) => typeof s === "string" && CONTAINER_LISTS.has(s));
  if (containerAt >= 0 && path[containerAt + 2] === "env" && path[path.length - 1] === "value") {
    const container = getIn(body, path.slice(0, containerAt + 2));
    const containerName = isRecord(container) && typeof container.name === "string" ? container.name : String(path[containerAt + 1]);
    return {
      where: `env var ${key} of container "${containerName}" in ${objectName}`,
      why: "A literal env value is part of the pod spec: committed, and readable by anyone who can get the workload.",
      fix: `Move the value into a Kubernetes Secret and reference it with env[].valueFrom.secretKeyRef (or envFrom.secretRef), then rotate it.`,
    };
  }
  if (kind === "Secret" && (path[0] === "data" || path[0] === "stringData")) {
    return {
      where: embeddedWhere(`key "${String(path[1])}" of ${objectName}`, embedded),
      why: "A Secret manifest's data is only base64-encoded, not encrypted: committing the manifest commits the credential.",
      fix: "Keep the Secret out of Git: create it from a secret manager (External Secrets, Vault) or commit it encrypted (Sealed Secrets, SOPS), and rotate the credential.",
    };
  }
  if (kind === "ConfigMap" && (path[0] === "data" || path[0] === "binaryData")) {
    return {
      where: embeddedWhere(`key "${String(path[1])}" of ${objectName}`, embedded),
      why: "ConfigMaps are plain, unprotected configuration: the value is committed and readable by anyone who can read ConfigMaps in the namespace.",
      fix: "Move the value into a Secret (populated from a secret manager, not committed), mount or reference it from there, and rotate it.",
    };
  }
  return {
    where: embeddedWhere(`field ${keyLabel(path, key)} of ${objectName}`, embedded),
    why: "The manifest is committed, so the credential is readable by anyone with access to the repository or the cluster object.",
    fix: "Reference a Secret instead of a literal (most resources accept a secretRef), keep the Secret out of Git, and rotate the credential.",
  };
}

function walkLeaves(value: unknown, path: (string | number)[], visit: (path: ObjectPath, value: string) => void) {
  if (typeof value === "string") visit(path, value);
  else if (typeof value === "number" && path.length > 0) visit(path, String(value));
  else if (Array.isArray(value)) value.forEach((item, i) => walkLeaves(item, [...path, i], visit));
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) walkLeaves(v, [...path, k], visit);
}

/** A Secret's `data` value as text; undefined when it is not base64 of printable text. */
function decodeBase64(value: string): string | undefined {
  const compact = value.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  const text = Buffer.from(compact, "base64").toString("utf8");
  // Binary content (keystores) or invalid UTF-8: nothing we can judge without guessing.
  return /[\uFFFD\u0000-\u0008\u000E-\u001F]/.test(text) ? undefined : text;
}

// ---------------------------------------------------------------------------------------------
// Dockerfiles

function checkDockerfiles(context: RuleContext) {
  for (const dockerfile of context.repo.dockerfiles) {
    const fileContext = secretContext(scanRelative(context.repo, dockerfile.path));
    const instructions = [...dockerfile.globalArgs, ...dockerfile.stages.flatMap((s) => s.instructions)];
    for (const instruction of instructions) {
      if (instruction.keyword === "ENV" || instruction.keyword === "ARG") {
        for (const { key, value } of assignments(instruction)) {
          const hits = scanValue(key, value);
          if (hits.length === 0) continue;
          const env = instruction.keyword === "ENV";
          reportHits(
            context,
            {
              path: dockerfile.path,
              range: instruction.argsRange,
              where: env ? `ENV ${key}` : `the default of ARG ${key}`,
              why: env
                ? "ENV values are stored in the image config: anyone who can pull the image reads them with docker inspect, and every container inherits them."
                : "The default is committed and recorded in the image history of every build that uses it.",
              fix: env
                ? "Drop the ENV and provide the value at run time (Kubernetes Secret, orchestrator env), or at build time with RUN --mount=type=secret; rotate the credential."
                : "Declare the ARG without a default and pass the value at build time, preferably with RUN --mount=type=secret (build args stay in the image history); rotate the credential.",
            },
            hits,
            fileContext,
            [value],
          );
        }
      } else if (instruction.keyword !== "FROM") {
        const hits = [...findKnownTokens(instruction.text), ...findConnectionPasswords(instruction.text)];
        if (hits.length === 0) continue;
        reportHits(
          context,
          {
            path: dockerfile.path,
            range: instruction.argsRange,
            where: `this ${instruction.keyword} instruction`,
            why: "Instruction text is recorded in the image history (docker history), readable by anyone who can pull the image.",
            fix: "Pass the credential with RUN --mount=type=secret (BuildKit) instead of writing it into the instruction, and rotate it.",
          },
          hits,
          fileContext,
        );
      }
    }
  }
}

/** `ENV A=1 B="x y"`, legacy `ENV KEY some value`, `ARG NAME=default` (an ARG without default has none). */
function assignments(instruction: DockerInstruction): { key: string; value: string }[] {
  const args = instruction.args;
  if (instruction.keyword === "ENV" && args.length >= 2 && !args[0]!.includes("=")) {
    return [{ key: args[0]!, value: args.slice(1).join(" ") }];
  }
  return args.flatMap((word) => {
    const eq = word.indexOf("=");
    return eq > 0 ? [{ key: word.slice(0, eq), value: word.slice(eq + 1) }] : [];
  });
}

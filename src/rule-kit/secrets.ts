/**
 * Secret detection: pure functions over strings (no disk, no parser), shared by the
 * `secrets/hardcoded-secret` rule and, later, by source-code rules.
 *
 * Three independent signals, none of them entropy (entropy alone fires on image digests, lock
 * hashes and UUIDs):
 *  - a secret-like NAME (`Password`, `AccessSecret`, `api_key`) holding a literal value;
 *  - a connection string with an inline password (URL userinfo, Go MySQL DSN, `Password=` pairs);
 *  - a provider's documented token FORMAT (AWS, GitHub, Slack, Stripe, ...) or a private key block.
 * References (`${VAR}`, `{{ .Values.x }}`, `vault:`, `ENC[...]`) and fill-me-in placeholders
 * (`changeme`, `<password>`, `xxx`) are never secrets.
 */

export type SecretKind = "private-key" | "provider-token" | "connection-password" | "named-value";

export interface SecretHit {
  kind: SecretKind;
  /** What was found, for messages: "a GitHub personal access token", "a MySQL URL with an inline password". */
  label: string;
  /** The credential itself: hand it to `report({ secrets })`, never put it in a message. */
  secret: string;
  /** UTF-16 offsets of `secret` in the scanned text. */
  start: number;
  end: number;
  /** A well-known default ("password", "root", "guest"): committed, and guessable too. */
  weakDefault: boolean;
}

// ---------------------------------------------------------------------------------------------
// Names

/** Splits a key into lower-case words: "JWTSecret" -> [jwt, secret], "db_pass" -> [db, pass]. */
export function splitKeyWords(key: string): string[] {
  return key
    .replace(/([A-Z]{2,})(v\d+)/g, "$1 $2") // "APIv3Key" -> "API v3Key"
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** Words that make the key a credential on their own, also at the end of a run-on word ("jwtsecret"). */
const SECRET_WORD_ENDINGS = ["password", "passwd", "passphrase", "secret", "token", "credential", "credentials", "apikey", "privatekey", "secretkey", "accesskey", "signingkey", "encryptionkey", "masterkey", "authkey", "requirepass", "masterauth"];
/** Short words that only count as a whole word ("Pass", "pwd"), not inside "bypass" or "compass". */
const SECRET_WHOLE_WORDS = new Set(["pass", "pwd", "pw", "psw", "pswd"]);
/** `<qualifier> key` is a credential: "secret key", "api key", "private key"... but not "etcd key". */
const KEY_QUALIFIERS = new Set(["api", "secret", "private", "access", "signing", "sign", "encryption", "encrypt", "crypt", "master", "auth", "hmac", "session", "jwt", "license"]);
/** A qualifier after the secret word makes the key *about* the secret, not the secret itself. */
const NOT_SECRET_AFTER = new Set([
  "id", "ids", "name", "names", "ref", "refs", "reference", "path", "paths", "file", "files", "dir", "url", "uri",
  "endpoint", "host", "env", "var", "variable", "header", "field", "param", "prefix", "suffix", "type", "kind",
  "format", "mode", "length", "len", "size", "min", "max", "ttl", "expire", "expires", "expiry", "expiration",
  "timeout", "duration", "lifetime", "age", "policy", "rule", "rules", "regex", "pattern", "enabled", "enable",
  "disabled", "required", "hash", "hashed", "digest", "salt", "count", "version", "location", "source", "store",
  "provider", "manager", "mount", "attempts", "retries", "reset", "validation", "validator", "strength",
  "placeholder", "label", "hint", "message", "command", "cmd", "template", "selector", "key", "keys",
  "through", "thru", "generator", "algorithm", "alg", "issuer", "audience", "lookup", "cache", "method",
]);
/** A qualifier before the secret word names *another* object ("existingSecret" is a Secret's name). */
const NOT_SECRET_BEFORE = new Set(["existing", "external", "use", "show", "forgot", "forgotten", "reset", "validate", "check", "min", "max", "require", "requires", "no", "skip", "public", "publishable", "anon", "csrf", "xsrf", "next", "page", "pagination", "cursor", "continuation", "sync"]);
/** Under these parents a bare `Key` / `Secret` is a credential (go-zero `Jwt: {Key: ...}`). */
const SECRET_PARENT_WORDS = new Set(["jwt", "hmac", "signing", "encryption", "crypto", "cipher", "api", "auth", "oauth", "secrets", "credentials"]);

function isSecretWord(words: string[], index: number): boolean {
  const word = words[index]!;
  if (SECRET_WHOLE_WORDS.has(word)) return true;
  if (word === "key") {
    // "APIv3Key": the version between qualifier and key does not change what it is.
    let before = index - 1;
    while (before >= 0 && /^v\d+$/.test(words[before]!)) before--;
    return before >= 0 && KEY_QUALIFIERS.has(words[before]!);
  }
  return SECRET_WORD_ENDINGS.some((ending) => word.endsWith(ending));
}

/**
 * Whether a key names a credential: `Password`, `Pass`, `AccessSecret`, `JwtSecret`, `api_key`,
 * `client_secret`, `AWS_SECRET_ACCESS_KEY`; not `secretName`, `token_expire`, `existingSecret`,
 * `AccessKeyId`, `publicKey`. `parentKey` lets a bare `Key` under `Jwt:` count.
 */
export function isSecretLikeName(key: string, parentKey?: string): boolean {
  const words = splitKeyWords(key);
  let last = -1;
  for (let i = 0; i < words.length; i++) if (isSecretWord(words, i)) last = i;
  const parentWords = parentKey ? splitKeyWords(parentKey) : [];
  // Sealed Secrets' `encryptedData`, `hashed:` blocks: the values are ciphertext or digests.
  if (parentWords.some((w) => ["encrypted", "sealed", "hashed", "hashes"].includes(w))) return false;
  if (last < 0) {
    // A bare "Key" under a `Jwt:` or `Auth:` block (never under `Etcd:`).
    return words.length === 1 && words[0] === "key" && parentWords.some((w) => SECRET_PARENT_WORDS.has(w));
  }
  // "secret" followed by "key" is one credential ("secret_key"): the qualifier test applies after it.
  const after = words.slice(last + 1);
  if (after.some((w) => NOT_SECRET_AFTER.has(w))) return false;
  if (words.slice(0, last).some((w) => NOT_SECRET_BEFORE.has(w))) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Values that are not secrets

/** References to a value kept elsewhere: templating, environment, secret managers, encryption. */
const REFERENCE_PATTERNS: RegExp[] = [
  /\$\{[^}]*\}/, // ${VAR}, ${VAR:-default}, Spring ${db.password}
  /\$\([^)]*\)/, // $(VAR) Kubernetes / make
  /^\$[A-Za-z_][A-Za-z0-9_]*$/, // $VAR
  /\{\{.*\}\}/, // Helm / Go templates / Jinja / Mustache
  /\{%.*%\}/, // Jinja blocks
  /^#\{.*\}$/, // Ruby / Spring SpEL
  /^%\(.*\)s$/, // Python %-format
  /^@[A-Za-z0-9_.-]+@$/, // Maven resource filtering
  /^<%.*%>$/, // ERB
  /^ENC\[.*\]$/s, // SOPS
  /^ENC\(.*\)$/s, // Jasypt
  /^(vault|sops|awssm|awskms|gcpsm|gcpkms|azkv|op|ssm|secretsmanager|secret|ref\+[a-z]+|env|file|k8s|kms|gsm|bws|doppler|infisical):/i,
  /^arn:aws[a-z-]*:(secretsmanager|ssm|kms):/i,
  /^@Microsoft\.KeyVault\(/i,
  /^projects\/[^/]+\/secrets\//, // Google Secret Manager resource name
  /^!(Ref|Sub|GetAtt|ImportValue)\b/,
  /^-----BEGIN PGP MESSAGE-----/, // encrypted, not a key
  /^\{cipher\}/i, // Spring Cloud Config
  /^\$ANSIBLE_VAULT;/, // Ansible Vault
];

/** Whole values that ask to be filled in, or say they are not real. */
const PLACEHOLDER_WORDS = new Set([
  "changeme", "changeit", "changethis", "changeme123", "replaceme", "todo", "tbd", "tba", "fixme", "placeholder",
  "redacted", "removed", "hidden", "masked", "secret_here", "dummy", "fake", "example", "sample", "test", "testing",
  "none", "null", "nil", "undefined", "empty", "blank", "na", "n/a", "unset", "notset", "not_set", "string", "str",
  "required", "optional", "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "default", "foo", "bar",
  "foobar", "baz", "xyz", "abc", "value", "your", "mine", "unknown", "tmp", "temp",
]);
/** Substrings that give a placeholder away wherever they appear. */
const PLACEHOLDER_FRAGMENTS = [
  "changeme", "change_me", "change-me", "change me", "changethis", "change_this", "change-this", "replace_me",
  "replace-me", "replaceme", "replace_with", "replace-with", "placeholder", "example", "dummy", "redacted",
  "your_", "your-", "your ", "yoursecret", "yourpassword", "yourtoken", "yourkey", "insert_", "insert-", "insert ",
  "enter_", "enter-", "put_your", "put-your", "notreal", "not_real", "not-real", "not_a_real", "not-a-real",
  "notasecret", "not_a_secret", "not-a-secret", "fake_", "fake-", "_fake", "-fake", "mock_", "mock-", "_mock", "-mock",
  "fixme", "todo_", "todo:",
  "xxxx", "****", "....", "####", "????",
];

/** Well-known defaults: a finding in a real config (the database really has that password), never a placeholder. */
const WELL_KNOWN_DEFAULTS = new Set([
  "password", "passwd", "pass", "password1", "password123", "passw0rd", "p@ssw0rd", "p@ssword", "root", "toor",
  "admin", "admin123", "administrator", "secret", "guest", "user", "postgres", "mysql", "redis", "mongo", "mongodb",
  "rabbitmq", "minio", "minioadmin", "oracle", "sa", "qwerty", "letmein", "welcome", "123456", "1234567",
  "12345678", "123456789", "1234567890", "1234", "12345", "111111", "000000", "654321", "root123", "pass123",
  "dev", "development", "local", "demo", "kafka", "elastic",
]);

/** A reference to a value kept elsewhere (template, environment, secret manager, encrypted blob). */
export function isReference(value: string): boolean {
  const v = value.trim();
  return REFERENCE_PATTERNS.some((pattern) => pattern.test(v));
}

/** A value that only stands in for a secret: empty, a reference, or a fill-me-in placeholder. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (isPlainPlaceholder(v)) return true;
  // A base64-encoded placeholder (a Kubernetes-style value of "...CHANGE_ME_IN_PRODUCTION"): decoded, it gives itself away.
  if (v.length >= 12 && v.length <= 4096 && v.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(v)) {
    const decoded = Buffer.from(v, "base64").toString("latin1");
    if (/^[\x20-\x7e]+$/.test(decoded) && isPlainPlaceholder(decoded.trim())) return true;
  }
  return false;
}

function isPlainPlaceholder(v: string): boolean {
  if (v === "" || isReference(v)) return true;
  const lower = v.toLowerCase();
  if (PLACEHOLDER_WORDS.has(lower)) return true;
  if (PLACEHOLDER_FRAGMENTS.some((fragment) => lower.includes(fragment))) return true;
  // One character repeated ("xxxxxx", "000000", "******") or a bare run of punctuation.
  if (/^(.)\1*$/s.test(v) || /^[^A-Za-z0-9]+$/.test(v)) return true;
  // "[password]", "{token}", "(secret)" are templates; "test123", "test-secret" are test values.
  if (/^[[{(].*[\]})]$/.test(v)) return true;
  if (/^test([-_].*|\d*)$/i.test(v) || /[-_]test$/i.test(v)) return true;
  // Stripe test-mode keys (sk_test_, rk_test_) cannot touch live data.
  if (/^[spr]k_test_/.test(v)) return true;
  // "<password>", "<your token>": a slot to fill in.
  if (/<[A-Za-z0-9_ .-]+>/.test(v)) return true;
  // "...here" ("secret-goes-here", "token_here").
  if (/[-_ ]here$/i.test(v)) return true;
  return false;
}

export function isWellKnownDefault(value: string): boolean {
  const v = value.trim().toLowerCase();
  // Typed-out defaults: a word and a run of digits (`grafana123`), or a name and "password" (`astronomy_password`).
  return WELL_KNOWN_DEFAULTS.has(v) || /^[a-z]{2,16}(123|1234|12345|123456)$/.test(v) || /^[a-z]{2,16}[_-](password|passwd|pass|pwd|secret)$/.test(v);
}

/**
 * Whether the literal under a secret-like key looks like a credential rather than something else
 * that such keys also hold: a file path, a URL without credentials, an env var name, a sentence.
 */
export function looksLikeCredentialValue(value: string, key?: string): boolean {
  const v = value.trim();
  if (isPlaceholder(v)) return false;
  if (v.length < 4 && !isWellKnownDefault(v)) return false;
  if (/\s/.test(v)) return false; // descriptions, labels, prompts ("Enter your password")
  if (/^(\/|\.\.?\/|~\/|[A-Za-z]:\\|file:)/.test(v)) return false; // a path to a key file
  if (/\.(pem|key|crt|cer|p12|pfx|jks|keystore|json|txt|ya?ml|env|der|asc|gpg)$/i.test(v)) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\/[^@\s]*$/i.test(v)) return false; // a URL without userinfo
  if (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(v)) return false; // DB_PASSWORD: the name of a variable
  if (key && namesItsKey(v, key)) return false; // "password": "Password" (a label), sessionKey = "session" (a storage key)
  if (/^\d{1,5}$/.test(v) && !isWellKnownDefault(v)) return false; // `token: 3600` is a duration, not a PIN
  if (/^[A-Z][A-Za-z]*(-[A-Z][A-Za-z]*)+$/.test(v)) return false; // "Access-Control-Allow-Credentials": a header name
  if (SETTING_WORDS.has(v.toLowerCase())) return false; // fetch's `credentials: "include"`, `auth: "bearer"`
  return true;
}

/** The value spells the key or one of its words: a label or a storage key's name, not a credential. */
function namesItsKey(value: string, key: string): boolean {
  const v = value.toLowerCase();
  if (v === key.toLowerCase()) return true;
  if (isWellKnownDefault(v)) return false; // POSTGRES_PASSWORD=password: a real (weak) credential
  const words = splitKeyWords(key);
  return words.includes(v) || v.replace(/[-_. ]/g, "") === words.join("");
}

/** Values of settings named like secrets (modes, switches, schemes), never credentials themselves. */
const SETTING_WORDS = new Set([
  "include", "omit", "same-origin", "none", "true", "false", "yes", "no", "on", "off", "enabled", "disabled",
  "required", "optional", "bearer", "basic", "digest", "oauth", "oauth2", "jwt", "hmac", "cookie", "header",
]);

// ---------------------------------------------------------------------------------------------
// Provider token formats, from each provider's own documentation

interface TokenFormat {
  label: string;
  pattern: RegExp;
}

const TOKEN_FORMATS: TokenFormat[] = [
  // AWS IAM: access key ids start with AKIA (long-term) or ASIA (temporary), 20 characters.
  { label: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  // GitHub: ghp_ (classic PAT), gho_ (OAuth), ghu_ (user-to-server), ghs_ (server-to-server), ghr_ (refresh).
  { label: "a GitHub token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,251}\b/g },
  { label: "a GitHub fine-grained personal access token", pattern: /\bgithub_pat_[A-Za-z0-9_]{60,255}\b/g },
  // GitLab personal access tokens: glpat- prefix.
  { label: "a GitLab personal access token", pattern: /\bglpat-[A-Za-z0-9_-]{20,255}\b/g },
  // Slack: xoxb- (bot), xoxp- (user), xoxa-/xoxr- (legacy workspace / refresh), xoxe- (config), xapp- (app-level).
  { label: "a Slack token", pattern: /\bxox[abposre](?:\.[A-Za-z0-9]+)?-[A-Za-z0-9-]{20,255}/g },
  { label: "a Slack app-level token", pattern: /\bxapp-\d-[A-Z0-9]{1,64}-\d{1,32}-[a-z0-9]{20,255}\b/g },
  { label: "a Slack incoming webhook URL", pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{1,32}\/B[A-Z0-9]{1,32}\/[A-Za-z0-9]{16,64}/g },
  // Stripe: sk_live_ (secret key), rk_live_ (restricted key). Test-mode keys cannot move money.
  { label: "a Stripe live secret key", pattern: /\b[sr]k_live_[A-Za-z0-9]{20,255}\b/g },
  // Google API keys: 39 characters starting with AIza.
  { label: "a Google API key", pattern: /\bAIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g },
  // npm access tokens: npm_ prefix.
  { label: "an npm access token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  // SendGrid API keys: SG.<id>.<secret>.
  { label: "a SendGrid API key", pattern: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g },
  // OpenAI project keys and Anthropic API keys.
  { label: "an OpenAI API key", pattern: /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,255}/g },
  { label: "an Anthropic API key", pattern: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{40,255}/g },
];

/** Documentation examples and typed-out fakes share a look: few distinct characters, or "EXAMPLE". */
function looksFake(token: string): boolean {
  if (/example|sample|dummy|fake|xxxx|0000000|1234567|abcdef/i.test(token)) return true;
  const body = token.replace(/^[A-Za-z]+[_-]/, "");
  return new Set(body).size < 8;
}

const PRIVATE_KEY = /-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP |DH )?PRIVATE KEY(?: BLOCK)?)-----([\s\S]*?)(?:-----END [A-Z ]*-----|$)/g;

/** A fragment that every private key block, provider token format above and JWT contains. */
const TOKEN_START = /-----BEGIN |AKIA|ASIA|gh[pousr]_|github_pat_|glpat-|xox|xapp-|hooks\.slack\.com|k_live_|AIza|npm_|SG\.|sk-|eyJ/;

/** Private key blocks with a real body, provider tokens and signed JWTs anywhere in `text`. */
export function findKnownTokens(text: string): SecretHit[] {
  // One scan for anything every format below starts with; most values have none of them.
  if (!TOKEN_START.test(text)) return [];
  const hits: SecretHit[] = [];
  for (const match of text.matchAll(PRIVATE_KEY)) {
    const body = match[2]!;
    // A header with "..." or "<your key>" under it is documentation, not a key.
    const base64 = body.replace(/^[A-Za-z-]+:.*$/gm, "").replace(/[^A-Za-z0-9+/=]/g, "");
    if (base64.length < 64 || looksFake(base64.slice(0, 64))) continue;
    const label = match[1]!.startsWith("ENCRYPTED") ? "an encrypted private key" : "a private key";
    hits.push(hit("private-key", label, match[0], match.index!));
  }
  for (const format of TOKEN_FORMATS) {
    for (const match of text.matchAll(format.pattern)) {
      if (looksFake(match[0])) continue;
      hits.push(hit("provider-token", format.label, match[0], match.index!));
    }
  }
  // Runs of base64url-and-dots starting with "eyJ", read once each (a pattern with a leading \b
  // would rescan from every "eyJ" after a dash: quadratic on long values).
  for (const run of text.matchAll(/eyJ[A-Za-z0-9_.-]+/g)) {
    if (run.index! > 0 && /[A-Za-z0-9_]/.test(text[run.index! - 1]!)) continue;
    const jwt = /^eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/.exec(run[0]);
    if (jwt && isJwtHeader(jwt[0].split(".")[0]!)) hits.push(hit("provider-token", "a signed JSON Web Token", jwt[0], run.index!));
  }
  return withoutOverlaps(hits);
}

function isJwtHeader(segment: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as unknown;
    return typeof header === "object" && header !== null && "alg" in header && (header as { alg: unknown }).alg !== "none";
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Connection strings

const SCHEME_LABELS: Record<string, string> = {
  postgres: "a PostgreSQL URL",
  postgresql: "a PostgreSQL URL",
  mysql: "a MySQL URL",
  mariadb: "a MariaDB URL",
  mongodb: "a MongoDB URL",
  "mongodb+srv": "a MongoDB URL",
  redis: "a Redis URL",
  rediss: "a Redis URL",
  amqp: "an AMQP (RabbitMQ) URL",
  amqps: "an AMQP (RabbitMQ) URL",
  sqlserver: "a SQL Server URL",
  mssql: "a SQL Server URL",
  clickhouse: "a ClickHouse URL",
  nats: "a NATS URL",
  http: "a URL",
  https: "a URL",
};

// Lengths are bounded so a long value without the shape cannot make a pattern quadratic.

/**
 * URL userinfo: `scheme://user:password@host`. The password runs to the last `@` that is followed
 * by a host, so an unencoded `@` inside it (`p@ss@db`) still yields the whole password.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]{0,30}):\/\/([^:@/\s?#'"]{0,256}):([^\s'"/?#]{0,256}?)@(?=[A-Za-z0-9[\]._%,:-]+(?![A-Za-z0-9[\]._%,:@-]))/gi;
/** go-sql-driver/mysql DSN: `user:password@tcp(host:port)/db`, also `@unix(...)` and `@/db`. */
const GO_MYSQL_DSN = /(?:^|[\s"'=,;])([A-Za-z0-9_.${}-]{0,256}):([^\s'"]{0,256}?)@(?:(?:tcp6?|unix|udp)\(|\/)/g;
/** `Password=...` inside a key=value connection string (libpq, ADO.NET, JDBC properties). */
const KV_PASSWORD = /(?:^|[\s;])(?:password|pwd)\s*=\s*('[^']*'|"[^"]*"|[^\s;]+)/gi;
/** `?user=app&password=...` in a JDBC or other URL's query string. */
const QUERY_PASSWORD = /[?&](?:password|passwd|pwd)=([^&\s#'"]{1,256})/gi;
const KV_CONTEXT = /(?:^|[\s;])(?:host|server|data source|dbname|database|initial catalog|user|user id|uid|username|port|addr|address)\s*=/i;

/** Connection strings in `text` whose password is a literal (not empty, not a reference or placeholder). */
export function findConnectionPasswords(text: string): SecretHit[] {
  // Every shape below has userinfo (`@`) or a `key=value` pair.
  if (!text.includes("@") && !text.includes("=")) return [];
  const hits: SecretHit[] = [];
  for (const match of text.matchAll(URL_CREDENTIALS)) {
    const scheme = match[1]!.toLowerCase();
    const password = match[3]!;
    const label = `${SCHEME_LABELS[scheme] ?? `a ${scheme} URL`} with an inline password`;
    const start = match.index! + match[0].length - 1 - password.length;
    pushPassword(hits, label, password, start);
  }
  for (const match of text.matchAll(GO_MYSQL_DSN)) {
    // A URL (`mysql://u:p@tcp(h)/db`) was read above; this pattern would see "//u:p" as its password.
    if (match[0].includes("://")) continue;
    const password = match[2]!;
    const start = match.index! + match[0].lastIndexOf("@") - password.length;
    pushPassword(hits, "a MySQL DSN with an inline password", password, start);
  }
  if (/:\/\/|^jdbc:/i.test(text)) {
    for (const match of text.matchAll(QUERY_PASSWORD)) {
      const password = match[1]!;
      pushPassword(hits, "a URL with a password in its query string", password, match.index! + match[0].length - password.length);
    }
  }
  if (KV_CONTEXT.test(text)) {
    for (const match of text.matchAll(KV_PASSWORD)) {
      const raw = match[1]!;
      // "password= dbname=x": the password is empty and the next pair is not it.
      if (/^[A-Za-z_ ]+=/.test(raw)) continue;
      const password = /^['"]/.test(raw) ? raw.slice(1, -1) : raw;
      const start = match.index! + match[0].length - raw.length + (raw === password ? 0 : 1);
      pushPassword(hits, "a connection string with an inline password", password, start);
    }
  }
  // "The data source, like \"root:password@tcp(127.0.0.1:3306)/db\"": a well-known default inside a sentence
  // is an example in help text or docs, not a configured credential.
  if (hits.some((h) => h.weakDefault) && isProse(text)) return withoutOverlaps(hits.filter((h) => !h.weakDefault));
  return withoutOverlaps(hits);
}

/** Four or more plain words: a sentence rather than a value. Split, not a regex, to stay linear on huge values. */
function isProse(text: string): boolean {
  let words = 0;
  for (const token of text.split(/\s+/, 200)) if (/^[A-Za-z]{2,}[,.:]?$/.test(token) && ++words >= 4) return true;
  return false;
}

function pushPassword(hits: SecretHit[], label: string, password: string, start: number) {
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // Not percent-encoded.
  }
  if (isPlaceholder(decoded) || /^%[sv]$|^\{\d*\}$/.test(password)) return;
  hits.push({ ...hit("connection-password", label, password, start), weakDefault: isWellKnownDefault(decoded) });
}

// ---------------------------------------------------------------------------------------------
// Putting it together

/**
 * Every secret in one key/value pair: known token formats and connection passwords anywhere in the
 * value, plus the whole value when the key names a credential. The strongest hit comes first.
 */
/**
 * Whether `scanValue` could find anything in this value under some key: a cheap test that lets callers
 * skip working out the key of the many literals that are not credentials under any name.
 */
export function mayHoldSecret(value: string): boolean {
  // Text with a space (a message, a query) is never a credential on its own: skip the placeholder checks.
  const credentialLike = !/\s/.test(value.trim()) && looksLikeCredentialValue(value);
  return credentialLike || findKnownTokens(value).length > 0 || findConnectionPasswords(value).length > 0;
}

export function scanValue(key: string | undefined, value: string, parentKey?: string): SecretHit[] {
  const keyWords = key ? splitKeyWords(key) : [];
  // Keys meant to be public by design ("anonKey", "NEXT_PUBLIC_..."): only unmistakable formats count.
  const publicByDesign = keyWords.some((w) => ["public", "publishable", "anon"].includes(w));
  const hits = [...findKnownTokens(value), ...findConnectionPasswords(value)].filter(
    (h) => !(publicByDesign && h.label.includes("JSON Web Token")),
  );
  if (hits.length === 0 && key && !publicByDesign && isSecretLikeName(key, parentKey) && looksLikeCredentialValue(value, key)) {
    const v = value.trim();
    hits.push({ ...hit("named-value", "a hardcoded secret", v, value.indexOf(v)), weakDefault: isWellKnownDefault(v) });
  }
  return hits.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.start - b.start);
}

const KIND_ORDER: SecretKind[] = ["private-key", "provider-token", "connection-password", "named-value"];

export interface EmbeddedSecret {
  /** 0-based line of the embedded text where the secret starts. */
  line: number;
  /** The key on that line, when the line is `key: value` / `key=value` / `"key": "value"`. */
  key?: string;
  hit: SecretHit;
}

/**
 * Secrets inside a whole file carried as one string (a ConfigMap's `config.yaml: |`, a Secret's
 * `application.properties`): multi-line private keys first, then line by line, reading
 * `key: value`, `key=value` and `"key": "value"` lines with YAML indentation as the parent.
 */
export function scanEmbeddedText(text: string): EmbeddedSecret[] {
  const found: EmbeddedSecret[] = [];
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let line = 0;
    while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= offset) line++;
    return line;
  };
  const keyBlocks = findKnownTokens(text).filter((h) => h.kind === "private-key");
  for (const block of keyBlocks) found.push({ line: lineOf(block.start), hit: block });
  const insideBlock = (offset: number) => keyBlocks.some((b) => offset >= b.start && offset < b.end);

  const parents: { indent: number; key: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (insideBlock(lineStarts[i]!) || /^\s*(#|\/\/|;|$)/.test(line)) continue;
    const pair = /^(\s*)(?:-\s+)?(?:export\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*(.*)$/.exec(line);
    if (pair) {
      const indent = pair[1]!.length;
      while (parents.length > 0 && parents[parents.length - 1]!.indent >= indent) parents.pop();
      const key = pair[2]!;
      const raw = pair[3]!;
      const value = unquote(stripTrailingComment(raw.trim()).replace(/,$/, ""));
      if (value === "" || value === "|" || value === ">" || value === "{" || value === "[") {
        parents.push({ indent, key });
        continue;
      }
      const offset = lineStarts[i]! + line.lastIndexOf(raw) + Math.max(0, raw.indexOf(value));
      for (const h of scanValue(key, value, parents[parents.length - 1]?.key).slice(0, 1)) {
        found.push({ line: i, key, hit: { ...h, start: h.start + offset, end: h.end + offset } });
      }
    } else {
      for (const h of [...findKnownTokens(line), ...findConnectionPasswords(line)].slice(0, 1)) {
        found.push({ line: i, hit: { ...h, start: h.start + lineStarts[i]!, end: h.end + lineStarts[i]! } });
      }
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

function stripTrailingComment(value: string): string {
  if (/^["']/.test(value)) return value;
  return value.replace(/\s+#.*$/, "");
}

function unquote(value: string): string {
  const m = /^(["'])(.*)\1$/.exec(value);
  return m ? m[2]! : value;
}

function hit(kind: SecretKind, label: string, secret: string, start: number): SecretHit {
  return { kind, label, secret, start, end: start + secret.length, weakDefault: false };
}

/** Keeps the first of overlapping hits (formats are listed most specific first). */
function withoutOverlaps(hits: SecretHit[]): SecretHit[] {
  const kept: SecretHit[] = [];
  for (const h of hits) {
    if (!kept.some((k) => h.start < k.end && k.start < h.end)) kept.push(h);
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------
// Where a file sits

/**
 * How much a literal in this file counts:
 *  - "placeholder": tests, fixtures, docs and `*.example` / `.env.sample` / `*.template` files, where
 *    values are fakes by convention (only a real-looking provider token is worth a note);
 *  - "local": docker-compose stacks and dev/local-named configs, where a well-known default
 *    (`postgres`/`postgres`) is a local convenience (a note), while a real-looking secret still counts;
 *  - "deployed": everything else.
 */
export type SecretContext = "placeholder" | "local" | "deployed";

const PLACEHOLDER_DIRS = new Set([
  "test", "tests", "__tests__", "testdata", "test-data", "test_data", "fixtures", "fixture", "__fixtures__", "__mocks__",
  "mocks", "spec", "e2e", "docs", "doc",
  // Translations: `"password": "Passwort"` is a label, not a setting.
  "locales", "locale", "i18n", "l10n", "translations", "lang", "langs",
]);
const PLACEHOLDER_NAME_PARTS = new Set(["example", "examples", "sample", "samples", "template", "templates", "tmpl", "tpl", "dist", "test", "tests", "spec", "mock", "fake", "dummy"]);
const LOCAL_NAME_PARTS = new Set(["dev", "develop", "development", "local", "localhost"]);

export function secretContext(path: string): SecretContext {
  const segments = path.split("/");
  const fileName = segments.pop()!.toLowerCase();
  if (segments.some((s) => PLACEHOLDER_DIRS.has(s.toLowerCase()))) return "placeholder";
  // ".env.example" -> [env, example]; "config.sample.yaml" -> [config, sample, yaml].
  const nameParts = fileName.split(/[._-]+/).filter(Boolean);
  if (nameParts.some((p) => PLACEHOLDER_NAME_PARTS.has(p))) return "placeholder";
  if (/^(docker-)?compose([._-].*)?\.ya?ml$/.test(fileName)) return "local";
  // A plain `.env` feeds `docker compose` and local runs; `.env.production` and the like are deployed.
  if (fileName === ".env") return "local";
  if (nameParts.some((p) => LOCAL_NAME_PARTS.has(p))) return "local";
  return "deployed";
}

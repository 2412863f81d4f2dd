import { describe, expect, it } from "vitest";
import {
  findConnectionPasswords,
  findKnownTokens,
  isPlaceholder,
  isSecretLikeName,
  looksLikeCredentialValue,
  scanEmbeddedText,
  scanValue,
  secretContext,
  splitKeyWords,
} from "../../src/rule-kit/secrets.js";

// Assembled at run time so this file never holds a literal that secret scanners would flag.
const GITHUB_TOKEN = "ghp_" + "R7mKx2Qp9LwVt4Zb8NcY3hJd6FsA1eGu5oPi";
const AWS_KEY_ID = "AKIA" + "Q3VJ7ZP2XK5M4WN6";
const SLACK_TOKEN = "xoxb-" + "2948573610-4829301756482-Kq7Vb2Mx9Lw4Zt8Nc3Rj6Hd1";
const STRIPE_KEY = "sk_live_" + "51Hq7Vb2Mx9Lw4Zt8Nc3Rj6Hd1Pq";
const GOOGLE_KEY = "AIza" + "SyB7q2Vx9Lm4Zt8Nc3Rj6Hd1Pq5Wk0Ys7Ue";
const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" +
  ".eyJzdWIiOiJwYXRpZW50LXJwYyIsImlhdCI6MTcwMDAwMDAwMH0" +
  ".Qm9vZ2llV29vZ2llQm9vZ2llV29vZ2llMTIzNDU";
const PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Vq3Lm9Xw2Zt8Nc3Rj6Hd1PqA4sKf0bYe";

describe("splitKeyWords", () => {
  it("splits camel case, acronyms, snake and kebab case", () => {
    expect(splitKeyWords("JWTSecret")).toEqual(["jwt", "secret"]);
    expect(splitKeyWords("AccessSecret")).toEqual(["access", "secret"]);
    expect(splitKeyWords("AWS_SECRET_ACCESS_KEY")).toEqual(["aws", "secret", "access", "key"]);
    expect(splitKeyWords("APIv3Key")).toEqual(["api", "v3", "key"]);
    expect(splitKeyWords("client-secret")).toEqual(["client", "secret"]);
    expect(splitKeyWords("spring.datasource.password")).toEqual(["spring", "datasource", "password"]);
  });
});

describe("isSecretLikeName", () => {
  it.each([
    "Password", "Pass", "pwd", "AccessSecret", "JwtSecret", "jwtsecret", "api_key", "apiKey", "APIKey", "client_secret",
    "AWS_SECRET_ACCESS_KEY", "AccessKeySecret", "DB_PASSWORD", "REDIS_PASS", "GITHUB_TOKEN", "access_token",
    "SECRET_KEY", "private_key", "ssh-privatekey", "credentials", "passphrase", "spring.datasource.password",
  ])("%s names a credential", (key) => {
    expect(isSecretLikeName(key)).toBe(true);
  });

  it.each([
    "secretName", "existingSecret", "token_expire", "AccessExpire", "AccessKeyId", "aws_access_key_id", "publicKey",
    "passwordFile", "password_hash", "tokenUrl", "token_endpoint", "secretKeyRef", "password_min_length", "Key",
    "bypass", "compass", "next_page_token", "csrf_token_name", "max_tokens", "keyring", "usePasswordFiles", "secretary",
    "PassThrough", "passwordless",
  ])("%s does not", (key) => {
    expect(isSecretLikeName(key)).toBe(false);
  });

  it("counts a bare Key under a Jwt block, not under Etcd", () => {
    expect(isSecretLikeName("Key", "Jwt")).toBe(true);
    expect(isSecretLikeName("Key", "Etcd")).toBe(false);
  });
});

describe("isPlaceholder", () => {
  it.each([
    "", "  ", "${DB_PASSWORD}", "${DB_PASSWORD:-x}", "$(DB_PASSWORD)", "$DB_PASSWORD", "{{ .Values.db.password }}",
    "ENC[AES256_GCM,data:abc,iv:def]", "ENC(abc123)", "vault:secret/data/db#password",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf", "changeme", "CHANGE_ME", "<password>",
    "<your-token>", "xxx", "xxxxxxxx", "***", "your-secret-here", "secret-goes-here", "REPLACE_WITH_TOKEN", "placeholder",
    "dummy", "test", "test123", "example-secret", "none", "null", "true", "[password]", "{token}", "op://vault/db/password",
    "@Microsoft.KeyVault(SecretUri=https://x.vault.azure.net/secrets/db)", "not-a-real-secret",
  ])("%j is a placeholder or reference", (value) => {
    expect(isPlaceholder(value)).toBe(true);
  });

  it.each(["password", "root", "a_long_secret_key", "Pr0d-Clinic4l!", "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "hunter22", "Testarossa99"])(
    "%j is a literal",
    (value) => {
      expect(isPlaceholder(value)).toBe(false);
    },
  );
});

describe("looksLikeCredentialValue", () => {
  it("rejects paths, plain URLs, variable names, sentences and very short values", () => {
    expect(looksLikeCredentialValue("/run/secrets/db_password")).toBe(false);
    expect(looksLikeCredentialValue("./certs/server.key")).toBe(false);
    expect(looksLikeCredentialValue("jwt.pem")).toBe(false);
    expect(looksLikeCredentialValue("https://auth.example.org/oauth/token")).toBe(false);
    expect(looksLikeCredentialValue("DB_PASSWORD")).toBe(false);
    expect(looksLikeCredentialValue("Enter your password")).toBe(false);
    expect(looksLikeCredentialValue("ab1")).toBe(false);
    expect(looksLikeCredentialValue("Password", "password")).toBe(false);
  });

  it("accepts letters-only and well-known default values", () => {
    expect(looksLikeCredentialValue("supersecretvalue")).toBe(true);
    expect(looksLikeCredentialValue("root")).toBe(true);
    expect(looksLikeCredentialValue("123456")).toBe(true);
  });
});

describe("findConnectionPasswords", () => {
  it("finds the password of a go-sql-driver MySQL DSN", () => {
    const text = "root:password@tcp(127.0.0.1:3306)/clinical_trial?charset=utf8mb4&parseTime=true";
    const [hit] = findConnectionPasswords(text);
    expect(hit).toMatchObject({ kind: "connection-password", secret: "password", weakDefault: true });
    expect(text.slice(hit!.start, hit!.end)).toBe("password");
    expect(hit!.label).toContain("MySQL DSN");
  });

  it("keeps an unencoded @ and : inside the password", () => {
    const [hit] = findConnectionPasswords("postgres://app:p@ss:w0rd@db.internal:5432/orders?sslmode=require");
    expect(hit).toMatchObject({ secret: "p@ss:w0rd", weakDefault: false });
    expect(hit!.label).toBe("a PostgreSQL URL with an inline password");
  });

  it.each([
    ["mysql://app:Kq7Vb2Mx@db:3306/orders", "Kq7Vb2Mx", "MySQL"],
    ["mongodb+srv://app:Kq7Vb2Mx@cluster0.abcde.mongodb.net/orders", "Kq7Vb2Mx", "MongoDB"],
    ["mongodb://app:Kq7Vb2Mx@h1:27017,h2:27017/orders?replicaSet=rs0", "Kq7Vb2Mx", "MongoDB"],
    ["redis://:Kq7Vb2Mx@cache:6379/0", "Kq7Vb2Mx", "Redis"],
    ["amqp://orders:Kq7Vb2Mx@rabbit:5672/vhost", "Kq7Vb2Mx", "AMQP"],
    ["jdbc:mysql://app:Kq7Vb2Mx@db:3306/orders", "Kq7Vb2Mx", "MySQL"],
    ["https://deploy:Kq7Vb2Mx@git.internal/org/repo.git", "Kq7Vb2Mx", "URL"],
    ["app:Kq7Vb2Mx@unix(/var/run/mysqld/mysqld.sock)/orders", "Kq7Vb2Mx", "MySQL DSN"],
    ["host=db user=app password=Kq7Vb2Mx dbname=orders sslmode=require", "Kq7Vb2Mx", "connection string"],
    ["Server=db;Database=orders;User Id=sa;Password='Kq7Vb2Mx';", "Kq7Vb2Mx", "connection string"],
    ["jdbc:postgresql://db:5432/orders?user=app&password=Kq7Vb2Mx&ssl=true", "Kq7Vb2Mx", "query string"],
  ])("%s", (text, secret, label) => {
    const hits = findConnectionPasswords(text);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.secret).toBe(secret);
    expect(hits[0]!.label).toContain(label);
    expect(text.slice(hits[0]!.start, hits[0]!.end)).toBe(secret);
  });

  it.each([
    "root:@tcp(127.0.0.1:3306)/db",
    "root:${DB_PASSWORD}@tcp(127.0.0.1:3306)/db",
    "postgres://app:changeme@db/orders",
    "postgres://app:<password>@db/orders",
    "postgres://app@db/orders",
    "redis://cache:6379/0",
    "https://api.example.org:8443/v1/items?owner=a@b.example",
    "postgres://app:%s@db/orders",
    "mongodb://${MONGO_USER}:${MONGO_PASS}@mongo:27017",
    "http://localhost:8080/health",
    "user=app password= dbname=x",
    "jdbc:postgresql://db:5432/orders?user=app&password=${PG_PASSWORD}",
    "https://example.org/reset?password=&token=",
  ])("%s has no literal password", (text) => {
    expect(findConnectionPasswords(text)).toEqual([]);
  });
});

describe("isPlaceholder with base64", () => {
  const b64 = (text: string) => Buffer.from(text, "latin1").toString("base64");
  it("sees a placeholder through base64, and nothing else", () => {
    expect(isPlaceholder(b64("DARESHREFRESHSECRET_KEY_CHANGE_ME_IN_PRODUCTION"))).toBe(true); // nestjs-boilerplate's .env
    expect(isPlaceholder(b64("your-jwt-secret-here"))).toBe(true);
    expect(isPlaceholder(b64("Kq7Vb2Mx9Lw4Zt8Nc3Rj6Hd1"))).toBe(false); // a real secret, base64-encoded
    expect(isPlaceholder(b64("\x00\x91\xfe binary key material \x07\x8f"))).toBe(false);
    expect(isPlaceholder("changeme")).toBe(true);
  });
});

describe("findKnownTokens", () => {
  it.each([
    [GITHUB_TOKEN, "GitHub"],
    [AWS_KEY_ID, "AWS access key id"],
    [SLACK_TOKEN, "Slack"],
    [STRIPE_KEY, "Stripe"],
    [GOOGLE_KEY, "Google API key"],
    [JWT, "JSON Web Token"],
  ])("finds %s", (token, label) => {
    const hits = findKnownTokens(`value: "${token}" # comment`);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.secret).toBe(token);
    expect(hits[0]!.label).toContain(label);
  });

  // Every format, so the quick pre-test in findKnownTokens (one regex of their common starts) can't drop one.
  const BODY = "Kq7Vb2Mx9Lw4Zt8Nc3Rj6Hd1Pq5Wk0Ys7UeGf4Tn";
  it.each([
    ["ASIA" + "Q3VJ7ZP2XK5M4WN6", "AWS access key id"],
    ["gho_" + BODY.slice(0, 36), "GitHub token"],
    ["github_pat_" + BODY + "_" + BODY.slice(0, 25), "GitHub fine-grained"],
    ["glpat-" + BODY.slice(0, 20), "GitLab"],
    ["xoxp-" + "2948573610-" + BODY.slice(0, 24), "Slack token"],
    ["xapp-1-" + "A0B1C2D3E4F" + "-4829301756482-" + BODY.toLowerCase().slice(0, 24), "Slack app-level"],
    ["https://hooks.slack.com/services/T" + "0B1C2D3E4" + "/B" + "5F6G7H8J9" + "/" + BODY.slice(0, 24), "Slack incoming webhook"],
    ["rk_live_" + BODY.slice(0, 24), "Stripe"],
    ["npm_" + BODY.slice(0, 36), "npm"],
    ["SG." + BODY.slice(0, 22) + "." + BODY + "Qzx", "SendGrid"],
    ["sk-proj-" + BODY + "Qz", "OpenAI"],
    ["sk-ant-api03-" + BODY + "Qz", "Anthropic"],
  ])("finds %s", (token, label) => {
    const hits = findKnownTokens(`token=${token}`);
    expect(hits.map((h) => h.label)).toEqual([expect.stringContaining(label)]);
    expect(hits[0]!.secret).toBe(token);
  });

  it("finds a private key block with a real body", () => {
    const text = `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----\n`;
    const [hit] = findKnownTokens(text);
    expect(hit).toMatchObject({ kind: "private-key", label: "a private key", start: 0 });
  });

  it.each([
    "AKIAIOSFODNN7EXAMPLE", // AWS's documentation example
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "xoxb-xxxxxxxxxxxx-xxxxxxxxxxxxx-xxxxxxxxxxxxxxxx",
    "sk_test_51Hq7Vb2Mx9Lw4Zt8Nc3Rj6Hd1Pq", // test mode
    "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
    "-----BEGIN PRIVATE KEY-----\n<your key here>\n-----END PRIVATE KEY-----",
    "-----BEGIN CERTIFICATE-----\n" + PEM_BODY + "\n-----END CERTIFICATE-----",
    "sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "550e8400-e29b-41d4-a716-446655440000",
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", // alg none, unsigned
  ])("ignores %j", (text) => {
    expect(findKnownTokens(text)).toEqual([]);
  });
});

describe("scanValue", () => {
  it("reports the go-zero AccessSecret and Redis Pass, letters-only included", () => {
    expect(scanValue("AccessSecret", "a_long_secret_key")).toMatchObject([{ kind: "named-value", secret: "a_long_secret_key" }]);
    expect(scanValue("Pass", "redispassword")).toMatchObject([{ kind: "named-value", secret: "redispassword" }]);
    expect(scanValue("Password", "root")).toMatchObject([{ weakDefault: true }]);
  });

  it("finds a DSN under any key and a token under any key", () => {
    expect(scanValue("DataSource", "root:password@tcp(127.0.0.1:3306)/db")).toMatchObject([{ kind: "connection-password" }]);
    expect(scanValue("webhook", GITHUB_TOKEN)).toMatchObject([{ kind: "provider-token" }]);
  });

  it("stays silent on references, placeholders and ordinary config", () => {
    expect(scanValue("Pass", "${REDIS_PASSWORD}")).toEqual([]);
    expect(scanValue("Password", "")).toEqual([]);
    expect(scanValue("image", "registry.example.com/app@sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0")).toEqual([]);
    expect(scanValue("requestId", "550e8400-e29b-41d4-a716-446655440000")).toEqual([]);
    expect(scanValue("commit", "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c")).toEqual([]);
    expect(scanValue("Key", "patient.rpc", "Etcd")).toEqual([]);
    expect(scanValue("secretName", "db-credentials")).toEqual([]);
  });

  it("ignores a JWT under a key that is public by design", () => {
    expect(scanValue("SUPABASE_ANON_KEY", JWT)).toEqual([]);
    expect(scanValue("SERVICE_TOKEN", JWT)).toMatchObject([{ kind: "provider-token" }]);
  });
});

describe("scanEmbeddedText", () => {
  it("finds secrets line by line in an embedded YAML file, with the YAML parent as context", () => {
    const text = [
      "Name: patient-rpc",
      "DB:",
      "  DataSource: root:Kq7Vb2Mx@tcp(db:3306)/orders",
      "Jwt:",
      "  Key: \"q7Vb2Mx9Lw4Zt8Nc\"",
      "Etcd:",
      "  Key: patient.rpc",
      "Cache:",
      "  - Host: cache:6379",
      "    Pass: ${REDIS_PASSWORD}",
    ].join("\n");
    const found = scanEmbeddedText(text);
    expect(found.map((f) => [f.line, f.key, f.hit.secret])).toEqual([
      [2, "DataSource", "Kq7Vb2Mx"],
      [4, "Key", "q7Vb2Mx9Lw4Zt8Nc"],
    ]);
    expect(text.slice(found[1]!.hit.start, found[1]!.hit.end)).toBe("q7Vb2Mx9Lw4Zt8Nc");
  });

  it("reads properties, .env and JSON lines and multi-line private keys", () => {
    const text = [
      "spring.datasource.password=Kq7Vb2Mx9",
      "export API_TOKEN='Lw4Zt8Nc3Rj6'",
      '  "client_secret": "Hd1Pq5Wk0Ys7",',
      "-----BEGIN PRIVATE KEY-----",
      PEM_BODY,
      PEM_BODY,
      "-----END PRIVATE KEY-----",
      "log_level=debug",
    ].join("\n");
    expect(scanEmbeddedText(text).map((f) => [f.line, f.key ?? null, f.hit.kind])).toEqual([
      [0, "spring.datasource.password", "named-value"],
      [1, "API_TOKEN", "named-value"],
      [2, "client_secret", "named-value"],
      [3, null, "private-key"],
    ]);
  });
});

describe("secretContext", () => {
  it.each([
    ["etc/config.yaml", "deployed"],
    ["examples/patient-rpc/etc/patient.yaml", "deployed"],
    ["config/default.json", "deployed"],
    [".env", "local"],
    [".env.production", "deployed"],
    [".env.example", "placeholder"],
    [".env.sample", "placeholder"],
    [".env.dist", "placeholder"],
    ["config/app.template.yaml", "placeholder"],
    ["config.example.json", "placeholder"],
    ["test/config.yaml", "placeholder"],
    ["internal/__tests__/env.json", "placeholder"],
    ["pkg/testdata/dsn.yaml", "placeholder"],
    ["docs/setup/config.yaml", "placeholder"],
    ["docker-compose.yml", "local"],
    ["deploy/compose.dev.yaml", "local"],
    ["config/application-dev.yml", "local"],
    [".env.development", "local"],
    [".env.local", "local"],
  ])("%s is %s", (path, context) => {
    expect(secretContext(path)).toBe(context);
  });
});

describe("encrypted and test-mode values", () => {
  it("ignores Sealed Secrets' encryptedData and Stripe test keys", () => {
    expect(isSecretLikeName("db-password", "encryptedData")).toBe(false);
    expect(isPlaceholder("sk_test_51Hq7Vb2Mx9Lw4Zt8Nc3Rj6Hd1Pq")).toBe(true);
  });
});

describe("long values", () => {
  it("scans a large value without the shape of a secret in linear time", () => {
    const values = ["a:b,".repeat(50_000), "a.".repeat(100_000), "eyJ-".repeat(50_000), "xoxb-".repeat(40_000), "x=y;".repeat(50_000), "https://h:".repeat(20_000), "eyJ".repeat(50_000), "A".repeat(200_000)];
    const started = performance.now();
    for (const value of values) expect(scanValue("data", value)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe("more references and non-credentials", () => {
  it("treats Spring {cipher} and Ansible Vault values as references", () => {
    expect(isPlaceholder("{cipher}AQBa8e7f3c2d1b0a99887766554433221100ff")).toBe(true);
    expect(isPlaceholder("$ANSIBLE_VAULT;1.1;AES256\n6231336539")).toBe(true);
  });

  it("reads short numbers under secret-like keys as durations, not PINs", () => {
    expect(scanValue("token", "3600")).toEqual([]);
    expect(scanValue("Password", "123456")).toMatchObject([{ weakDefault: true }]);
    expect(scanValue("Password", "83920174")).toMatchObject([{ kind: "named-value" }]);
  });

  it("treats translation folders as holding labels", () => {
    expect(secretContext("web/locales/de.json")).toBe("placeholder");
    expect(secretContext("src/i18n/fr.yaml")).toBe("placeholder");
  });
});

describe("versioned key names and typed-out defaults", () => {
  it("reads APIv3Key as an API key, and word+digits or name_password values as well-known defaults", async () => {
    const { isSecretLikeName, isWellKnownDefault } = await import("../../src/rule-kit/secrets.js");
    expect(isSecretLikeName("APIv3Key")).toBe(true);
    expect(isSecretLikeName("SchemaV2Key")).toBe(false);
    expect(isWellKnownDefault("grafana123")).toBe(true);
    expect(isWellKnownDefault("astronomy_password")).toBe(true);
    expect(isWellKnownDefault("Vq7nR2xLw9")).toBe(false);
  });
});

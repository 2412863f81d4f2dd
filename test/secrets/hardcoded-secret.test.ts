/**
 * What the fixture harness cannot see: severities, and that no secret value leaves the engine in
 * any output format.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { render, scan } from "../../src/api.js";
import type { RunResult } from "../../src/model/finding.js";
import { FIXTURES_ROOT } from "../helpers/rule-fixtures.js";

const RULE = "secrets/hardcoded-secret";
const FIRE = path.join(FIXTURES_ROOT, RULE, "fire");

async function scanCase(name: string): Promise<RunResult> {
  const dir = path.join(FIRE, name);
  return scan({ path: dir, repoRoot: dir, only: [RULE] });
}

/** Every literal secret written into the fire fixtures (each distinctive, so a substring check is exact). */
const SECRETS_BY_CASE: Record<string, string[]> = {
  "connection-urls": ["Vq8mT3nLx2", "p@ss:W0rd", "Mx9Lw4Zt8N", "Hd1Pq5Wk0Y", "Zt8Nc3Rj6H", "Kq7Vb2Mx", "Jw3Rt7Yp2Q"],
  "named-keys-json": ["Tq4Wz8Nx2Lp", "c8f1d9e27a4b6053", "Yb6Rn2Vk9Qw3", "k3Jd8Sm2Pq7Xw"],
  "env-file": ["mysupersecretsigningkey", "Gh4Kq8Wd2", "Lp9Vx3Mz7Qr", "sk_live_hrNZtJQnjZHb17duK8oC5tKQ", "ghp_tKOYTJaPdeGn7MnNp3oyrqWvt7ULHPR1tQN4"],
  "provider-tokens": [
    "AKIAPICZ5FSU3SJZY44J",
    "xoxb-15548574804-1765167927752-FCJMVUnYBHSI5Dvvf71uT8zJ",
    "q8Xv2Lm9Tz4Kw7Rb3Nc6Hd1P",
    "AIzaatdsAELTpQOJgNNTJWxXUTgkf36BZ0QuTZZ",
  ],
  "private-key-yaml": ["MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBALaVILEkode9800p"],
  "k8s-env-literal": ["Vq8mT3nLx2", "Wm4Xq8Lz2Rv6", "Tq4Wz8Nx2Lp", "Hx4Lm8Qz2Wc"],
  "k8s-configmap": ["Rk7tq2WmZb", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"],
  "k8s-secret-manifest": ["Sx7Kd2Qm9Vb", Buffer.from("Sx7Kd2Qm9Vb").toString("base64"), "Nf5Hw9Tc3Kx7"],
  "dockerfile-env-arg": ["Jx8Kd3Wq7Lm2", "Pz6Vn2Xc9Rb4", "Bt5Mq8Wz3Ks", "Qw7Er4Ty9Ui"],
  "go-zero-jwt-key": ["Rk7tq2WmZb", "7Hc2pXvQ9sLm4NbW"],
  "compose-local-default": ["Vb8Nm3Kq6Wx2Zt"],
  "example-file-real-token": ["ghp_tKOYTJaPdeGn7MnNp3oyrqWvt7ULHPR1tQN4"],
};

describe(`${RULE}: no secret value in any output`, () => {
  for (const [name, secrets] of Object.entries(SECRETS_BY_CASE)) {
    it(name, async () => {
      const result = await scanCase(name);
      expect(result.findings.length).toBeGreaterThan(0);
      const outputs = {
        json: render(result, "json"),
        sarif: render(result, "sarif"),
        terminal: render(result, "terminal"),
        messages: result.findings.map((f) => `${f.message}\n${f.fix}`).join("\n"),
      };
      for (const [format, text] of Object.entries(outputs)) {
        for (const secret of secrets) expect(text.includes(secret), `${format} contains ${secret}`).toBe(false);
      }
    });
  }

  it("keeps ordinary words readable when the secret is one (the seed's DSN password is \"password\")", async () => {
    const result = await scanCase("go-zero-seed-config");
    const sarif = JSON.parse(render(result, "sarif")) as { runs: { results: unknown[] }[] };
    // The rule's documentation quotes the seed on purpose; the results must not.
    const perFinding = [JSON.stringify(sarif.runs[0]!.results), ...result.findings.map((f) => `${f.message}\n${f.fix}`)];
    for (const text of perFinding) {
      expect(text).not.toContain("password");
      expect(text).not.toContain("a_long_secret_key");
      expect(text).not.toContain("****"); // a better wording was chosen instead of a masked one
    }
    const dsn = result.findings.find((f) => f.range.start.line === 8)!;
    expect(dsn.message).toContain('"DB.DataSource"');
    expect(dsn.message).toContain("MySQL DSN");
    expect(result.findings.find((f) => f.range.start.line === 13)!.message).toContain('"Auth.AccessSecret"');
  });
});

describe(`${RULE}: severities`, () => {
  it("reports committed secrets as errors", async () => {
    const result = await scanCase("go-zero-seed-config");
    expect(result.findings.map((f) => f.severity)).toEqual(["error", "error"]);
  });

  it("downgrades well-known defaults in a local compose stack to notes, not real-looking secrets", async () => {
    const result = await scanCase("compose-local-default");
    expect(result.findings.map((f) => [f.range.start.line, f.severity])).toEqual([
      [6, "note"],
      [10, "note"],
      [11, "error"],
    ]);
  });

  it("treats a plain .env as local: a well-known default is a note, real-looking secrets stay errors", async () => {
    const result = await scanCase("env-file");
    expect(result.findings.map((f) => [f.range.start.line, f.severity])).toEqual([
      [2, "error"],
      [3, "error"],
      [4, "error"],
      [5, "error"],
      [6, "error"],
      [7, "note"],
    ]);
  });

  it("reports a real-looking provider token in a placeholder file as a note", async () => {
    const result = await scanCase("example-file-real-token");
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.severity).toBe("note");
    expect(result.findings[0]!.message).toContain("GitHub token");
  });

  it("names the key and the kind of secret", async () => {
    const result = await scanCase("k8s-env-literal");
    const messages = result.findings.map((f) => f.message);
    expect(messages).toContainEqual(expect.stringContaining('Env var DB_PASSWORD of container "orders" in Deployment "orders"'));
    expect(messages).toContainEqual(expect.stringContaining("(api-token)"));
    expect(messages).toContainEqual(expect.stringContaining("PostgreSQL URL with an inline password"));
  });
});

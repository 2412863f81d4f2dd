import type { DockerfileModel } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { baseFrom, finalStage, isNonProductionDockerfile, stageLineage } from "../../src/rule-kit/docker.js";
import { assignments, buildContext, copyParts } from "../../src/rule-kit/docker-build.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

/** Imports that mean the program opens TLS connections. */
const TLS_IMPORTS: { test: (module: string) => boolean; what: string }[] = [
  { test: (m) => m === "crypto/tls", what: "imports `crypto/tls`" },
  { test: (m) => m === "google.golang.org/grpc/credentials" || m === "google.golang.org/grpc/credentials/google" || m === "google.golang.org/grpc/credentials/oauth", what: "imports gRPC transport credentials" },
  { test: (m) => m.startsWith("cloud.google.com/go/") || m.startsWith("google.golang.org/api/"), what: "uses a Google Cloud client (HTTPS)" },
  { test: (m) => m.startsWith("github.com/aws/aws-sdk-go"), what: "uses the AWS SDK (HTTPS)" },
  { test: (m) => m.startsWith("github.com/stripe/stripe-go") || m.startsWith("firebase.google.com/go"), what: "uses an HTTPS API client" },
];

const HTTPS_LITERAL = /"https:\/\/[a-z0-9]/i;

interface Evidence {
  path: string;
  range: Range;
  what: string;
}

/** What one non-test Go file shows: its first TLS evidence, if any (a file without any still counts as seen). */
interface FileFacts {
  tls?: { range: Range; what: string };
}

interface Candidate {
  dockerfile: DockerfileModel;
  contextDir: string;
}

export default defineRule<FileFacts>({
  meta: {
    id: "docker/scratch-ca-certificates",
    section: "foundation",
    title: "Images built FROM scratch that make TLS calls carry CA certificates",
    severity: "warning",
    rationale:
      "`scratch` is empty: without a CA bundle in `/etc/ssl/certs`, every TLS connection the service opens (HTTPS APIs, cloud SDKs, TLS databases, gRPC with credentials) fails with `x509: certificate signed by unknown authority`, often only on the first production call.",
    remediation:
      "Copy the CA bundle from the build stage: `COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/`, or use `gcr.io/distroless/static`, which ships it.",
    docs: `
Only final images built on \`scratch\` are checked. \`gcr.io/distroless/static\` and \`base\` ship CA certificates;
so do Alpine images (the \`ca-certificates-bundle\` package is part of the base image since Alpine 3.13, so
\`apk add ca-certificates\` is not needed for outgoing TLS). Debian and Ubuntu *slim* images lack them, but are
out of scope here.

The image counts as having certificates when the final stage (or a stage it builds on) copies anything to
\`/etc/ssl/\` or \`/etc/pki/\`, copies a file named like a CA bundle (\`ca-certificates.crt\`, \`cacert.pem\`,
\`ca-bundle.crt\`), or sets \`SSL_CERT_FILE\` / \`SSL_CERT_DIR\`.

Whether the service makes TLS calls is read from the Go source in the build context (test and generated files
skipped): it **does** when a file imports \`crypto/tls\`, gRPC transport credentials, a Google Cloud or AWS SDK, or
an HTTPS API client, or writes an \`"https://...\` string literal. Then the finding is a **warning** naming that
file. Otherwise the rule cannot tell (TLS endpoints often come from configuration) and reports a **note**.

**Bad**
\`\`\`dockerfile
FROM scratch
COPY --from=build /app /app
ENTRYPOINT ["/app"]
\`\`\`

**Good**
\`\`\`dockerfile
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /app /app
ENTRYPOINT ["/app"]
\`\`\`

Not reported: development, test and CI Dockerfiles.
`.trim(),
    inputs: ["dockerfile"],
    tags: ["docker", "tls", "startup"],
    precision: "high",
  },
  analyzeGo(file): FileFacts | undefined {
    if (file.isTest || file.isGenerated) return undefined;
    for (const imported of file.imports) {
      const match = TLS_IMPORTS.find((t) => t.test(imported.module));
      if (match) return { tls: { range: imported.range, what: match.what } };
    }
    // The pattern cannot span lines: a file that does not contain it anywhere is not split into lines.
    if (!HTTPS_LITERAL.test(file.text)) return {};
    const lines = file.text.split("\n");
    const index = lines.findIndex((line) => !line.trimStart().startsWith("//") && HTTPS_LITERAL.test(line));
    if (index < 0) return {};
    const column = lines[index]!.indexOf('"https://') + 1;
    return { tls: { range: { start: { line: index + 1, column }, end: { line: index + 1, column } }, what: "calls an `https://` URL" } };
  },
  create({ repo, report }) {
    const candidates: Candidate[] = [];
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      const final = finalStage(dockerfile);
      if (!final || !baseFrom(dockerfile, final).scratch || hasCertificates(dockerfile)) continue;
      candidates.push({ dockerfile, contextDir: buildContext(repo, dockerfile).dir });
    }
    if (candidates.length === 0) return {};
    const evidence: Evidence[] = [];
    const goFiles: string[] = [];
    return {
      // Only files in a candidate's build context count, and candidates need the repository: decided here.
      goFacts(facts, path) {
        if (!candidates.some((c) => inside(c.contextDir, path))) return;
        goFiles.push(path);
        if (facts.tls) evidence.push({ path, range: facts.tls.range, what: facts.tls.what });
      },
      end() {
        for (const { dockerfile, contextDir } of candidates) {
          const from = finalStage(dockerfile)!.from.instruction;
          const found = evidence.find((e) => inside(contextDir, e.path));
          const fix = "Copy the CA bundle from the build stage: `COPY --from=<build-stage> /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/` (or use `gcr.io/distroless/static`).";
          if (found) {
            report({
              path: dockerfile.path,
              range: from.range,
              message:
                `The final image is built FROM scratch and gets no CA certificates, but the service makes TLS calls (${found.path} ${found.what}): ` +
                "every TLS connection will fail with `x509: certificate signed by unknown authority`.",
              fix,
              related: [{ path: found.path, range: found.range, message: "TLS use." }],
            });
            continue;
          }
          const seen = goFiles.some((p) => inside(contextDir, p));
          report({
            path: dockerfile.path,
            range: from.range,
            severity: "note",
            message:
              `The final image is built FROM scratch and gets no CA certificates; ${seen ? "the Go source in its build context shows no TLS use" : "no Go source of its build context is visible"}, ` +
              "but TLS endpoints can come from configuration, so this cannot be verified: if the service opens any TLS connection it fails with `x509: certificate signed by unknown authority`.",
            fix,
          });
        }
      },
    };
  },
});

function hasCertificates(dockerfile: DockerfileModel): boolean {
  const final = finalStage(dockerfile)!;
  for (const stage of stageLineage(dockerfile, final)) {
    for (const instruction of stage.instructions) {
      if (instruction.keyword === "ENV" && assignments(instruction).some((a) => a.key === "SSL_CERT_FILE" || a.key === "SSL_CERT_DIR")) return true;
      const parts = copyParts(dockerfile, stage, instruction);
      if (!parts) continue;
      if (/^\/etc\/(ssl|pki)(\/|$)/.test(parts.dest)) return true;
      if ([...parts.sources, parts.dest].some((p) => /(ca-certificates|cacert|ca-bundle)[^/]*$/i.test(p) || /^\/?etc\/(ssl|pki)(\/|$)/.test(p))) return true;
    }
  }
  return false;
}

function inside(dir: string, path: string): boolean {
  return dir === "" || path.startsWith(`${dir}/`);
}

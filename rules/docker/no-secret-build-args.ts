import type { DockerInstruction } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { isNonProductionDockerfile } from "../../src/rule-kit/docker.js";
import { assignments } from "../../src/rule-kit/docker-build.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { isSecretLikeName, scanValue } from "../../src/rule-kit/secrets.js";

/** `$NAME` / `${NAME}` / `${NAME:-x}` references in a value. */
const REFERENCE = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/g;

export default defineRule({
  meta: {
    id: "docker/no-secret-build-args",
    section: "security",
    title: "Secrets reach the build through secret mounts, not ARG or ENV",
    severity: "warning",
    rationale:
      "Build arguments are recorded in the image: `docker history` and the build provenance show the value of every ARG a RUN used, and an ENV copied from a build argument is stored in the image config for anyone who can pull it. A registry token or database password passed that way leaks with every image.",
    remediation:
      "Pass build secrets with `RUN --mount=type=secret,id=npm_token ...` (`docker build --secret id=npm_token,env=NPM_TOKEN`), and runtime secrets through the orchestrator (Kubernetes Secret), never through ARG or ENV.",
    docs: `
Reports, in production Dockerfiles:

- \`ARG\` with a secret-like name (\`NPM_TOKEN\`, \`GITHUB_TOKEN\`, \`DB_PASSWORD\`, \`AWS_SECRET_ACCESS_KEY\`, ...),
  with or without a default: whatever value \`--build-arg\` gives lands in the image history;
- \`ENV\` with a secret-like name whose value comes from a variable (\`ENV DB_PASSWORD=\${DB_PASSWORD}\`): the
  build argument's value is frozen into the image config (\`docker inspect\`).

**Bad**
\`\`\`dockerfile
ARG NPM_TOKEN
RUN echo "//registry.npmjs.org/:_authToken=\${NPM_TOKEN}" > .npmrc && npm ci
ENV DB_PASSWORD=\${DB_PASSWORD}
\`\`\`

**Good**
\`\`\`dockerfile
RUN --mount=type=secret,id=npm_token \\
    NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci
# DB_PASSWORD is set at run time from a Kubernetes Secret (env.valueFrom.secretKeyRef).
\`\`\`

Secret-like names are those \`secrets/hardcoded-secret\` uses; names *about* a secret (\`SECRET_NAME\`,
\`TOKEN_URL\`, \`PASSWORD_FILE\`) are not secrets.

**Division of labour with \`secrets/hardcoded-secret\`.** That rule reports a literal secret *value* written in
the Dockerfile (\`ENV API_TOKEN=3f9a...\`, an \`ARG\` default that is a real credential). This rule is about the
*mechanism*, and stays silent on any assignment that rule reports, so a line is never reported twice. An
\`ENV\` with a literal placeholder (\`ENV DB_PASSWORD=changeme\`) or an empty value is a default to override at
run time, not a leak, and is not reported by either.

Not reported: development, test and CI Dockerfiles.
`.trim(),
    inputs: ["dockerfile"],
    tags: ["docker", "security", "secrets"],
    precision: "high",
    securitySeverity: 6.5,
  },
  check({ repo, report }) {
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      const instructions: DockerInstruction[] = [...dockerfile.globalArgs, ...dockerfile.stages.flatMap((s) => s.instructions)];
      for (const instruction of instructions) {
        if (instruction.keyword !== "ARG" && instruction.keyword !== "ENV") continue;
        for (const { key, value } of assignments(instruction)) {
          if (!isSecretLikeName(key)) continue;
          // A literal secret value is secrets/hardcoded-secret's finding on this line.
          if (value !== undefined && scanValue(key, value).length > 0) continue;
          if (instruction.keyword === "ARG") {
            report({
              path: dockerfile.path,
              range: instruction.argsRange,
              message: `Build argument \`${key}\` carries a secret: the value passed with --build-arg is recorded in the image history and build provenance of every image that uses it, readable by anyone who can pull the image.`,
              fix: `Remove \`ARG ${key}\` and mount the secret where it is needed: \`RUN --mount=type=secret,id=${key.toLowerCase()} ...\` with \`docker build --secret id=${key.toLowerCase()},env=${key}\`.`,
              ...(value ? { secrets: [value] } : {}),
            });
            continue;
          }
          const referenced = value === undefined ? [] : [...value.matchAll(REFERENCE)].map((m) => m[1]!);
          if (referenced.length === 0) continue;
          report({
            path: dockerfile.path,
            range: instruction.argsRange,
            message: `\`ENV ${key}\` is set from \`$${referenced[0]}\`: the secret's value at build time is stored in the image config (docker inspect) and inherited by every container of the image.`,
            fix: `Remove the ENV and provide \`${key}\` at run time (a Kubernetes Secret via env.valueFrom.secretKeyRef); for build steps use \`RUN --mount=type=secret\`.`,
          });
        }
      }
    }
  },
});

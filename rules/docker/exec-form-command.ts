import type { DockerFrom, DockerInstruction } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { baseFrom, finalStage, isNonProductionDockerfile } from "../../src/rule-kit/docker.js";
import { imageLabel, startCommand } from "../../src/rule-kit/docker-build.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

/** Init processes that forward signals to their child and reap zombies. */
const INITS = new Set(["tini", "tini-static", "dumb-init", "catatonit", "s6-svscan", "init"]);

export default defineRule({
  meta: {
    id: "docker/exec-form-command",
    section: "operations",
    title: "The image starts its process in exec form (JSON array)",
    severity: "warning",
    rationale:
      "A shell-form CMD or ENTRYPOINT runs under `/bin/sh -c`: the shell is PID 1, Kubernetes' and Docker's SIGTERM goes to it and is not passed on, so the service never shuts down gracefully and is killed after the grace period, dropping in-flight requests. On an image without a shell (scratch, distroless) the container does not start at all.",
    remediation: "Write CMD/ENTRYPOINT as a JSON array (`ENTRYPOINT [\"/app/server\"]`), or start a shell-form line with `exec` so the shell replaces itself.",
    docs: `
The rule reads the ENTRYPOINT and CMD in effect for the **final stage** (inherited through \`FROM <stage>\`; an
ENTRYPOINT set later resets an inherited CMD, as Docker does).

**Bad**
\`\`\`dockerfile
FROM node:20-slim
CMD node dist/main.js                 # /bin/sh -c "node dist/main.js": SIGTERM stops at the shell
\`\`\`

\`\`\`dockerfile
FROM scratch
COPY --from=build /app /app
ENTRYPOINT /app                       # error: scratch has no /bin/sh, the container cannot start
\`\`\`

**Good**
\`\`\`dockerfile
CMD ["node", "dist/main.js"]
ENTRYPOINT ["/app/server", "-f", "etc/config.yaml"]
ENTRYPOINT exec locust --host "http://\${FRONTEND_ADDR}"   # needs the shell for variables; exec replaces it
ENTRYPOINT ["/sbin/tini", "--"]
CMD node server.js                    # an init process is PID 1 and forwards signals
\`\`\`

Severity: an **error** when the final image has no shell (\`scratch\`, distroless and Chainguard static images
except their \`:debug\` tags, .NET \`chiseled\` images); a **warning** otherwise. Some shells replace themselves
with a single simple command; the rule does not rely on it, as hadolint and Docker's own build checks do not.

Not reported: exec-form lines that call a shell themselves (\`["sh", "-c", "..."]\`, a deliberate choice), shell
form starting with \`exec\`, a shell-form CMD after an exec-form ENTRYPOINT of an init process (\`tini\`,
\`dumb-init\`, \`catatonit\`), images without CMD or ENTRYPOINT (the base image's applies), and development,
test and CI Dockerfiles.
`.trim(),
    inputs: ["dockerfile"],
    tags: ["docker", "graceful-shutdown", "signals"],
    precision: "high",
    options: {
      initPrograms: {
        type: "string[]",
        default: [...INITS],
        description: "Init processes that forward signals to their child: with one of them as exec-form ENTRYPOINT, a shell-form CMD is accepted.",
      },
    },
  },
  check({ repo, report, options }) {
    const inits = new Set(options.initPrograms as readonly string[]);
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      const final = finalStage(dockerfile);
      if (!final) continue;
      const base = baseFrom(dockerfile, final);
      const shellless = hasNoShell(base);
      const { entrypoint, cmd } = startCommand(dockerfile, final);

      const flag = (instruction: DockerInstruction, why: string) => {
        const keyword = instruction.keyword;
        if (shellless) {
          report({
            path: dockerfile.path,
            range: instruction.range,
            severity: "error",
            message: `${keyword} is in shell form, which Docker runs as \`/bin/sh -c ...\`, but the final image (\`${imageLabel(base)}\`) has no shell: the container fails to start.`,
            fix: `Write ${keyword} as a JSON array: \`${keyword} ${suggestExec(instruction)}\`.`,
          });
          return;
        }
        report({
          path: dockerfile.path,
          range: instruction.range,
          message: `${keyword} is in shell form, so the process runs under \`/bin/sh -c\`${why}: SIGTERM from \`docker stop\` or Kubernetes goes to the shell, which does not pass it on, so the service is killed after the grace period instead of shutting down cleanly.`,
          fix: `Write ${keyword} as a JSON array (\`${keyword} ${suggestExec(instruction)}\`), or start the shell line with \`exec\` when it needs variable expansion.`,
        });
      };

      if (entrypoint) {
        const instruction = entrypoint.instruction;
        if (!instruction.exec) {
          if (!startsWithExec(instruction) || shellless) flag(instruction, "");
          continue;
        }
        if (!cmd || cmd.instruction.exec) continue;
        const program = (instruction.exec[0] ?? "").split("/").at(-1) ?? "";
        if (inits.has(program) && !shellless) continue;
        if (startsWithExec(cmd.instruction) && !shellless) continue;
        flag(cmd.instruction, ` (appended to the ENTRYPOINT as \`/bin/sh -c "..."\`)`);
        continue;
      }
      if (cmd && !cmd.instruction.exec && (!startsWithExec(cmd.instruction) || shellless)) flag(cmd.instruction, "");
    }
  },
});

function startsWithExec(instruction: DockerInstruction): boolean {
  return /^exec\s/.test(instruction.text.trim());
}

/** Images documented to ship no /bin/sh. */
function hasNoShell(from: DockerFrom): boolean {
  if (from.scratch) return true;
  const image = from.image;
  if (!image) return false;
  const tag = image.tag ?? "";
  if (tag.includes("debug")) return false;
  if (image.repository.startsWith("distroless/")) return true;
  if (image.registry === "cgr.dev" && !tag.includes("dev")) return image.name === "static";
  return tag.includes("chiseled");
}

/** The shell line as a JSON array when it is plain words; a placeholder otherwise. */
function suggestExec(instruction: DockerInstruction): string {
  const text = instruction.text.trim();
  if (/[$&|;<>`*?(){}]/.test(text) || text.includes("\n")) return '["<program>", "<arg>", ...]';
  const shown = JSON.stringify(instruction.args).replace(/","/g, '", "');
  return shown.length > 80 ? '["<program>", "<arg>", ...]' : shown;
}

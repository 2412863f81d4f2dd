import type { DockerfileModel, DockerInstruction, DockerStage } from "../../src/model/artifacts.js";
import type { Repository } from "../../src/model/repository.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { finalStage, isNonProductionDockerfile, stageLineage } from "../../src/rule-kit/docker.js";
import { buildContext, folderOf, joinRelative, pathExists, resolvePath, startCommand, traceFile, workdirAt } from "../../src/rule-kit/docker-build.js";
import { composeServicesBuilding, containersRunning } from "../../src/rule-kit/docker-deploy.js";
import { isRecord } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

/** Flags that name a configuration file: go-zero's `-f`, and the usual `--config` spellings. */
const CONFIG_FLAGS = new Set(["-f", "--f", "-config", "--config", "-conf", "--conf", "-config-file", "--config-file", "-config-path", "--config-path", "-c", "--c"]);
/** Programs whose `-c`/`-f` is not a configuration file. */
const NOT_CONFIG_PROGRAMS = new Set(["sh", "bash", "ash", "dash", "zsh", "python", "python3", "node", "tail", "reflex", "java"]);
/** Extensions of files discovery lists, so their absence from the repository is meaningful. */
const LISTED = /\.(ya?ml|json|env)$/i;

export default defineRule({
  meta: {
    id: "docker/runtime-config-present",
    section: "foundation",
    title: "The config file named by CMD/ENTRYPOINT is in the image",
    severity: "error",
    rationale:
      "A service started with `-f etc/config.yaml` exits at once when that file is not in the image (go-zero's `conf.MustLoad` ends the process): the container crash-loops on its first deployment although the build succeeded.",
    remediation: "Copy the config file into the final stage at the path the command names (relative to WORKDIR), or mount it there at run time (ConfigMap, volume).",
    docs: `
Reads the configuration file named on the final stage's ENTRYPOINT/CMD (\`-f etc/config.yaml\`, \`--config=...\`,
\`-config\`, \`--config-file\`, \`-c\` except for shells and interpreters), resolves it against the WORKDIR in
effect, and follows the \`COPY\`/\`ADD\` instructions that put it there — through \`COPY --from=<stage>\` into
build stages — back to the build context.

- **error**: it is copied from the build context, but the repository has no such file (not committed, or ignored
  by \`.gitignore\`), or the context's \`.dockerignore\` leaves it out: the service cannot start;
- **warning**: nothing copies it into the image and nothing mounts it there (no \`VOLUME\`, no Kubernetes
  \`volumeMount\` of a container running this image, no Compose \`volumes:\` on a service building it);
- **note**: nothing copies it, and the repository has Kubernetes manifests none of which can be matched to this
  image (see \`docker/healthcheck-defined\` for the matching): a ConfigMap may be mounted there.

The build context is the Dockerfile's folder, unless the paths its COPY instructions name exist only relative to
an ancestor folder: go-zero's \`goctl docker\` writes \`app/usercenter/cmd/rpc/Dockerfile\` and builds it from the
module root (\`COPY app/usercenter/cmd/rpc/etc /app/etc\`).

**Bad**
\`\`\`dockerfile
FROM scratch
WORKDIR /app
COPY --from=builder /app/usercenter /app/usercenter
CMD ["./usercenter", "-f", "etc/usercenter.yaml"]      # nothing copies /app/etc
\`\`\`

**Good**
\`\`\`dockerfile
# in the builder stage: COPY app/usercenter/cmd/rpc/etc /app/etc
COPY --from=builder /app/etc /app/etc
CMD ["./usercenter", "-f", "etc/usercenter.yaml"]
\`\`\`

Not reported: a path holding a variable (\`-f \${CONFIG}\`), a file that a RUN in the build may create (its name
appears in a RUN), a file copied from another image or made in a build stage, a file under a context folder
the repository does not show (\`COPY app /app\` may copy a build artifact), existence of files of kinds
this tool does not list (\`.toml\`, \`.ini\`: only YAML, JSON and \`.env\` files are checked), development, test and
CI Dockerfiles.
`.trim(),
    inputs: ["dockerfile"],
    tags: ["docker", "config", "startup"],
    precision: "high",
    options: {
      configFlags: {
        type: "string[]",
        default: [...CONFIG_FLAGS],
        description: "Command-line flags whose value is the path of a configuration file (`-f etc/app.yaml`, `--config=...`).",
      },
    },
  },
  check({ repo, report, options }) {
    const flags = new Set(options.configFlags as readonly string[]);
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      const final = finalStage(dockerfile);
      if (!final) continue;
      const start = startCommand(dockerfile, final);
      const argv = start.argv;
      if (!argv || argv.length === 0) continue;
      const program = argv[0]!.split("/").at(-1)!;
      if (NOT_CONFIG_PROGRAMS.has(program)) continue;
      const written = configArgument(argv, flags);
      if (written === undefined) continue;
      const instruction = pickInstruction(start, written);
      const workdir = workdirAt(dockerfile, final);
      const inImage = resolvePath(workdir, written);
      const origin = traceFile(dockerfile, final, inImage);
      const named = `\`${written}\`${written.startsWith("/") ? "" : ` (${inImage} in the image)`}`;

      if (origin.kind === "none") {
        if (createdByRun(dockerfile, inImage) || mounted(repo, dockerfile, final, inImage)) continue;
        const unknownDeployment = repo.kubernetes.length > 0 && containersRunning(repo, dockerfile).length === 0;
        report({
          path: dockerfile.path,
          range: instruction.range,
          severity: unknownDeployment ? "note" : "warning",
          message: unknownDeployment
            ? `${instruction.keyword} names config ${named}, which no COPY puts into the image; no Kubernetes container in this repository could be matched to this image to check that a ConfigMap or volume is mounted there. If nothing is, the service cannot start.`
            : `${instruction.keyword} names config ${named}, which no COPY puts into the image and nothing mounts there: the service exits at start.`,
          fix: `Copy the file into the final stage (\`COPY <path-in-repo> ${inImage}\`) or mount it at ${folderOf(inImage) || "/"} at run time.`,
        });
        continue;
      }
      if (origin.kind !== "context" || !LISTED.test(origin.path)) continue;
      const context = buildContext(repo, dockerfile);
      const inRepo = joinRelative(context.dir, origin.path);
      const copyLine = origin.instruction.range.start.line;
      const ignore = repo.dockerignores.find((d) => d.path === joinRelative(context.dir, ".dockerignore"));
      // A folder the repository does not show may be a build artifact (`COPY app /app` of a binary): only a
      // missing file in a folder that is there is known to be missing.
      const folderSeen = folderOf(inRepo) === context.dir || pathExists(repo, folderOf(inRepo));
      if (!repo.files.some((f) => f.path === inRepo)) {
        if (!folderSeen || createdByRun(dockerfile, inImage)) continue;
        report({
          path: dockerfile.path,
          range: instruction.range,
          message:
            `${instruction.keyword} names config ${named}, copied by line ${copyLine} from \`${inRepo}\` ` +
            `(build context \`${context.dir || "."}\`), which is not in the repository (or is ignored by .gitignore): the build fails or the service exits at start.`,
          fix: `Commit \`${inRepo}\` (a template with \${VAR} placeholders for secrets), or fix the path in the COPY or the command.`,
          related: [{ path: dockerfile.path, range: origin.instruction.range, message: "Copies the config into the image." }],
        });
      } else if (ignore?.excludes(origin.path)) {
        report({
          path: dockerfile.path,
          range: instruction.range,
          message: `${instruction.keyword} names config ${named}, copied by line ${copyLine} from \`${inRepo}\`, but \`${ignore.path}\` leaves it out of the build context: the build fails or the service exits at start.`,
          fix: `Add \`!${origin.path}\` to ${ignore.path}, after the pattern that excludes it.`,
          related: [{ path: dockerfile.path, range: origin.instruction.range, message: "Copies the config into the image." }],
        });
      }
    }
  },
});

/** The value of the first configuration flag (`-f x`, `--config=x`), when it is a literal path with an extension. */
function configArgument(argv: string[], flags: ReadonlySet<string>): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    const eq = word.indexOf("=");
    const flag = eq > 0 ? word.slice(0, eq) : word;
    if (!flags.has(flag)) continue;
    const value = eq > 0 ? word.slice(eq + 1) : argv[i + 1];
    if (value === undefined || value === "" || value.startsWith("-") || value.includes("$")) return undefined;
    return /\.[A-Za-z0-9]+$/.test(value) ? value : undefined;
  }
  return undefined;
}

function pickInstruction(start: ReturnType<typeof startCommand>, written: string): DockerInstruction {
  const inCmd = start.cmd && (start.cmd.instruction.exec ?? [start.cmd.instruction.text]).some((w) => w.includes(written));
  return (inCmd ? start.cmd : (start.entrypoint ?? start.cmd))!.instruction;
}

/** A RUN anywhere in the build mentions the file's name: it may be generated (envsubst, a template step). */
function createdByRun(dockerfile: DockerfileModel, path: string): boolean {
  const name = path.split("/").at(-1)!;
  return dockerfile.stages.some((s) => s.instructions.some((i) => i.keyword === "RUN" && i.text.includes(name)));
}

/** A VOLUME, a Kubernetes volumeMount or Compose volumes cover the path. */
function mounted(repo: Repository, dockerfile: DockerfileModel, final: DockerStage, path: string): boolean {
  const covers = (dir: string) => {
    const clean = dir.replace(/\/+$/, "");
    return path === clean || path.startsWith(`${clean}/`);
  };
  for (const stage of stageLineage(dockerfile, final)) {
    for (const i of stage.instructions) if (i.keyword === "VOLUME" && i.args.some(covers)) return true;
  }
  for (const container of containersRunning(repo, dockerfile)) {
    const mounts = container.container.volumeMounts;
    if (Array.isArray(mounts) && mounts.some((m) => isRecord(m) && typeof m.mountPath === "string" && covers(m.mountPath))) return true;
  }
  for (const service of composeServicesBuilding(repo, dockerfile)) {
    const volumes = service.service.volumes;
    if (!Array.isArray(volumes)) continue;
    for (const volume of volumes) {
      const target = typeof volume === "string" ? volume.split(":")[1] : isRecord(volume) && typeof volume.target === "string" ? volume.target : undefined;
      if (target && covers(target)) return true;
    }
  }
  return false;
}

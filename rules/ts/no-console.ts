import { ts } from "ts-morph";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { defineRule, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { typescriptKit } from "../../src/rule-kit/typescript.js";
import type { RepoFile } from "../../src/model/repository.js";

const kit = typescriptKit(ts);

/** Output methods reported. `time`, `count`, `group` and `assert` are left alone: rare, and paired with these. */
const STREAM_OF: Record<string, "stdout" | "stderr"> = {
  log: "stdout",
  info: "stdout",
  debug: "stdout",
  dir: "stdout",
  table: "stdout",
  warn: "stderr",
  error: "stderr",
  trace: "stderr",
};

/**
 * Folders of run-once scripts and command-line tools, where printing to the terminal is the point,
 * and of sample code that is not deployed.
 */
const SCRIPT_DIRS = new Set([
  "scripts", "script", "bin", "tools", "cli", "migrations", "seeds", "seeders",
  "examples", "example", "samples", "demo",
]);

/** Folders of code that runs in a browser, where there is no service logger to use. */
const BROWSER_DIRS = new Set(["public", "static", "assets", "client", "frontend", "browser", "www", "web"]);

/**
 * Files that mark the root of a front-end or full-stack web app. Their server parts run on platforms
 * that collect console output themselves (Vercel, Netlify), so the whole app is left alone.
 */
const FRONTEND_MARKER = /^(angular\.json|eas\.json|(next|nuxt|svelte|astro|remix|gatsby|metro)[.-]config\.[cm]?[jt]s)$/;

/** A JSX entry point (`src/main.tsx`, Vite and Create React App): its parent folder is a single-page app. */
const SPA_ENTRY = /(^|\/)src\/(main|index)\.[jt]sx$/;

/** Modules whose import means the file already has a structured logger at hand. */
const LOGGER_MODULES = new Set(["pino", "winston", "bunyan", "log4js", "@nestjs/common"]);

export default defineRule({
  meta: {
    id: "ts/no-console",
    section: "architecture",
    title: "Service code logs through a structured logger, not console",
    severity: "warning",
    rationale:
      "console output is plain text without a level, fields or a trace id: log pipelines cannot filter, " +
      "alert on or correlate it with a request, and noisy debug prints cannot be turned off in production.",
    remediation: "Log through the service's structured logger (pino, winston, the NestJS Logger) instead of console.",
    docs: `
Reports calls of \`console.log\`, \`info\`, \`debug\`, \`warn\`, \`error\`, \`trace\`, \`dir\` and \`table\`
(also written \`console["log"]\` or \`console?.log\`) in TypeScript and JavaScript service code.

### Bad
\`\`\`ts
export class OrdersService {
  async create(order: Order) {
    console.log("creating order", order.id);   // no level, no fields, no trace id
  }
}
\`\`\`

### Good
\`\`\`ts
import pino from "pino";
const logger = pino();

export async function create(order: Order) {
  logger.info({ orderId: order.id }, "creating order");
}
\`\`\`
In NestJS, use \`private readonly logger = new Logger(OrdersService.name)\` and \`this.logger.log(...)\`.

### Not reported
- A local \`console\` (a variable, parameter or import named \`console\`): it is not the global one.
- Test files and folders (\`*.test.ts\`, \`*.spec.ts\`, \`test/\`, \`__tests__/\`, \`e2e/\`, \`__mocks__/\`) and generated code.
- Scripts and command-line tools: files starting with a \`#!\` shebang, files under \`scripts/\`, \`bin/\`,
  \`tools/\`, \`cli/\`, \`migrations/\`, \`seeds/\`, and build configuration (\`*.config.js\`, \`gulpfile.js\`).
- Browser code: \`.tsx\`/\`.jsx\` components, files under \`public/\`, \`static/\`, \`assets/\`, \`client/\`,
  \`frontend/\`, \`browser/\`, \`www/\`, \`web/\`, k6 load-test scripts (they import \`k6\`), and whole apps rooted at an \`angular.json\`, a React Native \`metro.config.js\` or Expo \`eas.json\`, a
  Next.js / Nuxt / SvelteKit / Astro / Remix / Gatsby config, or a JSX entry point (\`src/main.tsx\`,
  \`src/index.jsx\`: Vite and Create React App): there is no service logger in a browser, and those
  platforms collect server-side console output themselves.
- Sample code under \`examples/\`, \`example/\`, \`samples/\`, \`demo/\`.
- Tool folders starting with a dot (\`.github/\`, \`.husky/\`, \`.artillery/\`, \`.storybook/\`).
- Calls where ESLint's own \`no-console\` is switched off: \`// eslint-disable-next-line no-console\`,
  \`// eslint-disable-line no-console\`, or a \`/* eslint-disable no-console */\` block (a bare
  \`eslint-disable\` too); the team already made that decision, typically in its logger implementation.
- \`console.time\`, \`count\`, \`group\`, \`assert\` and aliases such as \`const log = console.log\`.

A \`console.error\` in a fatal start-up path (before the logger exists) is still reported; suppress it
inline with a reason when that is deliberate. A team whose ESLint config allows some methods
(\`'no-console': ['error', { allow: ['error'] }]\`) says the same with this rule's \`allow\` option:
\`ts/no-console: [warning, { allow: [error] }]\`.
`,
    inputs: ["typescript"],
    tags: ["typescript", "javascript", "logging", "observability"],
    precision: "high",
    options: {
      allow: {
        type: "string[]",
        default: [],
        description:
          "Console methods the team allows, as ESLint's `no-console` option does (`[\"error\", \"warn\"]` when its config has `allow: [\"error\", \"warn\"]`): an ESLint config is code, so it is not read.",
      },
    },
  },
  create({ repo, report, options }) {
    const allowed = new Set(options.allow as readonly string[]);
    const frontendRoots = frontendAppRoots(repo.files);
    return {
      typescript(file) {
        if (!isServiceCode(file, scanRelative(repo, file.path), frontendRoots)) return;
        const logger = structuredLoggerImport(file);
        let lines: string[] | undefined;
        for (const call of file.calls) {
          if (call.isNew || !ts.isCallExpression(call.node)) continue;
          const access = kit.staticMemberAccess(call.node.expression);
          if (!access || !ts.isIdentifier(access.object) || access.object.text !== "console") continue;
          const stream = STREAM_OF[access.name];
          if (!stream || allowed.has(access.name)) continue;
          if (kit.findLocalDeclaration(access.object, "console")) continue; // a local `console`, not the global
          lines ??= file.text.split("\n");
          if (eslintAllowsConsole(lines, call.range.start.line)) continue;
          report({
            path: file.path,
            range: call.range,
            message:
              `console.${access.name}() writes unstructured text to ${stream}: it has no level, fields or trace id, ` +
              "so log pipelines cannot filter it or tie it to a request.",
            ...(logger ? { fix: `Use the logger this file already imports (${logger}) instead of console.${access.name}().` } : {}),
          });
        }
      },
    };
  },
});

export function isServiceCode(file: TsSourceFile, scanPath: string, frontendRoots: readonly string[]): boolean {
  if (file.isTest || file.isGenerated) return false;
  if (file.text.startsWith("#!")) return false; // an executable script
  const segments = scanPath.split("/");
  const name = segments.pop()!.toLowerCase();
  if (/\.[jt]sx$/.test(name)) return false; // React components
  if (/\.config\.[cm]?[jt]s$|^(gulpfile|gruntfile)\.[cm]?[jt]s$/.test(name)) return false; // build tooling
  const dirs = segments.map((s) => s.toLowerCase());
  if (dirs.some((d) => SCRIPT_DIRS.has(d) || BROWSER_DIRS.has(d))) return false;
  // Dot-folders hold tool configuration and hooks (.github, .husky, .artillery, .storybook), not the service.
  if (dirs.some((d) => d.startsWith("."))) return false;
  // k6 load-test scripts: console is k6's own logger there.
  if (file.imports.some((i) => i.module === "k6" || i.module.startsWith("k6/"))) return false;
  return !frontendRoots.some((root) => root === "" || file.path.startsWith(`${root}/`));
}

/** Roots (repository-relative folders, "" for the repository root) of front-end apps. */
export function frontendAppRoots(files: readonly RepoFile[]): string[] {
  const roots: string[] = [];
  for (const file of files) {
    const slash = file.path.lastIndexOf("/");
    const dir = slash < 0 ? "" : file.path.slice(0, slash);
    if (FRONTEND_MARKER.test(file.path.slice(slash + 1).toLowerCase())) roots.push(dir);
    else if (SPA_ENTRY.test(file.path)) roots.push(dir.slice(0, Math.max(0, dir.lastIndexOf("/")))); // parent of src/
  }
  return roots;
}

/** How the file's structured logger is bound, for a more specific fix: `logger from "./logger"`, `pino`. */
function structuredLoggerImport(file: TsSourceFile): string | undefined {
  for (const imp of file.imports) {
    if (!imp.localName) continue;
    if (imp.module === "@nestjs/common" ? imp.importedName === "Logger" : LOGGER_MODULES.has(imp.module)) {
      return `${imp.localName} from "${imp.module}"`;
    }
    if (/^logger$/i.test(imp.localName)) return `${imp.localName} from "${imp.module}"`;
  }
  return undefined;
}

/**
 * ESLint's own `no-console` switched off here (`eslint-disable-next-line no-console`, `-line`, or a
 * block `/* eslint-disable no-console *\/` still in force): the team already decided, usually in a
 * logger implementation or a bootstrap banner, so the same finding again would be noise.
 */
export function eslintAllowsConsole(lines: readonly string[], line: number): boolean {
  if (directiveCovers(lines[line - 1]?.match(/eslint-disable-line\b(.*)/)?.[1])) return true;
  if (directiveCovers(lines[line - 2]?.match(/eslint-disable-next-line\b(.*)/)?.[1])) return true;
  let disabled = false;
  for (let i = 0; i < line - 1; i++) {
    const block = lines[i]!.match(/\/\*\s*eslint-(disable|enable)(?![-\w])([^*]*)\*\//);
    if (block && directiveCovers(block[2])) disabled = block[1] === "disable";
  }
  return disabled;
}

/** Whether a directive's rule list (text after the keyword; `-- reason` allowed) covers no-console. */
function directiveCovers(ruleList: string | undefined): boolean {
  if (ruleList === undefined) return false;
  const names = ruleList.split("--")[0]!.replace(/\*\/.*$/, "").trim();
  return names === "" || names.split(/[\s,]+/).includes("no-console");
}

import type { SourceCall } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import { defineRule, type GoSourceFile } from "../../src/rule-kit/define-rule.js";
import { callArguments, declaredInEnclosingFunction, isPackageSelector, packageLevelNames } from "../../src/rule-kit/go.js";

const PRINT_MEMBERS = ["Print", "Printf", "Println"];
const FPRINT_MEMBERS = ["Fprint", "Fprintf", "Fprintln"];
const BUILTINS = ["print", "println"];

/**
 * Calls that make a program long-running (a server or a worker). A `main` package that makes none of
 * them is treated as a command-line tool, whose printed output is its user interface.
 */
const SERVER_STARTERS: { module: RegExp; members: string[] }[] = [
  { module: /^net\/http$/, members: ["ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS"] },
  { module: /^net$/, members: ["Listen"] },
  { module: /^google\.golang\.org\/grpc$/, members: ["NewServer"] },
  { module: /^github\.com\/zeromicro\/go-zero\/(rest|zrpc)$/, members: ["MustNewServer", "NewServer"] },
  { module: /^github\.com\/zeromicro\/go-zero\/core\/service$/, members: ["NewServiceGroup"] },
  { module: /^github\.com\/gin-gonic\/gin$/, members: ["Default", "New"] },
  { module: /^github\.com\/labstack\/echo(\/v\d+)?$/, members: ["New"] },
  { module: /^github\.com\/gofiber\/fiber(\/v\d+)?$/, members: ["New"] },
  { module: /^github\.com\/go-kratos\/kratos(\/v\d+)?$/, members: ["New"] },
];
/** `srv.ListenAndServe()` on an http.Server value: the receiver's type is unknown, the method name is telling. */
const SERVER_METHODS = /\.(ListenAndServe|ListenAndServeTLS)$/;

const IGNORED_BUILD = /^\/\/go:build ignore\s*$/m;

interface Candidate {
  path: string;
  range: Range;
  message: string;
  /** For builtin print/println: the name a package-level declaration would shadow. */
  builtin?: string;
}

/** What one Go file contributes to its package. */
interface FileFacts {
  dir: string;
  isMain: boolean;
  startsServer: boolean;
  declared: string[];
  candidates: Candidate[];
}

interface GoPackage {
  dir: string;
  isMain: boolean;
  startsServer: boolean;
  /** Package-level names declared in non-test files (a `func println` shadows the builtin). */
  declared: Set<string>;
  candidates: Candidate[];
}

export default defineRule<FileFacts>({
  meta: {
    id: "go/no-fmt-print",
    section: "architecture",
    title: "Service code logs through the structured logger, not fmt.Print",
    severity: "warning",
    rationale:
      "Text printed with fmt.Print*, or the builtin print/println, bypasses the service's logger: it has no level, " +
      "no timestamp or request fields, is not sampled or shipped like the other logs, and cannot be turned off in production.",
    remediation: "Replace the print with a call to the service's structured logger (logx, zap, zerolog or log/slog).",
    docs: `Reports \`fmt.Print\`, \`fmt.Printf\` and \`fmt.Println\` (through any import alias), \`fmt.Fprint*\`
whose writer is \`os.Stdout\` or \`os.Stderr\`, and the builtin \`print\` / \`println\` in service code.

Bad:

\`\`\`go
func (l *LoginLogic) Login(req *types.LoginReq) error {
	fmt.Println("login attempt", req.Username)
	fmt.Fprintf(os.Stderr, "db error: %v\\n", err)
}
\`\`\`

Good:

\`\`\`go
func (l *LoginLogic) Login(req *types.LoginReq) error {
	l.Logger.Infow("login attempt", logx.Field("user", req.Username))
	slog.ErrorContext(ctx, "db error", "err", err)
}
\`\`\`

Not reported:

- \`fmt.Sprintf\`, \`fmt.Errorf\`, and \`fmt.Fprint*\` to any writer other than \`os.Stdout\` / \`os.Stderr\`
  (\`fmt.Fprintf(w, ...)\` to an \`http.ResponseWriter\` is the response, not a log).
- Test files (\`_test.go\`, \`testdata/\`), \`//go:build ignore\` scripts, and generated files (\`// Code generated ... DO NOT EDIT.\`).
- Prints in \`func main()\` and \`func init()\` of a \`main\` package: they run at startup, often before the
  logger exists (goctl's \`fmt.Printf("Starting server at ...")\` banner, a config error before exiting).
- Prints inside a function named for printing (\`Print\`, \`printRoutes\`, \`DumpTree\`): the output is its job.
- A \`print\` or \`println\` that the package or the function declares itself (it shadows the builtin).
- Command-line tools, where printing is the user interface. A \`main\` package counts as a tool when
  none of its files starts a server or worker: no \`http.ListenAndServe\` / \`Serve\` (or
  \`.ListenAndServe()\` on a server value), \`net.Listen\`, \`grpc.NewServer\`, go-zero
  \`rest\` / \`zrpc\` \`MustNewServer\` or \`service.NewServiceGroup\`, \`gin.Default\` / \`gin.New\`,
  \`echo.New\`, \`fiber.New\` or \`kratos.New\`. Packages inside a tool's folder (\`cmd/migrate/internal/...\`)
  belong to the tool. When the repository has \`main\` packages and none of them starts a server, the
  whole repository is a tool and nothing is reported.
- Calls through a dot import (\`import . "fmt"\`) and print functions passed around as values.`,
    inputs: ["go"],
    tags: ["go", "logging", "observability"],
    precision: "high",
  },
  analyzeGo(file): FileFacts | undefined {
    // Test files never ship, and may even belong to an external `_test` package; `//go:build ignore`
    // files are `go run` scripts that share a folder with a real package but are never built into it.
    if (file.isTest || IGNORED_BUILD.test(file.text)) return undefined;
    // A k6 extension is compiled into the k6 load-test tool, which owns the console.
    if (file.imports.some((i) => i.module.startsWith("go.k6.io/k6"))) return undefined;
    const facts: FileFacts = {
      dir: file.dir,
      isMain: file.packageName === "main",
      startsServer: false,
      declared: [...packageLevelNames(file.root)],
      candidates: [],
    };
    for (const call of file.calls) {
      if (startsServer(call)) facts.startsServer = true;
      if (file.isGenerated || isProgramStartup(file, call) || isPrintHelper(call)) continue;
      const candidate = printCandidate(file, call);
      if (candidate) facts.candidates.push(candidate);
    }
    return facts;
  },
  create({ report }) {
    const packages = new Map<string, GoPackage>();

    return {
      goFacts(facts) {
        let pkg = packages.get(facts.dir);
        if (!pkg) {
          pkg = { dir: facts.dir, isMain: false, startsServer: false, declared: new Set(), candidates: [] };
          packages.set(facts.dir, pkg);
        }
        if (facts.isMain) pkg.isMain = true;
        if (facts.startsServer) pkg.startsServer = true;
        for (const name of facts.declared) pkg.declared.add(name);
        for (const candidate of facts.candidates) pkg.candidates.push(candidate);
      },
      end() {
        const mains = [...packages.values()].filter((p) => p.isMain);
        // A repository of tools only: printing is how every one of its programs talks to its user.
        if (mains.length > 0 && !mains.some((p) => p.startsServer)) return;
        for (const pkg of packages.values()) {
          const owner = owningMain(pkg.dir, mains);
          if (owner && !owner.startsServer) continue;
          for (const candidate of pkg.candidates) {
            if (candidate.builtin && pkg.declared.has(candidate.builtin)) continue;
            report({ path: candidate.path, range: candidate.range, message: candidate.message });
          }
        }
      },
    };
  },
});

function printCandidate(file: GoSourceFile, call: SourceCall<GoSourceFile["root"]>): Candidate | undefined {
  const base = { path: file.path, range: call.range };
  if (call.module === "fmt" && call.member) {
    // Name the real function when the call goes through an alias (`f.Println`).
    const real = call.callee === `fmt.${call.member}` ? "" : ` (fmt.${call.member})`;
    if (PRINT_MEMBERS.includes(call.member)) {
      return {
        ...base,
        message:
          `\`${call.callee}\`${real} prints unstructured text to standard output: it has no level or ` +
          `fields and bypasses the service's log pipeline. Log through the structured logger (logx, zap, slog) instead.`,
      };
    }
    if (FPRINT_MEMBERS.includes(call.member)) {
      const writer = callArguments(call.node)[0];
      if (!writer) return undefined;
      const stream = ["Stdout", "Stderr"].find((s) => isPackageSelector(writer, file.imports, "os", [s]));
      if (!stream) return undefined;
      return {
        ...base,
        message:
          `\`${call.callee}(${writer.text}, ...)\`${real} prints unstructured text to ` +
          `${stream === "Stdout" ? "standard output" : "standard error"}: it has no level or fields and bypasses ` +
          `the service's log pipeline. Log through the structured logger (logx, zap, slog) instead.`,
      };
    }
    return undefined;
  }
  if (call.module === undefined && BUILTINS.includes(call.callee) && !declaredInEnclosingFunction(call.node, call.callee)) {
    return {
      ...base,
      builtin: call.callee,
      message:
        `The builtin \`${call.callee}\` writes unformatted text to standard error, with no level or fields, and the ` +
        `Go specification does not guarantee it stays in the language. Log through the structured logger (logx, zap, slog) instead.`,
    };
  }
  return undefined;
}

/**
 * `main()` and `init()` of a main package run before or around logger setup: a startup banner
 * (goctl's generated `fmt.Printf("Starting server at ...")`) or a fatal config error printed there is not
 * request-time logging.
 */
function isProgramStartup(file: GoSourceFile, call: SourceCall): boolean {
  return file.packageName === "main" && (call.enclosingFunction === "main" || call.enclosingFunction === "init");
}

/** A function named for printing (`Print`, `printRoutes`, `DumpTree`) exists to produce that output. */
function isPrintHelper(call: SourceCall): boolean {
  return /^(print|Print|dump|Dump)/.test(call.enclosingFunction ?? "");
}

export function startsServer(call: SourceCall): boolean {
  if (call.module !== undefined && call.member !== undefined) {
    const { module, member } = call;
    return SERVER_STARTERS.some((s) => s.module.test(module) && s.members.includes(member));
  }
  return call.module === undefined && SERVER_METHODS.test(call.callee);
}

/** The `main` package whose folder is the nearest one containing `dir` (a program and its private packages). */
function owningMain(dir: string, mains: GoPackage[]): GoPackage | undefined {
  let best: GoPackage | undefined;
  for (const main of mains) {
    const contains = main.dir === "" || dir === main.dir || dir.startsWith(`${main.dir}/`);
    if (contains && (!best || main.dir.length > best.dir.length)) best = main;
  }
  return best;
}

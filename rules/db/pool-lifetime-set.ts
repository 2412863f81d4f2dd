import { ts } from "ts-morph";
import type { SourceCall } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import type { Severity } from "../../src/model/finding.js";
import { defineRule, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { callArguments } from "../../src/rule-kit/go.js";
import { calledNames, callsMethod, GoCallIndex, importRefersTo } from "../../src/rule-kit/go-packages.js";
import { typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

// ---------------------------------------------------------------------------------------------
// Go

/**
 * Calls that open a database/sql connection pool, by import path. go-zero's own `sqlx`
 * (`NewMysql`, `NewSqlConn`: 1-minute max lifetime) and pgxpool (1 h) set a lifetime themselves
 * and are deliberately absent.
 */
const GO_POOL_OPENERS: { module: RegExp; members: string[]; kind: "database/sql" | "sqlx" | "gorm" }[] = [
  { module: /^database\/sql$/, members: ["Open", "OpenDB"], kind: "database/sql" },
  { module: /^github\.com\/jmoiron\/sqlx$/, members: ["Open", "Connect", "ConnectContext", "MustOpen", "MustConnect"], kind: "sqlx" },
  { module: /^(gorm\.io\/gorm|github\.com\/jinzhu\/gorm)$/, members: ["Open"], kind: "gorm" },
];

const GO_FIX: Record<(typeof GO_POOL_OPENERS)[number]["kind"], string> = {
  "database/sql": "Call db.SetConnMaxLifetime (e.g. 5 * time.Minute) on the pool right after opening it.",
  sqlx: "Call db.SetConnMaxLifetime (e.g. 5 * time.Minute) on the *sqlx.DB right after opening it; it embeds *sql.DB.",
  gorm: "Get the pool with sqlDB, err := db.DB() and call sqlDB.SetConnMaxLifetime (e.g. 5 * time.Minute).",
};

interface GoPoolOpen {
  path: string;
  range: Range;
  callee: string;
  kind: (typeof GO_POOL_OPENERS)[number]["kind"];
  /** The function around the open: a helper that only tests call opens no pool that ships. */
  inFunction?: string;
}

/** What one Go package (one directory) opens and configures, across all its non-test files. */
interface GoPackagePools {
  dir: string;
  name: string;
  opens: GoPoolOpen[];
  /** `SetConnMaxLifetime(x)` with x other than a literal 0 (0 means "no limit"). */
  setsLifetime: boolean;
  setsZeroLifetime: boolean;
  setsIdleTime: boolean;
  /** Import paths used by the package, to find who imports whom. */
  imports: Set<string>;
}

/**
 * What one Go file contributes: the names it calls (every file, tests too, for the call index) and, for a
 * non-test file, its package's pool opens, lifetime settings and imports, and how many pools it creates.
 */
type FileFacts =
  | { isTest: true; calledNames: string[] }
  | {
      isTest: false;
      calledNames: string[];
      dir: string;
      packageName: string;
      imports: string[];
      opens: GoPoolOpen[];
      setsLifetime: boolean;
      setsZeroLifetime: boolean;
      setsIdleTime: boolean;
      poolsSeen: number;
    };

// ---------------------------------------------------------------------------------------------
// Node

interface NodePoolApi {
  library: string;
  /** Options that make the pool close old connections; either one passes (per the checklist). */
  options: string[];
  matches(call: SourceCall): boolean;
  fix: string;
  /** Why leaving the options out matters with this library's defaults. */
  consequence: string;
}

const NODE_POOL_APIS: NodePoolApi[] = [
  {
    library: "pg",
    options: ["maxLifetimeSeconds", "idleTimeoutMillis"],
    matches: (c) => c.isNew && ((c.module === "pg" && c.member === "Pool") || (c.module === "pg-pool" && c.member === undefined)),
    fix: "Add maxLifetimeSeconds (e.g. 300) to the Pool options, next to an explicit idleTimeoutMillis.",
    consequence:
      "pg never retires a pooled connection by age, so connections outlive database failovers, DNS changes and " +
      "proxy or server-side timeouts and then fail requests",
  },
  {
    library: "mysql2",
    options: ["idleTimeout", "maxIdle"],
    matches: (c) =>
      !c.isNew && (c.module === "mysql2" || c.module === "mysql2/promise") && c.member === "createPool",
    fix: "Set maxIdle below connectionLimit and an idleTimeout (e.g. 60000) in the createPool options.",
    consequence:
      "with mysql2's defaults (maxIdle equal to connectionLimit) idle connections are never released and there is " +
      "no maximum lifetime, so they go stale when the server's wait_timeout or a proxy drops them and then fail requests",
  },
];

type OptionsVerdict = { kind: "set" } | { kind: "missing"; shown: string } | { kind: "unknown"; why: string };

export default defineRule<FileFacts>({
  meta: {
    id: "db/pool-lifetime-set",
    section: "dependencies",
    title: "Database connection pools retire old connections",
    severity: "warning",
    rationale:
      "A pool that keeps connections forever holds on to sockets that a database failover, a DNS change, a proxy or " +
      "a server-side idle timeout has silently broken; requests then fail on dead connections and load never " +
      "rebalances to new replicas.",
    remediation:
      "Give every pool a maximum connection lifetime: SetConnMaxLifetime in Go (database/sql, sqlx, gorm via .DB()), " +
      "maxLifetimeSeconds or idleTimeoutMillis for pg, idleTimeout or maxIdle for mysql2.",
    docs: `Reports connection pools opened without a maximum connection lifetime.

**Go.** \`sql.Open\` / \`sql.OpenDB\` (database/sql), \`sqlx.Open\` / \`Connect\` / \`ConnectContext\` /
\`MustOpen\` / \`MustConnect\` (github.com/jmoiron/sqlx) and \`gorm.Open\` (gorm.io/gorm, jinzhu/gorm) create a
database/sql pool whose default is *no* maximum lifetime (and unlimited open connections). The rule looks for a
\`SetConnMaxLifetime\` call anywhere in the **same package** (directory), because pools are often configured in
another function or file than the one that opens them.

Bad:

\`\`\`go
func NewDB(dsn string) (*sql.DB, error) {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	return db, nil
}
\`\`\`

Good:

\`\`\`go
db, err := gorm.Open(mysql.Open(dsn), &gorm.Config{})
sqlDB, err := db.DB()
sqlDB.SetMaxOpenConns(20)
sqlDB.SetConnMaxLifetime(5 * time.Minute)
\`\`\`

- \`SetConnMaxIdleTime\` alone does not pass: it closes idle connections but never rotates busy ones.
  \`SetConnMaxLifetime(0)\` means "no limit" and does not pass either.
- When the opening package sets no lifetime but a package that imports it does, the pool may be configured
  there (the opener returns it): this is reported as a **note** (cannot verify without types), not a warning.
- Not reported: go-zero's \`sqlx.NewMysql\` / \`NewSqlConn\` (github.com/zeromicro/go-zero/core/stores/sqlx) and
  \`pgxpool\`, which set a lifetime by default; pools opened in test files, or by a helper function that only
  test files call.

**Node.** \`new Pool({...})\` from \`pg\` (or \`pg-pool\`) without \`maxLifetimeSeconds\` or
\`idleTimeoutMillis\`, and \`createPool({...})\` from \`mysql2\` / \`mysql2/promise\` without \`idleTimeout\` or
\`maxIdle\`.

\`\`\`ts
// Bad
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
// Good
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10, maxLifetimeSeconds: 300 });
\`\`\`

Options written as a variable are followed to an object literal declared in the same file. When the options
come from elsewhere (a function call, an imported object, a spread without the key, a connection URI string),
the rule reports a **note**: it cannot verify them.`,
    inputs: ["go", "typescript"],
    tags: ["database", "reliability", "go", "typescript"],
    precision: "high",
  },
  analyzeGo(file): FileFacts {
    // Test files open throwaway pools (sqlmock, test containers): they count only for the call index.
    if (file.isTest) return { isTest: true, calledNames: calledNames(file.calls) };
    // Returned even when empty: a package joins the package map at its first file, whose order picks the importer named.
    const facts: FileFacts = {
      isTest: false,
      calledNames: calledNames(file.calls),
      dir: file.dir,
      packageName: file.packageName,
      imports: file.imports.map((i) => i.module),
      opens: [],
      setsLifetime: false,
      setsZeroLifetime: false,
      setsIdleTime: false,
      poolsSeen: 0,
    };
    for (const call of file.calls) {
      // Any receiver: the pool's variable name is unknown (and may even look like an import alias).
      // A suffix test, not a slice of the callee: constant work per call, however long the callee.
      if (callsMethod(call.callee, "SetConnMaxLifetime")) {
        const arg = callArguments(call.node)[0];
        if (arg?.type === "int_literal" && arg.endIndex - arg.startIndex <= 64 && /^0+$/.test(arg.text.replace(/_/g, ""))) {
          facts.setsZeroLifetime = true;
        } else {
          facts.setsLifetime = true;
        }
      } else if (callsMethod(call.callee, "SetConnMaxIdleTime")) {
        facts.setsIdleTime = true;
      }
      if (file.isGenerated || call.module === undefined || call.member === undefined) continue;
      const { module, member } = call;
      const opener = GO_POOL_OPENERS.find((o) => o.module.test(module) && o.members.includes(member));
      if (opener) facts.opens.push({ path: file.path, range: call.range, callee: call.callee, kind: opener.kind, ...(call.enclosingFunction ? { inFunction: call.enclosingFunction } : {}) });
      // go-zero sqlx, pgxpool and the like are pools too, with safe defaults: they count as checked.
      if (opener || /zeromicro\/go-zero\/core\/stores\/sqlx$|jackc\/pgx\/v\d+\/pgxpool$/.test(module)) facts.poolsSeen++;
    }
    return facts;
  },
  create({ repo, report, notApplicable }) {
    const packages = new Map<string, GoPackagePools>();
    let poolsSeen = 0;
    const calls = new GoCallIndex();

    const visitGoFacts = (facts: FileFacts) => {
      calls.add(facts);
      if (facts.isTest) return;
      let pkg = packages.get(facts.dir);
      if (!pkg) {
        pkg = { dir: facts.dir, name: facts.packageName, opens: [], setsLifetime: false, setsZeroLifetime: false, setsIdleTime: false, imports: new Set() };
        packages.set(facts.dir, pkg);
      }
      for (const i of facts.imports) pkg.imports.add(i);
      if (facts.setsLifetime) pkg.setsLifetime = true;
      if (facts.setsZeroLifetime) pkg.setsZeroLifetime = true;
      if (facts.setsIdleTime) pkg.setsIdleTime = true;
      pkg.opens.push(...facts.opens);
      poolsSeen += facts.poolsSeen;
    };

    const end = () => {
      if (poolsSeen === 0) notApplicable();
      // A pool opened by a helper that only tests call (an integration test's database) does not ship.
      for (const pkg of packages.values()) pkg.opens = pkg.opens.filter((open) => !calls.onlyTestsCall(open.inFunction));
      const unconfigured = [...packages.values()].filter((p) => p.opens.length > 0 && !p.setsLifetime);
      if (unconfigured.length === 0) return;
      const modules = repo.manifests.goModules;
      for (const pkg of unconfigured) {
        const configuringImporter = [...packages.values()].find(
          (other) => other !== pkg && other.setsLifetime && [...other.imports].some((i) => importRefersTo(i, pkg.dir, modules)),
        );
        for (const open of pkg.opens) {
          const where = pkg.dir ? `package \`${pkg.name}\` (${pkg.dir})` : `package \`${pkg.name}\``;
          if (configuringImporter) {
            report({
              path: open.path,
              range: open.range,
              severity: "note",
              message:
                `\`${open.callee}\` opens a connection pool and ${where} never calls SetConnMaxLifetime; ` +
                `package \`${configuringImporter.name}\` (${configuringImporter.dir || "repository root"}), which imports it, does, ` +
                `and may configure this pool. Cannot verify without type information.`,
              fix: GO_FIX[open.kind],
            });
            continue;
          }
          const also = pkg.setsZeroLifetime
            ? " (SetConnMaxLifetime(0) is called, which means no limit)"
            : pkg.setsIdleTime
              ? " (SetConnMaxIdleTime is set, but it only closes idle connections; busy ones are never rotated)"
              : "";
          report({
            path: open.path,
            range: open.range,
            message:
              `\`${open.callee}\` opens a ${open.kind === "database/sql" ? "database/sql" : `${open.kind} (database/sql)`} ` +
              `connection pool and nothing in ${where} calls SetConnMaxLifetime${also}: connections are kept forever, ` +
              `so they outlive database failovers, DNS changes and server-side timeouts and then fail requests.`,
            fix: GO_FIX[open.kind],
          });
        }
      }
    };

    const visitTs = (file: TsSourceFile) => {
      if (file.isTest || file.isGenerated) return;
      for (const call of file.calls) {
        const api = NODE_POOL_APIS.find((a) => a.matches(call));
        if (!api) continue;
        poolsSeen++;
        const verdict = judgeOptions(call.node, call.callee, api.options);
        if (verdict.kind === "set") continue;
        const wanted = api.options.join(" or ");
        const severity: Severity | undefined = verdict.kind === "unknown" ? "note" : undefined;
        const message =
          verdict.kind === "unknown"
            ? `\`${call.callee}(...)\` creates a ${api.library} pool whose options ${verdict.why}, so whether ${wanted} is set cannot be verified.`
            : `\`${verdict.shown}\` creates a ${api.library} pool without ${wanted}: ${api.consequence}.`;
        report({ path: file.path, range: call.range, message, fix: api.fix, ...(severity ? { severity } : {}) });
      }
    };

    return { goFacts: visitGoFacts, typescript: visitTs, end };
  },
});

/** Reads the pool options argument: an object literal, or a variable holding one in the same file. */
function judgeOptions(node: ts.Node, calleeText: string, options: string[]): OptionsVerdict {
  const args = kit.callArguments(node);
  const prefix = ts.isNewExpression(node) ? "new " : "";
  if (args.length === 0) return { kind: "missing", shown: `${prefix}${calleeText}()` };
  let arg = kit.skipWrappers(args[0]!);
  let described = "{...}";
  if (ts.isIdentifier(arg)) {
    const declaration = kit.findLocalDeclaration(arg, arg.text);
    const init =
      declaration && ts.isVariableDeclaration(declaration) && ts.isIdentifier(declaration.name) && declaration.initializer
        ? kit.skipWrappers(declaration.initializer)
        : undefined;
    // Only a `const` is sure to still hold its initializer when the pool is created.
    const constant = declaration && ts.isVariableDeclarationList(declaration.parent) && (declaration.parent.flags & ts.NodeFlags.Const) !== 0;
    if (!init || !constant || !ts.isObjectLiteralExpression(init)) {
      return { kind: "unknown", why: `come from \`${arg.text}\`, which is not a constant object literal in this file` };
    }
    described = arg.text;
    arg = init;
  }
  if (ts.isStringLiteralLike(arg)) {
    return { kind: "unknown", why: "are a connection string" };
  }
  if (!ts.isObjectLiteralExpression(arg)) {
    return { kind: "unknown", why: "are computed (not an object literal)" };
  }
  const keys = kit.objectLiteralKeys(arg);
  if (options.some((o) => keys.names.has(o))) return { kind: "set" };
  if (keys.open) return { kind: "unknown", why: "include a spread or computed key" };
  return { kind: "missing", shown: `${prefix}${calleeText}(${described})` };
}

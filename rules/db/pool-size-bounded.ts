import { ts } from "ts-morph";
import type { Node as GoNode } from "web-tree-sitter";
import type { Range } from "../../src/model/location.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { callArguments } from "../../src/rule-kit/go.js";
import { calledNames, callsMethod, GoCallIndex, importRefersTo } from "../../src/rule-kit/go-packages.js";
import { tsNodeRange, typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

/** Node pools, all bounded by default; mysql / mysql2 take `connectionLimit: 0` as "no limit". */
const MYSQL_MODULES = new Set(["mysql", "mysql2", "mysql2/promise"]);
const NODE_POOL_MODULES = new Set(["pg", "knex", "typeorm", "@nestjs/typeorm", "@prisma/client", ...MYSQL_MODULES]);

/** Calls that open a database/sql pool (unlimited open connections, 2 idle by default). */
const GO_POOL_OPENERS: { module: RegExp; members: string[]; kind: string }[] = [
  { module: /^database\/sql$/, members: ["Open", "OpenDB"], kind: "database/sql" },
  { module: /^github\.com\/jmoiron\/sqlx$/, members: ["Open", "Connect", "ConnectContext", "MustOpen", "MustConnect", "NewDb"], kind: "sqlx" },
  { module: /^(gorm\.io\/gorm|github\.com\/jinzhu\/gorm)$/, members: ["Open"], kind: "gorm" },
];

/** database/sql's default when SetMaxIdleConns is never called. */
const DEFAULT_MAX_IDLE = 2;

interface Setting {
  path: string;
  range: Range;
  callee: string;
  /** The literal argument, when it is one; undefined for a value from configuration. */
  value?: number;
}

interface PoolOpen {
  path: string;
  range: Range;
  callee: string;
  kind: string;
  inFunction?: string;
}

interface PackagePools {
  dir: string;
  name: string;
  /** Pool opens, with the function around each (a helper only tests call opens no pool that ships). */
  opens: PoolOpen[];
  maxOpen: Setting[];
  maxIdle: Setting[];
  imports: Set<string>;
}

/**
 * What one Go file contributes: the names it calls (every file, tests too, for the call index) and, for a
 * non-test file, its package's pool opens, size settings and imports, and how many pools it creates.
 */
type FileFacts =
  | { isTest: true; calledNames: string[] }
  | {
      isTest: false;
      calledNames: string[];
      dir: string;
      packageName: string;
      imports: string[];
      opens: PoolOpen[];
      maxOpen: Setting[];
      maxIdle: Setting[];
      poolsSeen: number;
    };

export default defineRule<FileFacts>({
  meta: {
    id: "db/pool-size-bounded",
    section: "dependencies",
    title: "Database pools bound their open and idle connections",
    severity: "warning",
    rationale:
      "database/sql opens as many connections as there are concurrent queries unless SetMaxOpenConns is called: a traffic " +
      "spike or a slow query exhausts the database's max_connections and takes down every service that shares it.",
    remediation:
      "Call SetMaxOpenConns (sized so that replicas × max open stays under the database's limit) and SetMaxIdleConns (at most " +
      "max open) on every database/sql, sqlx or gorm (via .DB()) pool.",
    docs: `Reports Go connection pools whose size is not bounded.

database/sql's defaults: **unlimited** open connections (\`MaxOpenConns\` 0), **2** idle connections, no maximum lifetime
(see \`db/pool-lifetime-set\`). \`sql.Open\` / \`sql.OpenDB\`, sqlx \`Open\` / \`Connect\` / \`MustConnect\` / \`NewDb\` and
\`gorm.Open\` (whose pool is reached with \`db.DB()\`) all create such a pool.

- **warning**: the package (directory) that opens the pool never calls \`SetMaxOpenConns\`, or calls it with \`0\`
  or a negative literal (unlimited);
- **note**: \`SetMaxIdleConns(n)\` with a literal \`n\` above the literal \`SetMaxOpenConns(m)\` (database/sql silently
  lowers idle to \`m\`: the setting does not do what it says), and a pool bounded to more than 2 open connections that
  never calls \`SetMaxIdleConns\` (only 2 are kept idle, so every burst opens and closes connections);
- **note**: the opening package sets nothing but a package that imports it calls \`SetMaxOpenConns\` (it may configure
  this pool; cannot verify without types).

Bad:

\`\`\`go
db, err := sql.Open("mysql", dsn)
db.SetConnMaxLifetime(5 * time.Minute)
\`\`\`

Good:

\`\`\`go
db, err := gorm.Open(mysql.Open(dsn), &gorm.Config{})
sqlDB, _ := db.DB()
sqlDB.SetMaxOpenConns(c.DB.MaxOpen)   // from configuration: accepted, values not checked
sqlDB.SetMaxIdleConns(10)
sqlDB.SetConnMaxLifetime(5 * time.Minute)
\`\`\`

Not reported:

- values from configuration or variables (\`SetMaxOpenConns(c.MaxOpen)\`): set, and not verifiable;
- go-zero \`sqlx.NewMysql\` / \`NewSqlConn\` (64 open / 64 idle / 1-minute lifetime by default) and \`pgxpool\` (max
  connections = max(4, CPUs), 1 h lifetime), whose defaults are bounded; pool settings inside the DSN of those;
- Node pools: pg (\`max\` 10), mysql2 (\`connectionLimit\` 10, \`maxIdle\` = limit, 60 s \`idleTimeout\`), Knex
  (\`pool\` 2–10), TypeORM (the driver's pool) and Prisma (\`connection_limit\` = 2 × CPUs + 1) are bounded by default
  (lifetimes are \`db/pool-lifetime-set\`'s concern). The one unbounded Node setting is reported: mysql / mysql2
  \`connectionLimit: 0\` (the pool treats 0 as "no limit"), in \`createPool({...})\` or in TypeORM's \`extra\`;
- test files, and pools opened by a helper function that only test files call (an integration test's database
  in a service that runs on another store).`,
    inputs: ["go", "typescript"],
    tags: ["database", "reliability", "go", "typescript"],
    precision: "high",
  },
  analyzeGo(file): FileFacts {
    // Test files count only for the call index; their pools are throwaway. Every other file is returned even
    // when empty: its package joins the package map at its first file, whose order picks the importer named.
    if (file.isTest) return { isTest: true, calledNames: calledNames(file.calls) };
    const facts: FileFacts = {
      isTest: false,
      calledNames: calledNames(file.calls),
      dir: file.dir,
      packageName: file.packageName,
      imports: file.imports.map((i) => i.module),
      opens: [],
      maxOpen: [],
      maxIdle: [],
      poolsSeen: 0,
    };
    for (const call of file.calls) {
      for (const [method, list] of [["SetMaxOpenConns", facts.maxOpen], ["SetMaxIdleConns", facts.maxIdle]] as const) {
        if (!callsMethod(call.callee, method)) continue;
        const arg = callArguments(call.node as GoNode)[0];
        const value = arg ? intLiteral(arg) : undefined;
        list.push({ path: file.path, range: call.range, callee: call.callee, ...(value !== undefined ? { value } : {}) });
      }
      if (file.isGenerated || call.module === undefined || call.member === undefined) continue;
      const { module, member } = call;
      const opener = GO_POOL_OPENERS.find((o) => o.module.test(module) && o.members.includes(member));
      if (opener) facts.opens.push({ path: file.path, range: call.range, callee: call.callee, kind: opener.kind, ...(call.enclosingFunction ? { inFunction: call.enclosingFunction } : {}) });
      if (opener || /zeromicro\/go-zero\/core\/stores\/(sqlx|sqlc)$|jackc\/pgx\/v\d+\/pgxpool$/.test(module)) facts.poolsSeen++;
    }
    return facts;
  },
  create({ repo, report, notApplicable }) {
    const packages = new Map<string, PackagePools>();
    let poolsSeen = 0;
    const calls = new GoCallIndex();

    return {
      goFacts(facts) {
        calls.add(facts);
        if (facts.isTest) return;
        let pkg = packages.get(facts.dir);
        if (!pkg) {
          pkg = { dir: facts.dir, name: facts.packageName, opens: [], maxOpen: [], maxIdle: [], imports: new Set() };
          packages.set(facts.dir, pkg);
        }
        for (const i of facts.imports) pkg.imports.add(i);
        pkg.maxOpen.push(...facts.maxOpen);
        pkg.maxIdle.push(...facts.maxIdle);
        pkg.opens.push(...facts.opens);
        poolsSeen += facts.poolsSeen;
      },
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        for (const call of file.calls) {
          if (!call.module || !NODE_POOL_MODULES.has(call.module)) continue;
          const member = call.member ?? "";
          const node = call.node as ts.Node;
          let options: ts.ObjectLiteralExpression | undefined;
          if (MYSQL_MODULES.has(call.module) && member === "createPool") {
            options = kit.objectLiteralArgument(node, 0);
          } else if (
            (call.module === "typeorm" && (member === "DataSource" || member === "createConnection")) ||
            (call.module === "@nestjs/typeorm" && /\.forRoot$/.test(call.callee))
          ) {
            const extra = kit.objectLiteralArgument(node, 0);
            const value = extra ? kit.objectLiteralProperty(extra, "extra") : undefined;
            const inner = value ? kit.skipWrappers(value) : undefined;
            if (inner && ts.isObjectLiteralExpression(inner)) options = inner;
          } else if (!/^(Pool|Client|default|knex|PrismaClient|DataSource|TypeOrmModule|createConnection|createPool)$/.test(member)) {
            continue;
          }
          poolsSeen++;
          const limit = options ? kit.objectLiteralProperty(options, "connectionLimit") : undefined;
          const value = kit.numericLiteralValue(limit);
          if (!limit || value === undefined || value > 0) continue;
          report({
            path: file.path,
            range: tsNodeRange(ts.isPropertyAssignment(limit.parent) ? limit.parent : limit),
            message:
              `\`connectionLimit: ${value}\` means no limit for the ${call.module} pool: under load it opens one connection per ` +
              `concurrent query until the database refuses connections.`,
            fix: "Set a positive connectionLimit (the default is 10) sized so that replicas × limit stays below max_connections.",
          });
        }
      },
      end() {
        if (poolsSeen === 0) notApplicable();
        for (const pkg of packages.values()) {
          // A pool opened by a helper that only tests call (an integration test's database) does not ship.
          pkg.opens = pkg.opens.filter((open) => !calls.onlyTestsCall(open.inFunction));
          if (pkg.opens.length === 0) continue;
          const where = pkg.dir ? `package \`${pkg.name}\` (${pkg.dir})` : `package \`${pkg.name}\``;
          const unlimited = pkg.maxOpen.filter((s) => s.value !== undefined && s.value <= 0);
          for (const setting of unlimited) {
            report({
              path: setting.path,
              range: setting.range,
              message: `\`${setting.callee}(${setting.value})\` means no limit on open connections: under load the pool opens one per concurrent query until the database refuses connections.`,
              fix: "Pass a positive limit sized so that replicas × max open stays below the database's max_connections.",
            });
          }
          if (pkg.maxOpen.length === 0) {
            const importer = [...packages.values()].find(
              (other) => other !== pkg && other.maxOpen.length > 0 && [...other.imports].some((i) => importRefersTo(i, pkg.dir, repo.manifests.goModules)),
            );
            for (const open of pkg.opens) {
              if (importer) {
                report({
                  path: open.path,
                  range: open.range,
                  severity: "note",
                  message:
                    `\`${open.callee}\` opens a connection pool and ${where} never calls SetMaxOpenConns; package \`${importer.name}\` ` +
                    `(${importer.dir || "repository root"}), which imports it, does and may configure this pool. Cannot verify without type information.`,
                });
                continue;
              }
              report({
                path: open.path,
                range: open.range,
                message:
                  `\`${open.callee}\` opens a ${open.kind === "database/sql" ? "database/sql" : `${open.kind} (database/sql)`} pool and nothing in ${where} ` +
                  `calls SetMaxOpenConns: the default is unlimited open connections, so a spike or a slow query exhausts the database's max_connections.`,
                fix:
                  open.kind === "gorm"
                    ? "Get the pool with sqlDB, err := db.DB() and call sqlDB.SetMaxOpenConns(n) and sqlDB.SetMaxIdleConns(m) with m <= n."
                    : "Call db.SetMaxOpenConns(n) and db.SetMaxIdleConns(m) with m <= n right after opening the pool.",
              });
            }
            continue;
          }
          const openLimits = pkg.maxOpen.filter((s) => s.value !== undefined && s.value > 0);
          // Several pools in one package: compare only when there is one literal limit to compare with.
          if (openLimits.length !== 1 || pkg.maxOpen.length !== 1) continue;
          const limit = openLimits[0]!;
          for (const idle of pkg.maxIdle) {
            if (idle.value === undefined || idle.value <= limit.value!) continue;
            report({
              path: idle.path,
              range: idle.range,
              severity: "note",
              message: `\`${idle.callee}(${idle.value})\` is above \`${limit.callee}(${limit.value})\`: database/sql lowers the idle limit to ${limit.value}, so the setting does not do what it says.`,
              fix: `Set the idle limit at or below ${limit.value}.`,
              related: [{ path: limit.path, range: limit.range, message: "The open-connection limit." }],
            });
          }
          if (pkg.maxIdle.length === 0 && limit.value! > DEFAULT_MAX_IDLE && pkg.opens.length === 1) {
            report({
              path: limit.path,
              range: limit.range,
              severity: "note",
              message:
                `The pool allows ${limit.value} open connections but ${where} never calls SetMaxIdleConns: database/sql keeps only ` +
                `${DEFAULT_MAX_IDLE} idle, so every burst opens and closes connections (latency, TIME_WAIT sockets, load on the database).`,
              fix: `Call SetMaxIdleConns with a value up to ${limit.value} (often the same as max open).`,
            });
          }
        }
      },
    };
  },
});

/** An integer literal (optionally negated), or undefined for anything computed. */
function intLiteral(node: GoNode): number | undefined {
  if (node.type === "int_literal" && node.text.length <= 12) return Number(node.text.replace(/_/g, ""));
  if (node.type === "unary_expression" && node.text.startsWith("-")) {
    const operand = node.childForFieldName("operand");
    const value = operand ? intLiteral(operand) : undefined;
    return value === undefined ? undefined : -value;
  }
  return undefined;
}

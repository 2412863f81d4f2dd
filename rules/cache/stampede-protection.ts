import type { Node as GoNode } from "web-tree-sitter";
import type { ReportDescriptor } from "../../src/model/finding.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { goNodeRange } from "../../src/rule-kit/go.js";
import { tsNodeRange } from "../../src/rule-kit/typescript.js";
import { GO_MODEL_FINDER, GO_PROTECTION_IMPORTS, TS_PROTECTION_MODULES, goCacheAsides, tsCacheAsides } from "./cache-aside.js";

/** What one Go file contributes to its package: the findings wait for the package's protection imports. */
interface FileFacts {
  dir: string;
  /** The file imports singleflight, a lock or a coalescing cache layer. */
  protection: boolean;
  /** Cache-aside shapes found, locked or not (none anywhere: not applicable). */
  shapes: number;
  /** Reports for the unlocked shapes, in source order; made at the end unless the package is protected. */
  findings: ReportDescriptor[];
}

export default defineRule<FileFacts>({
  meta: {
    id: "cache/stampede-protection",
    section: "dependencies",
    title: "Cache misses are coalesced or locked",
    severity: "warning",
    rationale:
      "When a hot key expires, every request that misses it loads the same row from the database at once (cache " +
      "stampede / breakdown). Coalescing the loads (singleflight) or taking a lock lets one request reload while the others wait.",
    remediation:
      "Wrap the load-and-set in singleflight (golang.org/x/sync/singleflight, go-zero syncx.SingleFlight) or a lock " +
      "(SET NX, redlock, a mutex), or use a cache layer that does (go-zero cache.Cache / sqlc.CachedConn).",
    docs: `Looks for the cache-aside shape inside one function: a read from a Redis client (go-redis, go-zero redis,
ioredis, node-redis, cache-manager), then a load from the database (database/sql, sqlx, gorm, go-zero sqlx, model
finders; TypeORM, Prisma, pg, Knex finders and queries), then a write back to the same client. It reports the read when
nothing in sight coalesces or locks the reload.

\`\`\`go
// Flagged: every request that misses reloads the row
val, err := s.rdb.Get(ctx, key).Result()
if err == redis.Nil {
    p, err := s.loadFromDB(ctx, id) // QueryRowContext ...
    s.rdb.Set(ctx, key, p, ttl)
}
// Not flagged: one load per key at a time
v, err, _ := s.group.Do(key, func() (any, error) { ... })
\`\`\`

Provided, so silent: a package that imports \`golang.org/x/sync/singleflight\`, go-zero \`core/syncx\`, go-zero
\`cache.Cache\` / \`sqlc.CachedConn\` (singleflight built in), redsync or redislock; a function that calls \`SetNX\`,
\`Lock\`, \`TryLock\`, \`Do\` (a singleflight group); TypeScript files importing redlock, async-mutex, async-lock or
redis-semaphore, keeping a \`Map\` of in-flight promises, or writing with \`NX\`.

Severity: a **warning** when the miss is explicit (\`redis.Nil\`, \`== ""\`, \`if (!cached)\`); a **note** ("cannot verify")
when the shape is there but the miss test is not recognisable, or the load is a model finder (\`FindOne\`, \`FindBy…\`)
whose model may coalesce by itself (go-zero cached models do). Test and
generated files are skipped.`,
    inputs: ["go", "typescript"],
    tags: ["cache", "redis", "reliability", "go", "typescript"],
    precision: "medium",
  },
  analyzeGo(file): FileFacts | undefined {
    if (file.isTest || file.isGenerated) return undefined;
    const facts: FileFacts = {
      dir: file.dir,
      protection: file.imports.some((i) => GO_PROTECTION_IMPORTS.some((p) => p.test(i.module))),
      shapes: 0,
      findings: [],
    };
    for (const shape of goCacheAsides(file)) {
      facts.shapes++;
      if (shape.locked) continue;
      // A model finder (go-zero `FindOne`) may sit on a cached model that coalesces by itself.
      const certain = shape.explicitMiss && !GO_MODEL_FINDER.test(shape.load.method);
      facts.findings.push({
        path: file.path,
        range: goNodeRange(shape.get.node),
        message: certain
          ? `\`${functionName(shape.fn)}\` reads \`${shape.get.receiver}.${shape.get.method}\`, loads from the database ` +
            `(\`${shape.load.method}\`) on a miss and writes back with \`${shape.set.method}\`, with no singleflight or lock: ` +
            `when a hot key expires every concurrent request reloads it (cache stampede).`
          : `\`${functionName(shape.fn)}\` reads \`${shape.get.receiver}.${shape.get.method}\`, loads with \`${shape.load.method}\` ` +
            `and writes back with \`${shape.set.method}\`; no singleflight or lock is visible, but ` +
            (shape.explicitMiss ? `the model behind \`${shape.load.method}\` may coalesce loads itself` : `the miss test is not recognisable`) +
            `, so stampede protection cannot be verified.`,
        severity: certain ? "warning" : "note",
      });
    }
    return facts.protection || facts.shapes > 0 ? facts : undefined;
  },
  create({ report, notApplicable }) {
    let shapes = 0;
    /** Go findings wait for the whole package: another file may import singleflight and wrap the call. */
    const pending = new Map<string, ReportDescriptor[]>();
    const protectedDirs = new Set<string>();
    return {
      goFacts(facts) {
        if (facts.protection) protectedDirs.add(facts.dir);
        shapes += facts.shapes;
        if (facts.findings.length === 0) return; // a folder enters `pending` with its first finding, as before
        const findings = pending.get(facts.dir) ?? [];
        for (const finding of facts.findings) findings.push(finding);
        pending.set(facts.dir, findings);
      },
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        const found = tsCacheAsides(file.ast, file.imports);
        shapes += found.length;
        if (file.imports.some((i) => TS_PROTECTION_MODULES.has(i.module))) return;
        // `const inflight = new Map<string, Promise<User>>()`: requests for the same key share one load.
        if (/new\s+Map\s*<[^>]*,\s*Promise\s*</.test(file.text)) return;
        for (const shape of found) {
          if (shape.locked) continue;
          const where = `\`${shape.get.receiver}.${shape.get.method}\``;
          report({
            path: file.path,
            range: tsNodeRange(shape.get.node),
            message: shape.explicitMiss
              ? `${where} misses fall through to \`${shape.load.method}\` and \`${shape.set.method}\` with no lock or in-flight ` +
                `de-duplication: when a hot key expires every concurrent request reloads it from the database (cache stampede).`
              : `${where} is followed by \`${shape.load.method}\` and \`${shape.set.method}\`; no lock is visible, but the miss ` +
                `test is not recognisable, so stampede protection cannot be verified.`,
            severity: shape.explicitMiss ? "warning" : "note",
          });
        }
      },
      end() {
        if (shapes === 0) notApplicable(); // no cache-aside read anywhere
        for (const [dir, findings] of pending) {
          if (protectedDirs.has(dir)) continue;
          for (const finding of findings) report(finding);
        }
      },
    };
  },
});

function functionName(fn: GoNode): string {
  return fn.childForFieldName("name")?.text ?? "function";
}

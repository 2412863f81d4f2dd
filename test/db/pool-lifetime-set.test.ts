import { describe, expect, it } from "vitest";
import { fixtureCases, runCase } from "../helpers/rule-fixtures.js";

const RULE = "db/pool-lifetime-set";

async function findings(caseName: string) {
  const fixture = fixtureCases(RULE).find((c) => c.name === caseName)!;
  const { findings } = await runCase(RULE, fixture);
  return findings.map((f) => ({ where: `${f.path}:${f.range.start.line}`, severity: f.severity, message: f.message, fix: f.fix }));
}

describe("db/pool-lifetime-set messages and severities", () => {
  it("names the call and the package, and explains a lone SetConnMaxIdleTime", async () => {
    const [f] = await findings("go-sql-open");
    expect(f!.severity).toBe("warning");
    expect(f!.message).toContain("`sql.Open`");
    expect(f!.message).toContain("package `db` (internal/db)");
    expect(f!.message).toContain("SetConnMaxIdleTime is set, but it only closes idle connections");
  });

  it("says SetConnMaxLifetime(0) means no limit, through an import alias", async () => {
    const [f] = await findings("go-sqlx-alias");
    expect(f!.message).toContain("`sx.MustConnect` opens a sqlx (database/sql) connection pool");
    expect(f!.message).toContain("SetConnMaxLifetime(0) is called, which means no limit");
  });

  it("tells gorm users to reach the pool through .DB()", async () => {
    const [f] = await findings("go-gorm-no-pool-config");
    expect(f!.fix).toContain("db.DB()");
  });

  it("downgrades to a note when an importing package sets a lifetime", async () => {
    const [f] = await findings("go-configured-by-importer");
    expect(f!.severity).toBe("note");
    expect(f!.message).toContain("package `main` (repository root), which imports it, does");
  });

  it("reports Node pools without the options as warnings, naming the options", async () => {
    const all = await findings("node-pg-no-lifetime");
    expect(all.every((f) => f.severity === "warning")).toBe(true);
    expect(all.map((f) => f.message.split(" creates")[0])).toEqual([
      "`new Pool({...})`",
      "`new pg.Pool()`",
      "`new pg.Pool(settings)`",
    ]);
    expect(all[0]!.message).toContain("without maxLifetimeSeconds or idleTimeoutMillis");
    const mysql = await findings("node-mysql2-no-idle");
    expect(mysql[0]!.message).toContain("`mysql.createPool({...})` creates a mysql2 pool without idleTimeout or maxIdle");
  });

  it("reports options it cannot read as notes", async () => {
    const all = await findings("node-options-unknown");
    expect(all).toHaveLength(5);
    expect(all.every((f) => f.severity === "note")).toBe(true);
    expect(all.map((f) => f.message)).toEqual([
      expect.stringContaining("are computed"),
      expect.stringContaining("come from `baseOptions`"),
      expect.stringContaining("include a spread"),
      expect.stringContaining("are a connection string"),
      expect.stringContaining("come from `mutable`, which is not a constant object literal"),
    ]);
  });
});

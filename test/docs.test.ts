import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { registeredRules } from "../src/api.js";
import { allRuleMetas } from "../src/engine/registry.js";
import { renderRuleDoc, renderRuleIndex, withReadmeRuleTable } from "../src/reporters/rule-docs.js";

const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../docs/rules");
const metas = allRuleMetas(registeredRules());

describe("generated rule docs", () => {
  it.each(metas.map((m) => [m.id, m] as const))("docs/rules/%s.md matches the rule's metadata (run `npm run docs`)", (id, meta) => {
    const file = path.join(DOCS, `${id}.md`);
    expect(existsSync(file), `${file} is missing`).toBe(true);
    expect(readFileSync(file, "utf8")).toBe(renderRuleDoc(meta));
  });

  it("docs/rules/README.md lists every rule", () => {
    expect(readFileSync(path.join(DOCS, "README.md"), "utf8")).toBe(renderRuleIndex(metas));
  });

  it("the README's rule table is current", () => {
    const readme = readFileSync(path.join(DOCS, "../../README.md"), "utf8");
    expect(readme).toBe(withReadmeRuleTable(readme, metas));
  });

  it.each(metas.map((m) => [m.id, m] as const))("%s has complete metadata", (_id, meta) => {
    for (const field of ["title", "rationale", "remediation"] as const) {
      expect(meta[field].trim().length, field).toBeGreaterThan(10);
      expect(meta[field]).not.toMatch(/TODO/);
    }
    expect(meta.docsUrl).toContain(`${meta.id}.md`);
  });
});

/** Writes docs/rules/ and the README's rule table from the rules' metadata: `npm run docs`. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { allRuleMetas } from "../src/engine/registry.js";
import { renderRuleDoc, renderRuleIndex, withReadmeRuleTable } from "../src/reporters/rule-docs.js";
import { registeredRules } from "../src/api.js";
import { CONFIG_SCHEMA_PATH, renderConfigSchema } from "../src/config/schema.js";

const root = process.argv[2] ?? process.cwd();
const metas = allRuleMetas(registeredRules());
for (const meta of metas) {
  const file = path.join(root, "docs/rules", `${meta.id}.md`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderRuleDoc(meta));
}
writeFileSync(path.join(root, "docs/rules/README.md"), renderRuleIndex(metas));
const readme = path.join(root, "README.md");
writeFileSync(readme, withReadmeRuleTable(readFileSync(readme, "utf8"), metas));
writeFileSync(path.join(root, CONFIG_SCHEMA_PATH), renderConfigSchema(metas));
console.log(`wrote ${metas.length} rule pages to docs/rules/, the README rule table and ${CONFIG_SCHEMA_PATH}`);

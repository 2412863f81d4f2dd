import { defineRule } from "../../src/rule-kit/define-rule.js";

// STUB: metadata and check to be written.
export default defineRule({
  meta: {
    id: "db/pool-lifetime-set",
    section: "dependencies",
    title: "TODO",
    severity: "warning",
    rationale: "TODO",
    remediation: "TODO",
    inputs: ["go", "typescript"],
    tags: [],
    precision: "high",
  },
  check() {},
});

import { defineRule } from "../../src/rule-kit/define-rule.js";

// STUB: metadata and check to be written.
export default defineRule({
  meta: {
    id: "ts/no-console",
    section: "architecture",
    title: "TODO",
    severity: "warning",
    rationale: "TODO",
    remediation: "TODO",
    inputs: ["typescript"],
    tags: [],
    precision: "high",
  },
  check() {},
});

import { defineRule } from "../../src/rule-kit/define-rule.js";

// STUB: metadata and check to be written.
export default defineRule({
  meta: {
    id: "go/no-fmt-print",
    section: "architecture",
    title: "TODO",
    severity: "warning",
    rationale: "TODO",
    remediation: "TODO",
    inputs: ["go"],
    tags: [],
    precision: "high",
  },
  check() {},
});

import { defineRule } from "../../src/rule-kit/define-rule.js";

// STUB: metadata and check to be written.
export default defineRule({
  meta: {
    id: "proto/file-options",
    section: "architecture",
    title: "TODO",
    severity: "warning",
    rationale: "TODO",
    remediation: "TODO",
    inputs: ["proto"],
    tags: [],
    precision: "high",
  },
  check() {},
});

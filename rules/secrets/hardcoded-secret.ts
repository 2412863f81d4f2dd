import { defineRule } from "../../src/rule-kit/define-rule.js";

// STUB: metadata and check to be written.
export default defineRule({
  meta: {
    id: "secrets/hardcoded-secret",
    section: "foundation",
    title: "TODO",
    severity: "error",
    rationale: "TODO",
    remediation: "TODO",
    inputs: ["config", "kubernetes", "dockerfile"],
    tags: [],
    precision: "high",
  },
  check() {},
});

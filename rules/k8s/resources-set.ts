import { defineRule } from "../../src/rule-kit/define-rule.js";

// STUB: metadata and check to be written.
export default defineRule({
  meta: {
    id: "k8s/resources-set",
    section: "operations",
    title: "TODO",
    severity: "warning",
    rationale: "TODO",
    remediation: "TODO",
    inputs: ["kubernetes"],
    tags: [],
    precision: "high",
  },
  check() {},
});

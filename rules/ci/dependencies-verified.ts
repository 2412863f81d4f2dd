import { defineRule } from "../../src/rule-kit/define-rule.js";

// STUB: metadata and check to be written.
export default defineRule({
  meta: {
    id: "ci/dependencies-verified",
    section: "foundation",
    title: "TODO",
    severity: "warning",
    rationale: "TODO",
    remediation: "TODO",
    inputs: ["manifest"],
    tags: [],
    precision: "high",
  },
  check() {},
});

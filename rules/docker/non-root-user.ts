import { defineRule } from "../../src/rule-kit/define-rule.js";

// STUB: metadata and check to be written.
export default defineRule({
  meta: {
    id: "docker/non-root-user",
    section: "security",
    title: "TODO",
    severity: "warning",
    rationale: "TODO",
    remediation: "TODO",
    inputs: ["dockerfile"],
    tags: [],
    precision: "high",
  },
  check() {},
});

import { defineRule } from "../../src/rule-kit/define-rule.js";

// STUB: metadata and check to be written.
export default defineRule({
  meta: {
    id: "deps/lockfile-present",
    section: "foundation",
    title: "TODO",
    severity: "error",
    rationale: "TODO",
    remediation: "TODO",
    inputs: ["manifest"],
    tags: [],
    precision: "high",
  },
  check() {},
});

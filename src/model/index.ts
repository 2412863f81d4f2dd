export type * from "./artifacts.js";
export type * from "./location.js";
export type * from "./repository.js";
export * from "./finding.js";
export * from "./rule.js";

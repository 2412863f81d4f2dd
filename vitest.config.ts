import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // Memory tests collect garbage before measuring, so only leaks (not pending JS garbage) count.
    execArgv: ["--expose-gc"],
  },
});

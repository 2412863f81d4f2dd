/**
 * What `import { ts } from "ts-morph"` gives inside a Go worker thread (go-worker.ts redirects it
 * here). The rules' modules import the TypeScript compiler for their TypeScript visitors, which never
 * run in a worker; loading it there would cost each worker about 75 MB and a quarter of a second.
 *
 * While the rules load, module-level code may touch `ts` (`typescriptKit(ts)`, sets of syntax kinds):
 * it gets inert values. Once the worker is armed, any use throws, so a Go analysis that reaches for
 * the compiler fails as that rule's error instead of computing with a stand-in.
 */
let armed = false;

/** Called by the worker after the rules have loaded: from then on, `ts` refuses every use. */
export function armTypescriptStandIn(): void {
  armed = true;
}

function refuse(): never {
  throw new Error("the TypeScript compiler is not loaded in Go worker threads, and a Go analysis used it");
}

// A function target, so that module-level code may also call or construct what it reads.
const inert: unknown = new Proxy(function standIn() {}, {
  get(_target, key) {
    if (armed) refuse();
    return key === Symbol.toPrimitive ? () => 0 : inert;
  },
  has() {
    if (armed) refuse();
    return false;
  },
  apply() {
    if (armed) refuse();
    return inert;
  },
  construct() {
    if (armed) refuse();
    return inert as object;
  },
});

export const ts = inert;

import path from "node:path";
import { fileURLToPath } from "node:url";

/** The buf binary installed by the @bufbuild/buf devDependency (its launcher picks the platform package). */
export const BUF = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../node_modules/.bin/buf");

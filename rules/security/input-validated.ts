import { ts } from "ts-morph";
import type { Node as GoNode } from "web-tree-sitter";
import type { Range } from "../../src/model/location.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { tsNodeRange } from "../../src/rule-kit/typescript.js";

/** Node packages that validate input (schemas, DTO decorators, middleware). */
const NODE_VALIDATORS = [
  "zod", "joi", "@hapi/joi", "yup", "class-validator", "ajv", "express-validator", "celebrate", "superstruct", "valibot",
  "@sinclair/typebox", "io-ts", "fastest-validator", "@vinejs/vine", "runtypes", "arktype", "express-openapi-validator",
  "nestjs-zod", "@nestjs/class-validator", "typia",
];
/** Go modules that validate input, or frameworks whose request parsing validates (go-zero httpx.Parse). */
const GO_VALIDATORS = [
  /^github\.com\/go-playground\/validator/, /^gopkg\.in\/go-playground\/validator/, /^github\.com\/go-ozzo\/ozzo-validation/,
  /^github\.com\/asaskevich\/govalidator/, /^github\.com\/zeromicro\/go-zero$/, /^github\.com\/envoyproxy\/protoc-gen-validate/,
  /^buf\.build\/go\/protovalidate/, /^github\.com\/bufbuild\/protovalidate-go/, /^github\.com\/getkin\/kin-openapi/,
  /^github\.com\/oapi-codegen\/nethttp-middleware/, /^github\.com\/invopop\/validation/, /^github\.com\/gookit\/validate/,
];

interface BodyRead {
  path: string;
  range: Range;
  /** What reads the body: "json.NewDecoder(r.Body).Decode", "req.body", "@Body() dto". */
  what: string;
  handler?: string;
}

/** What one Go file contributes to its service: whether it validates, and its first body read per handler. */
interface FileFacts {
  dir: string;
  validated: boolean;
  reads: BodyRead[];
}

export default defineRule<FileFacts>({
  meta: {
    id: "security/input-validated",
    section: "security",
    title: "Request bodies are validated",
    severity: "warning",
    rationale:
      "A handler that trusts a decoded request body lets any caller store oversized, malformed or out-of-range data, and " +
      "turns type confusion into crashes or injection further down; validation at the edge is the checklist's first line of defence.",
    remediation:
      "Validate every request body against a schema or tagged struct: class-validator DTOs with a global ValidationPipe, " +
      "zod/joi/ajv in Express, Fastify route schemas, go-playground/validator (or gin binding tags), go-zero .api types.",
    docs: `Reports handlers that decode a request body in a **service with no validation mechanism at all**: precision over
recall, because the rule cannot follow a body into the function that validates it.

A service is a Go module (\`go.mod\`) or a Node package (\`package.json\`). It counts as validating when it depends on, or its
source imports, a validation library — Node: ${NODE_VALIDATORS.map((n) => `\`${n}\``).join(", ")}; Go: go-playground/validator,
ozzo-validation, govalidator, protovalidate / protoc-gen-validate, kin-openapi (openapi3filter), oapi-codegen's request
validator middleware — when it is a **go-zero** module (\`httpx.Parse\` rejects missing non-optional fields and checks
\`options=\` / \`range=\` tags), when Go struct tags carry gin's \`binding:"..."\` or \`validate:"..."\`, or when a
TypeScript route passes a Fastify \`schema\`.

Body reads:

- Go: \`json.NewDecoder(r.Body).Decode(...)\`, \`render.Decode\` / \`render.DecodeJSON\` (go-chi), gin / echo \`Bind\`,
  \`BindJSON\`, \`ShouldBind\`, \`ShouldBindJSON\`;
- TypeScript/JavaScript: \`req.body\` / \`request.body\` / \`ctx.request.body\` read from a handler parameter, and NestJS
  \`@Body()\` parameters.

Bad (a module with no validator):

\`\`\`go
func (h HttpServer) CreateTraining(w http.ResponseWriter, r *http.Request) {
	var post PostTraining
	if err := render.Decode(r, &post); err != nil { ... }
	h.app.Commands.ScheduleTraining.Handle(ctx, command.ScheduleTraining{Notes: post.Notes})
\`\`\`

Good:

\`\`\`go
type PostTraining struct {
	Notes string    \`json:"notes" validate:"max=1000"\`
	Time  time.Time \`json:"time" validate:"required"\`
}
if err := validate.Struct(post); err != nil { ... }
\`\`\`

One finding per handler (the first body read). Not reported: test files, generated code, services that validate
anywhere (even if one handler forgets: that needs data flow the rule does not have), query and path parameters (usually
parsed into typed values).`,
    inputs: ["go", "typescript"],
    tags: ["security", "validation", "http", "go", "typescript"],
    precision: "medium",
    securitySeverity: 5.3,
  },
  analyzeGo(file): FileFacts | undefined {
    if (file.isTest || file.isGenerated) return undefined;
    const validated = file.imports.some((i) => GO_VALIDATORS.some((p) => p.test(i.module))) || /`[^`]*\b(binding|validate):"/.test(file.text);
    const reads: BodyRead[] = [];
    const seen = new Set<string>();
    for (const call of file.calls) {
      const what = goBodyRead(call.callee, call.module, call.member, call.node as GoNode);
      if (!what) continue;
      const handler = call.enclosingFunction ?? "";
      if (seen.has(handler)) continue;
      seen.add(handler);
      reads.push({ path: file.path, range: call.range, what, ...(call.enclosingFunction ? { handler: call.enclosingFunction } : {}) });
    }
    return validated || reads.length > 0 ? { dir: file.dir, validated, reads } : undefined;
  },
  create({ repo, report }) {
    const goReads: BodyRead[] = [];
    const tsReads: BodyRead[] = [];
    /** Service roots (directories) where validation was seen in source. */
    const goValidatedDirs = new Set<string>();
    const tsValidatedDirs = new Set<string>();

    return {
      goFacts(facts) {
        if (facts.validated) goValidatedDirs.add(facts.dir);
        for (const read of facts.reads) goReads.push(read);
      },
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        const dir = file.path.includes("/") ? file.path.slice(0, file.path.lastIndexOf("/")) : "";
        if (file.imports.some((i) => NODE_VALIDATORS.includes(i.module))) tsValidatedDirs.add(dir);
        const seen = new Set<ts.Node>();
        const visit = (node: ts.Node): void => {
          if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === "schema") tsValidatedDirs.add(dir);
          const read = tsBodyRead(node);
          if (read && !seen.has(read.fn)) {
            seen.add(read.fn);
            tsReads.push({ path: file.path, range: tsNodeRange(node), what: read.what, ...(read.handler ? { handler: read.handler } : {}) });
          }
          ts.forEachChild(node, visit);
        };
        visit(file.ast);
      },
      end() {
        const goRoots = repo.manifests.goModules.map((m) => ({ dir: dirOf(m.path), validated: m.requires.some((r) => GO_VALIDATORS.some((p) => p.test(r.path))) }));
        const nodeRoots = repo.manifests.packageJsons.map((p) => ({
          dir: dirOf(p.path),
          validated: NODE_VALIDATORS.some((n) => n in p.dependencies || n in p.devDependencies),
        }));
        const check = (reads: BodyRead[], roots: { dir: string; validated: boolean }[], sourceValidated: Set<string>, kind: string) => {
          for (const read of reads) {
            const root = nearestRoot(read.path, roots);
            const rootDir = root?.dir ?? "";
            if (root?.validated) continue;
            // Validation imported anywhere in the same service.
            if ([...sourceValidated].some((d) => d === rootDir || rootDir === "" || d.startsWith(`${rootDir}/`))) continue;
            const service = root ? `the ${kind} at \`${rootDir || "."}\`` : "this repository";
            report({
              path: read.path,
              range: read.range,
              message:
                `${read.handler ? `\`${read.handler}\` reads` : "This handler reads"} the request body (\`${read.what}\`) and ${service} ` +
                `has no validation library or schema validation anywhere: malformed, oversized or out-of-range input reaches the service's logic.`,
            });
          }
        };
        check(goReads, goRoots, goValidatedDirs, "Go module");
        check(tsReads, nodeRoots, tsValidatedDirs, "package");
      },
    };
  },
});

function dirOf(path: string): string {
  return path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
}

function nearestRoot<T extends { dir: string }>(path: string, roots: T[]): T | undefined {
  let best: T | undefined;
  for (const root of roots) {
    if (root.dir !== "" && !path.startsWith(`${root.dir}/`)) continue;
    if (!best || root.dir.length > best.dir.length) best = root;
  }
  return best;
}

function goBodyRead(callee: string, module: string | undefined, member: string | undefined, node: GoNode): string | undefined {
  // json.NewDecoder(r.Body).Decode(&v)
  if (callee.endsWith(".Decode") && /^json\.NewDecoder\(\w+\.Body\)\.Decode$/.test(callee)) return callee;
  if (module === "github.com/go-chi/render" && (member === "Decode" || member === "DecodeJSON")) return callee;
  // gin / echo binding: c.ShouldBindJSON(&v)
  if (/^\w+\.(ShouldBindJSON|ShouldBind|BindJSON|Bind|ShouldBindWith|BindWith)$/.test(callee) && module === undefined) {
    const params = enclosingParams(node);
    if (/\*(gin\.Context)\b|\becho\.Context\b/.test(params)) return callee;
  }
  return undefined;
}

function enclosingParams(node: GoNode): string {
  for (let n: GoNode | null = node.parent; n; n = n.parent) {
    if (n.type === "function_declaration" || n.type === "method_declaration" || n.type === "func_literal") {
      return n.childForFieldName("parameters")?.text ?? "";
    }
  }
  return "";
}

/** `req.body` on a handler parameter, or a NestJS `@Body()` parameter. */
function tsBodyRead(node: ts.Node): { fn: ts.Node; what: string; handler?: string } | undefined {
  if (ts.isParameter(node) && ts.canHaveDecorators(node)) {
    const decorators = ts.getDecorators(node) ?? [];
    const body = decorators.find((d) => ts.isCallExpression(d.expression) && ts.isIdentifier(d.expression.expression) && d.expression.expression.text === "Body");
    if (!body) return undefined;
    const call = body.expression as ts.CallExpression;
    // @Body(new ValidationPipe()) / @Body(SomePipe): validated per parameter.
    if (call.arguments.length > 0 && call.arguments.some((a) => !ts.isStringLiteralLike(a))) return undefined;
    const fn = node.parent;
    const handler = ts.isMethodDeclaration(fn) && ts.isIdentifier(fn.name) ? fn.name.text : undefined;
    return { fn, what: `@Body() ${node.name.getText()}`, ...(handler ? { handler } : {}) };
  }
  if (!ts.isPropertyAccessExpression(node) || node.name.text !== "body") return undefined;
  let object = node.expression;
  if (ts.isPropertyAccessExpression(object) && object.name.text === "request") object = object.expression; // ctx.request.body
  if (!ts.isIdentifier(object) || !/^(req|request|ctx|context)$/.test(object.text)) return undefined;
  // The identifier must be a parameter of the enclosing function (a handler), not some local.
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isFunctionLike(n)) {
      const fn = n as ts.SignatureDeclaration;
      if (!fn.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === object.getText())) return undefined;
      const handler = fn.name && ts.isIdentifier(fn.name) ? fn.name.text : undefined;
      return { fn: n, what: node.getText(), ...(handler ? { handler } : {}) };
    }
  }
  return undefined;
}

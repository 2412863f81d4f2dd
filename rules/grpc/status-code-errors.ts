import { ts } from "ts-morph";
import type { Node as GoNode } from "web-tree-sitter";
import type { SourceImport } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import type { Severity } from "../../src/model/finding.js";
import { defineRule, type GoSourceFile, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { callArguments, callsWithin, goNodeRange, importForName, stringLiteralValue } from "../../src/rule-kit/go.js";
import {
  enclosingGoFunction,
  goFunctionShape,
  isGoZeroLogicShape,
  isGoZeroRpcLogicDir,
  isUnaryRpcShape,
  bareTypeName,
  serverInterfaceMethods,
} from "../../src/rule-kit/go-rpc.js";
import { tsNodeRange, typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

/** A Go method that looks like an RPC method; whether it is one is decided once every file was seen. */
interface GoCandidate {
  kind: "unary" | "logic";
  path: string;
  dir: string;
  name: string;
  requestType: string;
  plainReturns: { range: Range; construction: string }[];
}

/** What one Go file contributes: its generated service interfaces' methods, its gRPC imports, its candidates. */
interface FileFacts {
  /** RPC method name and request type name, from `...Server` interfaces, in declaration order. */
  rpcMethods: [string, string][];
  grpc: boolean;
  candidates: GoCandidate[];
}

/** Wrappers of github.com/pkg/errors that keep the wrapped error's type (and so its code, if any). */
const PKG_ERRORS_WRAPPERS = ["Wrap", "Wrapf", "WithMessage", "WithMessagef", "WithStack"];

/** JavaScript's own error classes: none carries a gRPC status code. */
const BUILTIN_ERRORS = new Set(["Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError"]);

export default defineRule<FileFacts>({
  meta: {
    id: "grpc/status-code-errors",
    section: "architecture",
    title: "gRPC handlers return errors with a status code",
    severity: "warning",
    rationale:
      "An error without a gRPC status reaches the caller as UNKNOWN with only its message text: clients cannot " +
      "tell invalid input from not-found from an outage, so they retry what will never succeed, alert on user errors, " +
      "and show internal details to users.",
    remediation:
      "Return status.Error(codes.X, msg) / a coded error type (Go), or an error with a `code` from @grpc/grpc-js " +
      "`status` / a Nest RpcException({ code, message }) (Node).",
    docs: `Reports gRPC handlers that fail with a plain error instead of one that carries a status code.

**Go.** In an RPC method, a \`return\` whose error is built right there with \`errors.New\`, \`fmt.Errorf\`
(without \`%w\`), or github.com/pkg/errors \`New\` / \`Errorf\` (also inside \`errors.Wrap(...)\`). RPC methods are:

- methods with the unary shape \`(ctx context.Context, in *pb.Req) (*pb.Resp, error)\` whose name and request type
  match a method of a generated \`...Server\` interface (protoc-gen-go-grpc) or of a \`service\` in a \`.proto\` file;
- go-zero logic methods \`func (l *LoginLogic) Login(in *pb.LoginReq) (*pb.LoginResp, error)\` in an
  \`internal/logic\` folder of a zrpc service (goctl puts \`internal/server/\` beside it; REST services are skipped).

\`\`\`go
// Bad: the client sees code Unknown
func (s *server) GetPatient(ctx context.Context, in *pb.GetPatientReq) (*pb.Patient, error) {
	return nil, errors.New("patient not found")
}
// Good
	return nil, status.Errorf(codes.NotFound, "patient %s not found", in.Id)
// Good (go-zero, with an interceptor that turns CodeError into a status)
	return nil, errors.Wrapf(xerr.NewErrCode(xerr.PATIENT_NOT_FOUND), "id: %s", in.Id)
\`\`\`

**Node.** \`@grpc/grpc-js\` handlers registered with \`server.addService(svc, { method: handler })\` (functions,
\`Class.method.bind(this)\` and object methods of the same file) that call their callback with \`new Error(...)\`,
a string, \`err.message\`, or an object without \`code\`. \`callback(err)\` with the variable of a \`catch\` is
reported as a **note**: what was thrown, and whether it has a \`code\`, cannot be seen. NestJS methods decorated
\`@GrpcMethod\` / \`@GrpcStreamMethod\` that \`throw new Error(...)\`, an HTTP exception (\`NotFoundException\`, ...)
or \`new RpcException("text")\` without a code.

\`\`\`js
// Bad
callback(new Error("card expired"));
// Good
callback({ code: grpc.status.INVALID_ARGUMENT, message: "card expired" });
\`\`\`

Not reported: errors passed through from elsewhere (\`return nil, err\`, \`callback(err)\` from a client call,
\`fmt.Errorf("...: %w", err)\`), helpers that RPC methods call (the method may translate their errors), closures,
streaming methods, test and generated files.`,
    inputs: ["go", "typescript"],
    tags: ["grpc", "errors", "go", "typescript"],
    precision: "high",
  },
  analyzeGo(file): FileFacts | undefined {
    if (file.isTest) return undefined;
    const facts: FileFacts = { rpcMethods: [], grpc: false, candidates: [] };
    // Only a file that declares an `...Server interface` can hold a generated service interface.
    if (SERVER_INTERFACE.test(file.text)) for (const [name, request] of serverInterfaceMethods(file.root)) facts.rpcMethods.push([name, request]);
    if (file.imports.some((i) => i.module === "google.golang.org/grpc" || i.module === "github.com/zeromicro/go-zero/zrpc")) facts.grpc = true;
    if (!file.isGenerated) collectGoCandidates(file, facts.candidates);
    if (facts.rpcMethods.length === 0 && !facts.grpc && facts.candidates.length === 0) return undefined;
    return facts;
  },
  create({ repo, report, notApplicable }) {
    const candidates: GoCandidate[] = [];
    /** Whether any gRPC service code was seen at all (else the rule is not applicable). */
    const seen = { grpc: false };
    /** RPC method name -> request type names, from generated interfaces and .proto services. */
    const rpcMethods = new Map<string, Set<string>>();
    const addRpc = (name: string, request: string) => {
      let set = rpcMethods.get(name);
      if (!set) rpcMethods.set(name, (set = new Set()));
      set.add(request);
    };

    return {
      goFacts(facts) {
        for (const [name, request] of facts.rpcMethods) addRpc(name, request);
        if (facts.grpc) seen.grpc = true;
        for (const candidate of facts.candidates) candidates.push(candidate);
      },
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        if (file.imports.some((i) => i.module === "@grpc/grpc-js" || i.module === "grpc" || i.module === "@nestjs/microservices")) seen.grpc = true;
        checkGrpcJs(file, report);
        checkNestGrpc(file, report);
      },
      end() {
        const goZeroRpc = candidates.some((c) => c.kind === "logic" && isGoZeroRpcLogicDir(c.dir, repo.files));
        if (!seen.grpc && rpcMethods.size === 0 && !goZeroRpc) {
          notApplicable();
          return;
        }
        for (const proto of repo.protos) {
          for (const service of proto.services) {
            for (const method of service.methods) {
              if (!method.requestStream && !method.responseStream) addRpc(method.name, bareTypeName(method.requestType));
            }
          }
        }
        for (const c of candidates) {
          const isRpc =
            c.kind === "unary" ? rpcMethods.get(c.name)?.has(c.requestType) === true : isGoZeroRpcLogicDir(c.dir, repo.files);
          if (!isRpc) continue;
          const what = c.kind === "unary" ? `gRPC method \`${c.name}\`` : `go-zero RPC logic \`${c.name}\``;
          for (const r of c.plainReturns) {
            report({
              path: c.path,
              range: r.range,
              message:
                `${what} returns a plain \`${r.construction}\` error: the client receives status code Unknown with the ` +
                "message text, so it cannot tell bad input from not-found from an outage.",
              fix:
                c.kind === "logic"
                  ? "Return a coded error (e.g. xerr.NewErrCode(...)) that the server interceptor maps to a status, or status.Error(codes.X, msg)."
                  : "Return status.Error(codes.X, msg) (google.golang.org/grpc/status) with the code that fits, e.g. codes.NotFound or codes.InvalidArgument.",
            });
          }
        }
      },
    };
  },
});

// ---------------------------------------------------------------------------------------------
// Go

const SERVER_INTERFACE = /Server(\[[^\]]*\])?\s+interface\b/;
const ERROR_MODULES = new Set(["errors", "fmt", "github.com/pkg/errors"]);

function collectGoCandidates(file: GoSourceFile, out: GoCandidate[]): void {
  for (const decl of file.root.namedChildren) {
    if (decl?.type !== "method_declaration") continue;
    const shape = goFunctionShape(decl);
    if (!shape) continue;
    const kind = isUnaryRpcShape(shape) ? "unary" : isGoZeroLogicShape(shape, file.dir) ? "logic" : undefined;
    if (!kind) continue;
    const body = decl.childForFieldName("body");
    // No errors/fmt/pkg-errors call in the body: no return can construct a plain error.
    if (!body || !callsWithin(file.calls, body).some((c) => c.module !== undefined && ERROR_MODULES.has(c.module))) continue;
    const plainReturns: GoCandidate["plainReturns"] = [];
    for (const ret of body.descendantsOfType("return_statement")) {
      if (!ret || enclosingGoFunction(ret)?.id !== decl.id) continue; // a closure's return is not the method's
      const list = ret.namedChildren.find((n) => n?.type === "expression_list") ?? ret.namedChildren[0];
      const values = list?.type === "expression_list" ? list.namedChildren : list ? [list] : [];
      const last = values[values.length - 1];
      if (!last) continue;
      const construction = plainErrorConstruction(last, file.imports);
      if (construction) plainReturns.push({ range: goNodeRange(last), construction });
    }
    if (plainReturns.length === 0) continue;
    const request = shape.paramTypes[kind === "unary" ? 1 : 0];
    out.push({ kind, path: file.path, dir: file.dir, name: shape.name, requestType: request ? bareTypeName(request) : "", plainReturns });
  }
}

/** `errors.New(...)`, `fmt.Errorf(...)` without %w, pkg/errors New/Errorf, or one of them wrapped by pkg/errors. */
function plainErrorConstruction(node: GoNode, imports: readonly SourceImport[]): string | undefined {
  if (node.type !== "call_expression") return undefined;
  const fn = node.childForFieldName("function");
  if (fn?.type !== "selector_expression") return undefined;
  const operand = fn.childForFieldName("operand");
  const member = fn.childForFieldName("field")?.text ?? "";
  if (operand?.type !== "identifier") return undefined;
  const module = importForName(imports, operand.text)?.module;
  const shown = `${operand.text}.${member}`;
  if (module === "errors" && member === "New") return shown;
  if (module === "fmt" && member === "Errorf") {
    const format = callArguments(node)[0];
    const value = format ? stringLiteralValue(format) : undefined;
    return value !== undefined && !value.includes("%w") ? shown : undefined;
  }
  if (module === "github.com/pkg/errors") {
    if (member === "New" || member === "Errorf") return shown;
    if (PKG_ERRORS_WRAPPERS.includes(member)) {
      const inner = callArguments(node)[0];
      return inner ? plainErrorConstruction(inner, imports) : undefined;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Node: @grpc/grpc-js

type Report = (d: { path: string; range: Range; message: string; severity?: Severity; fix?: string }) => void;

function checkGrpcJs(file: TsSourceFile, report: Report): void {
  if (!file.imports.some((i) => i.module === "@grpc/grpc-js" || i.module === "grpc")) return;
  const seen = new Set<ts.Node>();
  for (const call of file.calls) {
    if (call.isNew || !/(^|\.)addService$/.test(call.callee)) continue;
    const implementation = kit.objectLiteralArgument(call.node, 1);
    if (!implementation) continue;
    for (const property of implementation.properties) {
      const method = kit.propertyName(property.name);
      const handler = handlerFunction(property, file.ast);
      if (!handler || seen.has(handler) || method === undefined) continue;
      seen.add(handler);
      checkGrpcJsHandler(file, method, handler, report);
    }
  }
}

type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration;

/** The function an `addService` entry points at, when it is written in this file. */
function handlerFunction(property: ts.ObjectLiteralElementLike, sourceFile: ts.SourceFile): FunctionNode | undefined {
  if (ts.isMethodDeclaration(property)) return property;
  let value: ts.Expression | undefined;
  if (ts.isPropertyAssignment(property)) value = kit.skipWrappers(property.initializer);
  else if (ts.isShorthandPropertyAssignment(property)) value = property.name;
  if (!value) return undefined;
  if (ts.isFunctionExpression(value) || ts.isArrowFunction(value)) return value;
  // `Class.method.bind(this)`
  if (ts.isCallExpression(value) && ts.isPropertyAccessExpression(value.expression) && value.expression.name.text === "bind") {
    value = kit.skipWrappers(value.expression.expression);
  }
  if (ts.isIdentifier(value)) {
    const declaration = kit.findLocalDeclaration(value, value.text);
    if (declaration && ts.isFunctionDeclaration(declaration)) return declaration;
    if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) {
      const init = kit.skipWrappers(declaration.initializer);
      if (ts.isFunctionExpression(init) || ts.isArrowFunction(init)) return init;
    }
    return undefined;
  }
  const access = kit.staticMemberAccess(value);
  if (access && ts.isIdentifier(access.object)) {
    return classMethod(sourceFile, access.object.text, access.name);
  }
  return undefined;
}

function classMethod(sourceFile: ts.SourceFile, className: string, method: string): ts.MethodDeclaration | undefined {
  for (const statement of sourceFile.statements) {
    if (!ts.isClassDeclaration(statement) || statement.name?.text !== className) continue;
    for (const member of statement.members) {
      if (ts.isMethodDeclaration(member) && kit.propertyName(member.name) === method) return member;
    }
  }
  return undefined;
}

function checkGrpcJsHandler(file: TsSourceFile, method: string, handler: FunctionNode, report: Report): void {
  const callbackParam = handler.parameters[1];
  if (!callbackParam || !ts.isIdentifier(callbackParam.name)) return;
  const callbackName = callbackParam.name.text;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === callbackName) {
      const binding = kit.findLocalDeclaration(node.expression, callbackName);
      const arg = node.arguments[0];
      if (binding === callbackParam && arg) {
        const verdict = judgeCallbackError(kit.skipWrappers(arg), handler);
        if (verdict) {
          report({
            path: file.path,
            range: tsNodeRange(node),
            message: `gRPC handler \`${method}\` calls \`${callbackName}(${verdict.shown})\`: ${verdict.why}`,
            ...(verdict.note ? { severity: "note" as const } : {}),
            fix: "Call the callback with an error that has a gRPC code: { code: grpc.status.INVALID_ARGUMENT, message }, or set err.code before passing it on.",
          });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  if (handler.body) visit(handler.body);
}

function judgeCallbackError(
  arg: ts.Expression,
  handler: FunctionNode,
): { shown: string; why: string; note?: boolean } | undefined {
  const unknown = "the client receives status code UNKNOWN, so it cannot tell bad input from an outage.";
  if (arg.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(arg) && arg.text === "undefined")) return undefined;
  if (ts.isNewExpression(arg) && ts.isIdentifier(arg.expression) && BUILTIN_ERRORS.has(arg.expression.text)) {
    return { shown: `new ${arg.expression.text}(...)`, why: `a plain ${arg.expression.text} has no \`code\`; ${unknown}` };
  }
  if (ts.isStringLiteralLike(arg) || ts.isTemplateExpression(arg)) {
    return { shown: "<string>", why: `a string is not an error with a \`code\`; ${unknown}` };
  }
  const access = kit.staticMemberAccess(arg);
  if (access?.name === "message") {
    return { shown: `${arg.getText()}`, why: `a message string drops the error's \`code\`; ${unknown}` };
  }
  if (ts.isObjectLiteralExpression(arg)) {
    const keys = kit.objectLiteralKeys(arg);
    if (keys.names.has("code") || keys.open) return undefined;
    return { shown: "{...}", why: `the error object has no \`code\`; ${unknown}` };
  }
  if (ts.isIdentifier(arg)) {
    const declaration = kit.findLocalDeclaration(arg, arg.text);
    if (declaration && ts.isVariableDeclaration(declaration) && ts.isCatchClause(declaration.parent) && !assignsCode(handler, arg.text)) {
      return {
        shown: arg.text,
        note: true,
        why: `\`${arg.text}\` is whatever was thrown; unless it carries a gRPC \`code\` the client receives UNKNOWN. Cannot verify the thrown errors' codes.`,
      };
    }
  }
  return undefined;
}

/** `err.code = ...` somewhere in the handler. */
function assignsCode(handler: FunctionNode, name: string): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      node.left.name.text === "code" &&
      ts.isIdentifier(node.left.expression) &&
      node.left.expression.text === name
    ) {
      found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  if (handler.body) visit(handler.body);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Node: NestJS microservices

function checkNestGrpc(file: TsSourceFile, report: Report): void {
  const microservices = file.imports.find((i) => i.module === "@nestjs/microservices" && (i.importedName === "GrpcMethod" || i.importedName === "GrpcStreamMethod"));
  if (!microservices) return;
  const rpcException = file.imports.find((i) => i.module === "@nestjs/microservices" && i.importedName === "RpcException")?.localName;
  const httpExceptions = new Set(
    file.imports.filter((i) => i.module === "@nestjs/common" && /Exception$/.test(i.importedName ?? "")).map((i) => i.localName!),
  );
  const visit = (node: ts.Node): void => {
    if (ts.isMethodDeclaration(node) && isGrpcMethod(node, file.imports) && node.body) {
      const method = kit.propertyName(node.name) ?? "method";
      const visitBody = (inner: ts.Node): void => {
        if (ts.isThrowStatement(inner) && inner.expression) {
          const thrown = kit.skipWrappers(inner.expression);
          const why = judgeThrown(thrown, rpcException, httpExceptions);
          if (why) {
            report({
              path: file.path,
              range: tsNodeRange(inner),
              message: `@GrpcMethod \`${method}\` ${why}`,
              fix: "Throw new RpcException({ code: status.NOT_FOUND, message }) with the gRPC status code that fits.",
            });
          }
        }
        if (ts.isFunctionLike(inner) && inner !== node) return; // a nested function's throws are its own
        ts.forEachChild(inner, visitBody);
      };
      ts.forEachChild(node.body, visitBody);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
}

function isGrpcMethod(method: ts.MethodDeclaration, imports: readonly SourceImport[]): boolean {
  const names = new Set(
    imports
      .filter((i) => i.module === "@nestjs/microservices" && (i.importedName === "GrpcMethod" || i.importedName === "GrpcStreamMethod"))
      .map((i) => i.localName),
  );
  return (ts.getDecorators(method) ?? []).some((d) => {
    const expr = ts.isCallExpression(d.expression) ? d.expression.expression : d.expression;
    return ts.isIdentifier(expr) && names.has(expr.text);
  });
}

function judgeThrown(thrown: ts.Expression, rpcException: string | undefined, httpExceptions: Set<string>): string | undefined {
  if (!ts.isNewExpression(thrown) || !ts.isIdentifier(thrown.expression)) return undefined;
  const name = thrown.expression.text;
  const unknown = "so the client receives status code UNKNOWN and cannot tell bad input from an outage.";
  if (BUILTIN_ERRORS.has(name)) return `throws a plain \`new ${name}(...)\`, which carries no gRPC status code, ${unknown}`;
  if (httpExceptions.has(name)) return `throws the HTTP exception \`${name}\`, whose HTTP status is not mapped to a gRPC code, ${unknown}`;
  if (name === rpcException) {
    const arg = thrown.arguments?.[0];
    if (arg && (ts.isStringLiteralLike(arg) || ts.isTemplateExpression(arg))) {
      return `throws \`new ${name}(<string>)\` without a status code, ${unknown}`;
    }
  }
  return undefined;
}

/**
 * Helpers for rules about Go request handlers: gRPC service methods, go-zero logic methods and
 * net/http handlers. Syntax only (no types): shapes of declarations, read from tree-sitter nodes.
 */
import type { Node as GoNode } from "web-tree-sitter";
import type { SourceImport } from "../model/artifacts.js";
import type { RepoFile } from "../model/repository.js";
import { importForName } from "./go.js";

/** A method declaration's shape, copied out of the tree (types as written, whitespace removed). */
export interface GoMethodShape {
  name: string;
  /** Receiver type without `*` (`checkoutService`, `LoginLogic`); undefined for plain functions. */
  receiverType?: string;
  paramTypes: string[];
  resultTypes: string[];
}

/** The shape of a function_declaration or method_declaration. */
export function goFunctionShape(decl: GoNode): GoMethodShape | undefined {
  const name = decl.childForFieldName("name")?.text;
  if (!name) return undefined;
  const receiver = decl.childForFieldName("receiver");
  const receiverType = receiver ? parameterTypes(receiver)[0]?.replace(/^\*/, "").replace(/\[.*$/, "") : undefined;
  const params = decl.childForFieldName("parameters");
  const result = decl.childForFieldName("result");
  const resultTypes = !result ? [] : result.type === "parameter_list" ? parameterTypes(result) : [compact(result.text)];
  return { name, ...(receiverType ? { receiverType } : {}), paramTypes: params ? parameterTypes(params) : [], resultTypes };
}

/** One type per parameter (`a, b string` gives two). */
export function parameterTypes(list: GoNode): string[] {
  const types: string[] = [];
  for (const p of list.namedChildren) {
    if (!p || (p.type !== "parameter_declaration" && p.type !== "variadic_parameter_declaration")) continue;
    const type = p.childForFieldName("type");
    if (!type) continue;
    const text = (p.type === "variadic_parameter_declaration" ? "..." : "") + compact(type.text);
    const names = p.childrenForFieldName("name").length;
    for (let i = 0; i < Math.max(1, names); i++) types.push(text);
  }
  return types;
}

/** `*pb.GetReq` -> "GetReq". */
export function bareTypeName(type: string): string {
  return type.replace(/^[*&]+/, "").replace(/^.*\./, "");
}

/**
 * The methods of interfaces named `...Server` (protoc-gen-go-grpc's service interfaces), as
 * `Method` -> request type name. Unexported methods (`mustEmbedUnimplemented...`) are left out.
 */
export function serverInterfaceMethods(root: GoNode): Map<string, string> {
  const methods = new Map<string, string>();
  for (const spec of root.descendantsOfType("type_spec")) {
    if (!spec || !/Server$/.test(spec.childForFieldName("name")?.text ?? "")) continue;
    const iface = spec.childForFieldName("type");
    if (iface?.type !== "interface_type") continue;
    for (const elem of iface.namedChildren) {
      if (elem?.type !== "method_elem") continue;
      const name = elem.childForFieldName("name")?.text;
      const params = elem.childForFieldName("parameters");
      if (!name || !/^[A-Z]/.test(name) || !params) continue;
      const types = parameterTypes(params);
      if (types.length === 2) methods.set(name, bareTypeName(types[1]!));
    }
  }
  return methods;
}

/** A unary gRPC method as protoc-gen-go-grpc declares it: `(context.Context, *Req) (*Resp, error)`. */
export function isUnaryRpcShape(shape: GoMethodShape): boolean {
  return (
    shape.receiverType !== undefined &&
    /^[A-Z]/.test(shape.name) &&
    shape.paramTypes.length === 2 &&
    /^context\.Context$/.test(shape.paramTypes[0]!) &&
    shape.paramTypes[1]!.startsWith("*") &&
    shape.resultTypes.length === 2 &&
    shape.resultTypes[1] === "error"
  );
}

/**
 * A go-zero (goctl) logic method: `func (l *LoginLogic) Login(in *pb.LoginReq) (*pb.LoginResp, error)`,
 * the receiver named for the method, in an `internal/logic` folder.
 */
export function isGoZeroLogicShape(shape: GoMethodShape, dir: string): boolean {
  return (
    /(^|\/)internal\/logic(\/|$)/.test(dir) &&
    shape.receiverType === `${shape.name}Logic` &&
    shape.paramTypes.length <= 1 &&
    shape.resultTypes.length >= 1 &&
    shape.resultTypes[shape.resultTypes.length - 1] === "error"
  );
}

/**
 * Whether a goctl logic folder belongs to an RPC service: goctl generates `internal/server/` beside
 * `internal/logic/` for zrpc services, and `internal/handler/` for REST (api) services.
 */
export function isGoZeroRpcLogicDir(dir: string, files: readonly RepoFile[]): boolean {
  const match = /^(.*?)(?:^|\/)internal\/logic(\/|$)/.exec(dir);
  if (!match) return false;
  const base = match[1] ? `${match[1]}/internal/server/` : "internal/server/";
  return files.some((f) => f.path.startsWith(base) && f.path.endsWith(".go"));
}

/**
 * Whether a function's parameters make it a net/http handler (`http.ResponseWriter`, through the
 * file's import alias), a gin handler (`*gin.Context`) or an echo handler (`echo.Context`).
 */
export function isHttpHandlerParams(paramTypes: readonly string[], imports: readonly SourceImport[]): boolean {
  return paramTypes.some((t) => {
    const m = /^\*?(\w+)\.(\w+)$/.exec(t);
    if (!m) return false;
    const module = importForName(imports, m[1]!)?.module ?? "";
    return (
      (module === "net/http" && m[2] === "ResponseWriter") ||
      (/^github\.com\/gin-gonic\/gin$/.test(module) && m[2] === "Context") ||
      (/^github\.com\/labstack\/echo(\/v\d+)?$/.test(module) && m[2] === "Context")
    );
  });
}

/** The nearest enclosing function (declaration, method or literal) of a node. */
export function enclosingGoFunction(node: GoNode): GoNode | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === "function_declaration" || n.type === "method_declaration" || n.type === "func_literal") return n;
  }
  return undefined;
}

/** Whether a function body calls the builtin `recover()` (directly or in a deferred closure). */
export function callsRecover(body: GoNode): boolean {
  return body
    .descendantsOfType("call_expression")
    .some((c) => c?.childForFieldName("function")?.type === "identifier" && c.childForFieldName("function")?.text === "recover");
}

function compact(text: string): string {
  return text.replace(/\s+/g, "");
}

import type { Node } from "web-tree-sitter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoParser, type GoParser } from "../../src/loaders/go.js";
import type { RepoFile } from "../../src/model/repository.js";
import {
  goFunctionShape,
  isGoZeroLogicShape,
  isGoZeroRpcLogicDir,
  isUnaryRpcShape,
  serverInterfaceMethods,
} from "../../src/rule-kit/go-rpc.js";

let parser: GoParser;
beforeAll(async () => {
  parser = await createGoParser();
});
afterAll(() => parser.dispose());

function declarations(text: string): { shapes: ReturnType<typeof goFunctionShape>[]; methods: Map<string, string> } {
  const { file } = parser.parse("a.go", text);
  try {
    const shapes = (file.root as Node).namedChildren
      .filter((n) => n?.type === "method_declaration" || n?.type === "function_declaration")
      .map((n) => goFunctionShape(n!));
    return { shapes, methods: serverInterfaceMethods(file.root as Node) };
  } finally {
    parser.free(file);
  }
}

describe("Go RPC shapes", () => {
  it("reads a unary gRPC method and a go-zero logic method", () => {
    const { shapes } = declarations(`package x
func (s *srv) Get(ctx context.Context, in *pb.GetReq) (*pb.GetResp, error) { return nil, nil }
func (l *GetLogic) Get(in *pb.GetReq) (*pb.GetResp, error) { return nil, nil }
func (l *GetLogic) helper(a, b string) error { return nil }
func plain(ctx context.Context, in *pb.GetReq) (*pb.GetResp, error) { return nil, nil }`);
    expect(shapes[0]).toEqual({ name: "Get", receiverType: "srv", paramTypes: ["context.Context", "*pb.GetReq"], resultTypes: ["*pb.GetResp", "error"] });
    expect(isUnaryRpcShape(shapes[0]!)).toBe(true);
    expect(isGoZeroLogicShape(shapes[1]!, "svc/internal/logic")).toBe(true);
    expect(isGoZeroLogicShape(shapes[1]!, "svc/logic")).toBe(false);
    expect(shapes[2]!.paramTypes).toEqual(["string", "string"]);
    expect(isGoZeroLogicShape(shapes[2]!, "svc/internal/logic")).toBe(false);
    expect(isUnaryRpcShape(shapes[3]!)).toBe(false); // a function, not a method
  });

  it("lists the exported methods of ...Server interfaces with their request types", () => {
    const { methods } = declarations(`package pb
type OrderServer interface {
	Place(context.Context, *PlaceReq) (*PlaceResp, error)
	Watch(*WatchReq, Order_WatchServer) error
	mustEmbedUnimplementedOrderServer()
}
type OrderClient interface { Place(ctx context.Context, in *PlaceReq) (*PlaceResp, error) }`);
    expect([...methods]).toEqual([["Place", "PlaceReq"], ["Watch", "Order_WatchServer"]]);
  });

  it("tells goctl RPC logic folders from REST ones by internal/server", () => {
    const files = [{ path: "app/order/rpc/internal/server/orderserver.go", kind: "go", size: 1 }] as RepoFile[];
    expect(isGoZeroRpcLogicDir("app/order/rpc/internal/logic", files)).toBe(true);
    expect(isGoZeroRpcLogicDir("app/order/rpc/internal/logic/sub", files)).toBe(true);
    expect(isGoZeroRpcLogicDir("app/order/api/internal/logic", files)).toBe(false);
  });
});

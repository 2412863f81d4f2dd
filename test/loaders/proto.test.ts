import { describe, expect, it } from "vitest";
import { loadProto } from "../../src/loaders/proto.js";

const at = (line: number, column: number, endColumn: number) => ({
  start: { line, column },
  end: { line, column: endColumn },
});

const FULL = `// File header: not a comment of the syntax line's declaration.

syntax = "proto3";

package shop.orders.v1;
option go_package = "example.com/shop/gen/orders/v1;" "ordersv1";
option java_multiple_files = true;
option optimize_for = SPEED;
option (custom.opt) = { a: 1 };
import "google/protobuf/timestamp.proto";
import public "shop/common.proto";
import weak "legacy.proto";

// An order.
// Two lines.
message Order {
  // The id.
  string order_id = 1; // trailing, not leading
  repeated Item items = 2;
  /* Block
   * comment */
  optional string note = 3;
  map<string, int64> counts = 4;
  oneof payment { string card = 5; string iban = 6; }
  reserved 8, 10 to 12, 100 to max;
  reserved "old_field";
  message Item { string sku = 1; }
  enum Status { STATUS_UNSPECIFIED = 0; STATUS_PAID = 1 [deprecated = true]; reserved 7; reserved "GONE"; }
}

service Orders {
  // Gets one.
  rpc GetOrder(GetOrderRequest) returns (Order) {}
  rpc Watch(stream GetOrderRequest) returns (stream Order);
}

message GetOrderRequest { string order_id = 1; }
enum Top { TOP_UNSPECIFIED = 0; }
`;

describe("loadProto", () => {
  const { value, diagnostics } = loadProto("api/orders.proto", FULL);
  const file = value!;

  it("reads the header with value ranges", () => {
    expect(diagnostics).toEqual([]);
    expect(file.syntax).toEqual({ value: "proto3", range: at(3, 10, 18) });
    expect(file.edition).toBeUndefined();
    expect(file.package).toEqual({ value: "shop.orders.v1", range: at(5, 9, 23) });
    // Adjacent string literals concatenate.
    expect(file.options.go_package).toEqual({ value: "example.com/shop/gen/orders/v1;ordersv1", range: at(6, 21, 65) });
    expect(file.options.java_multiple_files?.value).toBe(true);
    expect(file.options.optimize_for?.value).toBe("SPEED");
    // Aggregate values are not scalars: left out.
    expect(file.options["(custom.opt)"]).toBeUndefined();
    expect(file.imports).toEqual([
      { value: "google/protobuf/timestamp.proto", range: at(10, 8, 41), kind: "normal" },
      { value: "shop/common.proto", range: at(11, 15, 34), kind: "public" },
      { value: "legacy.proto", range: at(12, 13, 27), kind: "weak" },
    ]);
  });

  it("reads messages, fields, labels, oneofs, maps and reserved ranges", () => {
    const order = file.messages.find((m) => m.name === "Order")!;
    expect(order.fullName).toBe("shop.orders.v1.Order");
    expect(order.range).toEqual(at(16, 9, 14));
    expect(order.comment).toBe("An order.\nTwo lines.");
    const byName = Object.fromEntries(order.fields.map((f) => [f.name, f]));
    expect(byName.order_id).toMatchObject({ number: 1, type: "string", range: at(18, 10, 18), comment: "The id." });
    expect(byName.order_id!.label).toBeUndefined();
    expect(byName.items).toMatchObject({ label: "repeated", type: "Item" });
    expect(byName.items!.comment).toBeUndefined(); // the previous line's trailing comment is not its
    expect(byName.note).toMatchObject({ label: "optional", comment: "Block\ncomment" });
    expect(byName.note!.oneof).toBeUndefined(); // proto3 optional's synthetic oneof is hidden
    expect(byName.counts).toMatchObject({ type: "int64", mapKeyType: "string", range: at(23, 22, 28) });
    expect(byName.card).toMatchObject({ oneof: "payment", number: 5, range: at(24, 26, 30) });
    expect(byName.iban).toMatchObject({ oneof: "payment", number: 6 });
    expect(order.reservedNumbers).toEqual([[8, 8], [10, 12], [100, 536870911]]);
    expect(order.reservedNames).toEqual(["old_field"]);
    expect(order.messages.map((m) => m.fullName)).toEqual(["shop.orders.v1.Order.Item"]);
    const status = order.enums[0]!;
    expect(status).toMatchObject({ name: "Status", fullName: "shop.orders.v1.Order.Status", reservedNumbers: [[7, 7]], reservedNames: ["GONE"] });
    expect(status.values).toEqual([
      { name: "STATUS_UNSPECIFIED", number: 0, range: at(28, 17, 35) },
      { name: "STATUS_PAID", number: 1, range: at(28, 41, 52) },
    ]);
    expect(file.enums.map((e) => e.fullName)).toEqual(["shop.orders.v1.Top"]);
  });

  it("reads services and streaming methods", () => {
    const service = file.services[0]!;
    expect(service).toMatchObject({ name: "Orders", fullName: "shop.orders.v1.Orders", range: at(31, 9, 15) });
    expect(service.methods).toEqual([
      {
        name: "GetOrder",
        range: at(33, 7, 15),
        comment: "Gets one.",
        requestType: "GetOrderRequest",
        responseType: "Order",
        requestStream: false,
        responseStream: false,
      },
      { name: "Watch", range: at(34, 7, 12), requestType: "GetOrderRequest", responseType: "Order", requestStream: true, responseStream: true },
    ]);
  });

  it("reads proto2 labels, groups and leaves extension fields out", () => {
    const text = [
      'syntax = "proto2";',
      "package p;",
      "message M {",
      "  optional string a = 1;",
      "  required int32 b = 2;",
      "  optional group Result = 3 { optional int32 z = 1; }",
      "  extensions 100 to 200;",
      "}",
      "extend M { optional int32 ext = 150; }",
    ].join("\n");
    const m = loadProto("p.proto", text).value!.messages[0]!;
    expect(m.fields.map((f) => [f.name, f.label, f.number])).toEqual([
      ["a", "optional", 1],
      ["b", "required", 2],
      ["result", "optional", 3],
    ]);
    expect(m.fields[2]!.range).toEqual(at(6, 18, 24));
    expect(m.messages.map((n) => n.fullName)).toEqual(["p.M.Result"]);
  });

  it("reads an editions file", () => {
    const text = 'edition = "2023";\npackage p;\noption features.field_presence = IMPLICIT;\nmessage M { string a = 1; }\n';
    const { value } = loadProto("e.proto", text);
    expect(value!.syntax).toBeUndefined();
    expect(value!.edition).toEqual({ value: "2023", range: at(1, 11, 17) });
    expect(value!.options["features.field_presence"]?.value).toBe("IMPLICIT");
    expect(value!.messages[0]!.fields[0]!.label).toBeUndefined();
  });

  it("reads edition 2024 visibility modifiers", () => {
    const text = 'edition = "2024";\npackage p;\n// Kept private.\nlocal message Hidden { string a = 1; }\nexport enum Kind { KIND_UNSPECIFIED = 0; }\n';
    const { value, diagnostics } = loadProto("v.proto", text);
    expect(diagnostics).toEqual([]);
    expect(value!.messages[0]).toMatchObject({ name: "Hidden", range: at(4, 15, 21), comment: "Kept private." });
    expect(value!.enums[0]).toMatchObject({ name: "Kind", range: at(5, 13, 17) });
  });

  it("names declarations without a package by their bare name and handles CRLF and UTF-16 columns", () => {
    const text = 'syntax = "proto3";\r\n// é 😀\r\nmessage /* 😀 */ M { string a = 1; }\r\n';
    const m = loadProto("x.proto", text).value!.messages[0]!;
    expect(m.fullName).toBe("M");
    expect(m.range).toEqual(at(3, 18, 19)); // the emoji is two UTF-16 code units
    expect(m.comment).toBe("é 😀");
  });

  it("turns a syntax error into a parse-error diagnostic at the reported line", () => {
    const text = 'syntax = "proto3";\npackage p;\nmessage M {\n  int32 a = 1;\n  int32 b = 2 3;\n}\n';
    const result = loadProto("bad.proto", text);
    expect(result.value).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ kind: "parse-error", path: "bad.proto", range: at(5, 15, 16) });
    expect(result.diagnostics[0]!.message).toContain("line 5");
  });

  it("explains a missing syntax when proto3 fields fail to parse as proto2", () => {
    const result = loadProto("nosyntax.proto", "package p;\nmessage M {\n  string a = 1;\n}\n");
    expect(result.diagnostics[0]).toMatchObject({ kind: "parse-error", range: at(3, 3, 9) });
    expect(result.diagnostics[0]!.message).toContain("declares no `syntax`");
  });

  it("never throws on truncated or odd input", () => {
    for (const text of [
      'syntax = "proto3";\nmessage M {\n  // ends inside a comment',
      'syntax = "proto3";\n/* unterminated',
      'syntax = "proto3";\noption go_package = "unterminated\n',
      'syntax = "proto3";\nmessage A {}\nmessage A {}\n',
      "}}}{{{",
      "",
    ]) {
      expect(() => loadProto("odd.proto", text)).not.toThrow();
    }
    const truncated = loadProto("t.proto", 'syntax = "proto3";\nmessage M {\n  // ends inside a comment');
    expect(truncated.diagnostics[0]!.range.start.line).toBe(3); // clamped to the file's last line
    const duplicate = loadProto("d.proto", 'syntax = "proto3";\nmessage A {}\nmessage A {}\n');
    expect(duplicate.diagnostics[0]).toMatchObject({ kind: "parse-error", range: at(3, 9, 10) });
    expect(loadProto("empty.proto", "").value).toMatchObject({ messages: [], options: {} });
  });
});

describe("loadProto: hostile input", () => {
  const TOKEN = "ghp_Zq8LmN2vR7tX4wK9pB3sD6fH1jC5gA0eYuIo";

  it("turns thousands of nested messages into a parse error instead of overflowing the stack", () => {
    const depth = 3000;
    const text = 'syntax = "proto3";\npackage a;\n' + "message A {".repeat(depth) + "}".repeat(depth) + "\n";
    let result: ReturnType<typeof loadProto> | undefined;
    expect(() => (result = loadProto("deep.proto", text))).not.toThrow();
    expect(result!.value).toBeUndefined();
    // The scan stops at the 101st nested block: "message A {" is 11 characters.
    expect(result!.diagnostics).toEqual([expect.objectContaining({ kind: "parse-error", range: at(3, 1111, 1112) })]);
    expect(result!.diagnostics[0]!.message).toContain("nested more than 100 levels deep");
  });

  it("places protobufjs's own depth limit (no line in its message) at the first declaration past it", () => {
    const text = 'syntax = "proto3";\n' + "message A {\n".repeat(40) + "}".repeat(40) + "\n";
    const result = loadProto("deep.proto", text);
    expect(result.diagnostics).toEqual([expect.objectContaining({ kind: "parse-error", range: at(34, 9, 10) })]);
    expect(result.diagnostics[0]!.message).toContain("nesting is too deep near line 34");
  });

  it("reports an unterminated block comment where it opens, not at the end of the file", () => {
    const result = loadProto("c.proto", 'syntax = "proto3";\npackage a;\n  /* never closed\nmessage M {}\n');
    expect(result.diagnostics).toEqual([expect.objectContaining({ kind: "parse-error", range: at(3, 3, 5) })]);
    expect(result.diagnostics[0]!.message).toContain("opened on line 3 is never closed");
  });

  it("never echoes the offending input, only keywords and punctuation", () => {
    const cases: [string, RegExp][] = [
      [`syntax = "proto3";\nmessage M { string a = ${TOKEN}; }\n`, /invalid field number on line 2/],
      [`syntax = "proto3";\nmessage M { ${TOKEN} }\n`, /invalid name on line 2/],
      [`syntax = "proto3";\nmessage M { string a = 1 ${TOKEN} }\n`, /expected `;` on line 2/],
      [`syntax = "proto3";\nmessage ${TOKEN} { string a = 1; string a = 2; }\n`, /declared twice/],
      [`syntax = "proto3";\nmessage M { reserved "${TOKEN}"; string ${TOKEN} = 1; }\n`, /reserved name/],
      [`syntax = "proto3";\n${TOKEN} M {}\n`, /unexpected word on line 2/],
    ];
    for (const [text, expected] of cases) {
      const result = loadProto("leak.proto", text);
      expect(result.diagnostics).toHaveLength(1);
      expect(result.diagnostics[0]!.message).toMatch(expected);
      expect(result.diagnostics[0]!.message).not.toContain("ghp_");
    }
    // A keyword or punctuation is still named.
    const keyword = loadProto("k.proto", 'syntax = "proto3";\nmessage M { string a = 1 }\n');
    expect(keyword.diagnostics[0]!.message).toContain("expected `;`, found `}` on line 2");
  });
});

import { describe, expect, it } from "vitest";
import { loadEnvFile, loadJsonConfig } from "../../src/loaders/config.js";
import type { Range } from "../../src/model/location.js";

const at = (r: Range) => `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;

describe("loadJsonConfig", () => {
  it("reads JSON with positions for every leaf", () => {
    const text = '{\n\t"db": {\n\t\t"host": "localhost",\n\t\t"port": 5432,\n\t\t"tls": true\n\t},\n\t"hosts": ["a", null]\n}\n';
    const { value, diagnostics } = loadJsonConfig("config/app.json", text);
    expect(diagnostics).toEqual([]);
    const [doc] = value!;
    expect(doc).toMatchObject({ path: "config/app.json", format: "json", documentIndex: 0 });
    expect(doc.body).toEqual({ db: { host: "localhost", port: 5432, tls: true }, hosts: ["a", null] });
    expect(doc.entries.map((e) => `${e.path.join(".")}=${String(e.value)} ${e.key} ${at(e.keyRange)} ${at(e.range)}`)).toEqual([
      'db.host=localhost host 3:3-3:9 3:11-3:22',
      "db.port=5432 port 4:3-4:9 4:11-4:15",
      "db.tls=true tls 5:3-5:8 5:10-5:14",
      "hosts.0=a hosts 7:12-7:15 7:12-7:15",
      "hosts.1=null hosts 7:17-7:21 7:17-7:21",
    ]);
    expect(at(doc.locate(["db"]))).toBe("2:8-6:3");
    expect(at(doc.locateKey(["db", "missing"]))).toBe("2:2-2:6");
  });

  it("tolerates comments and trailing commas (tsconfig.json and other JSONC files)", () => {
    const text = '{\n  // compiler options\n  "compilerOptions": { "strict": true, /* inline */ },\n  "include": ["src",],\n}\n';
    const { value, diagnostics } = loadJsonConfig("tsconfig.json", text);
    expect(diagnostics).toEqual([]);
    expect(value![0].body).toEqual({ compilerOptions: { strict: true }, include: ["src"] });
  });

  it("keeps the last of duplicate keys and reads __proto__ as a plain key", () => {
    const { value } = loadJsonConfig("a.json", '{"a": 1, "a": 2, "__proto__": {"polluted": true}}');
    const body = value![0].body as Record<string, unknown>;
    expect(body.a).toBe(2);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(Object.keys(body)).toEqual(["a", "__proto__"]);
    expect(value![0].locate(["a"]).start.column).toBe(15);
  });

  it.each([
    ['{\n  "a": 1,\n  "b" 2\n}', 3, 7, /expected :/],
    ['{\n  "a": [1, 2\n}', 3, 1, /expected \]/],
    ['{"a": "unterminated\n}', 1, 7, /unterminated string/],
    ["{'a': 1}", 1, 2, /expected a quoted key/],
    ['{"a": 1} {"b": 2}', 1, 10, /after the JSON value/],
    ['{"a": tru}', 1, 7, /unexpected character/],
    ['{"a": 01}', 1, 8, /expected \}/],
    ['{"a": 1', 1, 8, /end of the file/],
  ])("reports invalid JSON %j as a parse error at its line", (text, line, column, message) => {
    const { value, diagnostics } = loadJsonConfig("bad.json", text);
    expect(value).toEqual([]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ kind: "parse-error", path: "bad.json", range: { start: { line, column } } });
    expect(diagnostics[0].message).toMatch(message);
  });

  it("turns nesting deeper than the stack into a diagnostic", () => {
    const { diagnostics } = loadJsonConfig("deep.json", "[".repeat(200_000) + "]".repeat(200_000));
    expect(diagnostics.map((d) => d.kind)).toEqual(["parse-error"]);
  });

  it("refuses nesting deeper than 512 levels at the first level too deep, and reads 512", () => {
    // 2,000 levels overflowed the stack in collectEntries before (an uncaught RangeError).
    for (const depth of [2000, 4000]) {
      const { value, diagnostics } = loadJsonConfig("c.json", `${"[".repeat(depth)}1${"]".repeat(depth)}`);
      expect(value).toEqual([]);
      expect(diagnostics.map((d) => `${d.kind} ${at(d.range)} ${d.message}`)).toEqual([
        "parse-error 1:513-1:514 The JSON file is nested deeper than 512 levels; it was not checked.",
      ]);
    }
    const objects = loadJsonConfig("o.json", `${'{"a":'.repeat(600)}1${"}".repeat(600)}`);
    expect(objects.diagnostics.map((d) => at(d.range))).toEqual([`1:${512 * 5 + 1}-1:${512 * 5 + 2}`]);
    const { value, diagnostics } = loadJsonConfig("c.json", `${"[".repeat(512)}"x"${"]".repeat(512)}`);
    expect(diagnostics).toEqual([]);
    expect(value![0].entries).toHaveLength(1);
    expect(value![0].entries[0].path).toHaveLength(512);
  });

  it("skips an empty file and reads a bare scalar without entries", () => {
    expect(loadJsonConfig("e.json", "  \n")).toEqual({ value: [], diagnostics: [] });
    const { value } = loadJsonConfig("s.json", '"just a string"');
    expect(value![0]).toMatchObject({ body: "just a string", entries: [] });
  });

  it("reads a large data file in linear time", () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item${i}`, tags: ["a", "b"], nested: { x: 1.5, y: null } }));
    const text = JSON.stringify(items, null, 2);
    const started = Date.now();
    const { value } = loadJsonConfig("data.json", text);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(value![0].entries).toHaveLength(20_000 * 6);
  });
});

describe("loadEnvFile", () => {
  const text = [
    "# database",
    "",
    "DB_HOST=localhost",
    "export DB_PORT=5432",
    "  SPACED = value with spaces   # trailing comment",
    "SINGLE='literal \\n $HOME'",
    'DOUBLE="line1\\nline2 \\"quoted\\""',
    'MULTI="first',
    'second"',
    "EMPTY=",
    "HASH=abc#def",
    "export port=1",
    "WINDOWS=crlf\r",
    "",
  ].join("\n");

  it("reads KEY=VALUE lines with export, quotes, comments and multi-line values", () => {
    const { value, diagnostics } = loadEnvFile("svc/.env", text);
    expect(diagnostics).toEqual([]);
    const [doc] = value!;
    expect(doc).toMatchObject({ format: "env", documentIndex: 0 });
    expect(doc.body).toEqual({
      DB_HOST: "localhost",
      DB_PORT: "5432",
      SPACED: "value with spaces",
      SINGLE: "literal \\n $HOME",
      DOUBLE: 'line1\nline2 "quoted"',
      MULTI: "first\nsecond",
      EMPTY: "",
      HASH: "abc#def",
      port: "1",
      WINDOWS: "crlf",
    });
    expect(doc.entries.map((e) => `${e.path.join(".")} ${at(e.keyRange)} ${at(e.range)}`)).toEqual([
      "DB_HOST 3:1-3:8 3:9-3:18",
      "DB_PORT 4:8-4:15 4:16-4:20",
      "SPACED 5:3-5:9 5:12-5:29",
      "SINGLE 6:1-6:7 6:8-6:26",
      "DOUBLE 7:1-7:7 7:8-7:33",
      "MULTI 8:1-8:6 8:7-9:8",
      "EMPTY 10:1-10:6 10:7-10:7",
      "HASH 11:1-11:5 11:6-11:13",
      "port 12:8-12:12 12:13-12:14",
      "WINDOWS 13:1-13:8 13:9-13:13",
    ]);
    expect(doc.entries.every((e) => e.key === e.path[0])).toBe(true);
    expect(at(doc.locateKey(["DB_PORT"]))).toBe("4:8-4:15");
    expect(at(doc.locate(["DB_PORT"]))).toBe("4:16-4:20");
  });

  it("reports the first line that is not an assignment and keeps the rest", () => {
    const { value, diagnostics } = loadEnvFile(".env", "A=1\nthis is not an assignment\nB=2\nalso bad\n");
    expect(Object.keys(value![0].body as object)).toEqual(["A", "B"]);
    expect(diagnostics.map((d) => `${d.kind} ${d.range.start.line}:${d.range.start.column}`)).toEqual(["parse-error 2:1"]);
  });

  it("reports an unterminated quote and reads the rest of its line", () => {
    const { value, diagnostics } = loadEnvFile(".env", "A='open\nB=2\n");
    expect(value![0].body).toEqual({ A: "'open", B: "2" });
    expect(diagnostics.map((d) => `${d.kind} ${d.range.start.line}`)).toEqual(["parse-error 1"]);
  });

  it("never names the key in a diagnostic (a key can be a secret)", () => {
    const key = "ghp_Zq8LmN2vR7tX4wK9pB3sD6fH1jC5gA0eYuIo";
    const { diagnostics } = loadEnvFile(".env", `${key}="open\n`);
    expect(diagnostics.map((d) => d.message)).toEqual(["The quoted value on this line is never closed: the rest of the line is read as its value."]);
  });

  it("returns nothing for a file with only comments", () => {
    expect(loadEnvFile(".env", "# nothing\n\n")).toEqual({ value: [], diagnostics: [] });
  });
});

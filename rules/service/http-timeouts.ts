import type { Node as GoNode } from "web-tree-sitter";
import { ts } from "ts-morph";
import type { Range } from "../../src/model/location.js";
import { defineRule, type GoSourceFile, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { goNodeRange, importForName } from "../../src/rule-kit/go.js";
import { isNonProductionManifest } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { goProgramDirs } from "../../src/rule-kit/services.js";
import { typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

interface Candidate {
  path: string;
  range: Range;
  message: string;
  fix: string;
}

/** What one Go file contributes to its package (plain data: it may come from a worker thread). */
interface GoFileFacts {
  dir: string;
  isMain: boolean;
  /** Import paths, in the file's order. */
  imports: string[];
  startsServer: boolean;
  /** Found whether or not the file is production code: that needs the repository, so goFacts decides. */
  candidates: Candidate[];
}

interface GoPackageFacts {
  isMain: boolean;
  imports: Set<string>;
  startsServer: boolean;
  candidates: Candidate[];
}

const BARE_SERVE = ["ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS"];
const DEFAULT_CLIENT_FUNCS = ["Get", "Post", "PostForm", "Head"];
const IGNORED_BUILD = /^\/\/go:build ignore\s*$/m;

/** The variable a composite literal is assigned to (`srv := &http.Server{...}`), if any. */
function assignedVariable(literal: GoNode): string | undefined {
  let node: GoNode | null = literal;
  if (node.parent?.type === "unary_expression") node = node.parent;
  const list = node.parent;
  const statement = list?.parent;
  if (list?.type !== "expression_list" || !statement) return undefined;
  const left = statement.childForFieldName("left") ?? statement.childForFieldName("name");
  const first = left?.type === "expression_list" ? left.namedChildren[0] : left;
  return first?.type === "identifier" ? first.text : undefined;
}

/** Keys written in a composite literal's body. */
function literalKeys(literal: GoNode): Set<string> {
  const keys = new Set<string>();
  for (const element of literal.childForFieldName("body")?.namedChildren ?? []) {
    if (element?.type !== "keyed_element") continue;
    const key = element.childForFieldName("key")?.text;
    if (key) keys.add(key);
  }
  return keys;
}

/** `<name>.<field> =` written in the function around `node` (fields set after the literal). */
function assignsField(node: GoNode, name: string, fields: string[]): boolean {
  let fn: GoNode | null = node;
  while (fn && fn.type !== "function_declaration" && fn.type !== "method_declaration" && fn.type !== "func_literal") fn = fn.parent;
  const text = fn?.text ?? "";
  return fields.some((f) => new RegExp(`\\b${name}\\.${f}\\s*=[^=]`).test(text));
}

function goCandidates(file: GoSourceFile): Candidate[] {
  const found: Candidate[] = [];
  const http = file.imports.find((i) => i.module === "net/http")?.localName;
  if (!http || http === "_" || http === ".") return found;
  // Requests bounded by a context deadline need no client-wide Timeout.
  const contextDeadlines = /\bNewRequestWithContext\b/.test(file.text) && /\bcontext\.With(Timeout|Deadline)\b/.test(file.text);

  for (const call of file.calls) {
    if (call.module !== "net/http" || !call.member) continue;
    if (BARE_SERVE.includes(call.member)) {
      found.push({
        path: file.path,
        range: call.range,
        message: `\`${call.callee}(...)\` serves with an http.Server whose timeouts are all zero: a client that sends its headers slowly (Slowloris) or never reads the response holds a connection and a goroutine forever.`,
        fix: "Create an http.Server{Addr, Handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout, WriteTimeout, IdleTimeout} and call its ListenAndServe.",
      });
    } else if (DEFAULT_CLIENT_FUNCS.includes(call.member) && !contextDeadlines) {
      found.push({
        path: file.path,
        range: call.range,
        message: `\`${call.callee}(...)\` uses http.DefaultClient, which has no timeout: a slow or hung upstream blocks this request forever.`,
        fix: "Use an http.Client with a Timeout (e.g. &http.Client{Timeout: 10 * time.Second}), or a request made with http.NewRequestWithContext under a context deadline.",
      });
    }
  }
  // http.DefaultClient.Do(...) and friends.
  for (const call of file.calls) {
    const viaDefault = /^(\w+)\.DefaultClient\.(Do|Get|Post|PostForm|Head)$/.exec(call.callee);
    if (!contextDeadlines && viaDefault && importForName(file.imports, viaDefault[1]!)?.module === "net/http") {
      found.push({
        path: file.path,
        range: call.range,
        message: `\`${call.callee}(...)\` uses http.DefaultClient, which has no timeout: a slow or hung upstream blocks this request forever.`,
        fix: "Use an http.Client with a Timeout, or bound the request with http.NewRequestWithContext under a context deadline.",
      });
    }
  }
  const root = file.root as GoNode;
  for (const literal of root.descendantsOfType("composite_literal")) {
    const type = literal?.childForFieldName("type");
    if (!literal || type?.type !== "qualified_type") continue;
    const pkg = type.childForFieldName("package")?.text;
    const name = type.childForFieldName("name")?.text;
    if (!pkg || importForName(file.imports, pkg)?.module !== "net/http") continue;
    const keys = literalKeys(literal);
    const variable = assignedVariable(literal);
    if (name === "Server") {
      // gosec G112 accepts ReadTimeout too: it bounds the headers when ReadHeaderTimeout is zero.
      const fields = ["ReadHeaderTimeout", "ReadTimeout"];
      if (fields.some((f) => keys.has(f)) || (variable && assignsField(literal, variable, fields))) continue;
      found.push({
        path: file.path,
        range: goNodeRange(literal),
        message: `\`${pkg}.Server{...}\` sets neither ReadHeaderTimeout nor ReadTimeout: a client that sends its headers slowly (Slowloris) holds a connection and a goroutine forever.`,
        fix: "Set ReadHeaderTimeout (e.g. 5 * time.Second), and ReadTimeout / WriteTimeout / IdleTimeout suited to the handlers.",
      });
    } else if (name === "Client") {
      if (keys.has("Timeout") || contextDeadlines || (variable && assignsField(literal, variable, ["Timeout"]))) continue;
      found.push({
        path: file.path,
        range: goNodeRange(literal),
        message: `\`${pkg}.Client{...}\` has no Timeout: a slow or hung upstream blocks every request made with it forever.`,
        fix: "Set Timeout on the client (e.g. 10 * time.Second), or make every request with http.NewRequestWithContext under a context deadline.",
      });
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Node

const AXIOS_VERBS = new Set(["get", "post", "put", "patch", "delete", "head", "options", "request"]);
const GOT_VERBS = new Set(["get", "post", "put", "patch", "delete", "head"]);

/** Whether an options argument sets `key`: true, false, or undefined when it cannot be read. */
function optionSet(node: ts.Expression | undefined, key: string): boolean | undefined {
  if (!node) return false;
  const inner = kit.skipWrappers(node);
  if (!ts.isObjectLiteralExpression(inner)) return undefined;
  const keys = kit.objectLiteralKeys(inner);
  if (keys.names.has(key)) return true;
  return keys.open ? undefined : false;
}

interface NodeFacts {
  creates: Candidate[];
  direct: { path: string; range: Range; callee: string; library: string }[];
  /** `axios.defaults.timeout = ...` or `got.extend({ timeout })` somewhere in the file. */
  defaultsSet: Set<string>;
}

function nodeFacts(file: TsSourceFile): NodeFacts {
  const facts: NodeFacts = { creates: [], direct: [], defaultsSet: new Set() };
  if (/\baxios\.defaults\.timeout\s*=/.test(file.text) || /\.defaults\.timeout\s*=/.test(file.text)) facts.defaultsSet.add("axios");
  for (const call of file.calls) {
    const node = call.node;
    if (!ts.isCallExpression(node)) continue;
    if (call.module === "axios") {
      const member = call.member ?? "";
      if (member === "create" || member === "default.create") {
        const set = optionSet(node.arguments[0], "timeout");
        if (set === false) {
          facts.creates.push({
            path: file.path,
            range: call.range,
            message: `\`${call.callee}(...)\` creates an axios instance without a timeout (axios waits forever by default): a slow or hung upstream blocks every request made with it.`,
            fix: "Pass a timeout in milliseconds to axios.create (e.g. { timeout: 10000 }), or set instance.defaults.timeout.",
          });
        }
      } else if (member === "" || AXIOS_VERBS.has(member)) {
        // axios(url, config) / axios(config), axios.get(url, config), axios.post(url, data, config), axios.request(config)
        const args = node.arguments;
        let config: ts.Expression | undefined;
        if (member === "") config = args.length >= 2 ? args[1] : args[0] && !ts.isStringLiteralLike(kit.skipWrappers(args[0])) ? args[0] : undefined;
        else if (member === "request") config = args[0];
        else config = args[["post", "put", "patch"].includes(member) ? 2 : 1];
        if (optionSet(config, "timeout") === false) facts.direct.push({ path: file.path, range: call.range, callee: call.callee, library: "axios" });
      }
    } else if (call.module === "got") {
      const member = call.member ?? "";
      if (member === "extend") {
        if (optionSet(node.arguments[0], "timeout") === true) facts.defaultsSet.add("got");
        continue;
      }
      if (member === "" || GOT_VERBS.has(member)) {
        if (optionSet(node.arguments[1], "timeout") === false) facts.direct.push({ path: file.path, range: call.range, callee: call.callee, library: "got" });
      }
    }
  }
  return facts;
}

export default defineRule<GoFileFacts>({
  meta: {
    id: "service/http-timeouts",
    section: "dependencies",
    title: "HTTP servers and clients have timeouts",
    severity: "warning",
    rationale:
      "Go's http.Server and http.Client, axios and got all default to no timeout at all. A server without a header " +
      "timeout can be drained of connections by slow clients (Slowloris); a client without one lets a hung upstream " +
      "block requests, goroutines and connection pools until the service stops answering.",
    remediation:
      "Serve with an http.Server that sets ReadHeaderTimeout (and Read/Write/Idle timeouts); give every outgoing HTTP client a timeout.",
    docs: `**Go servers.** Reports \`http.ListenAndServe\`, \`http.ListenAndServeTLS\`, \`http.Serve\` and \`http.ServeTLS\`
(they use a server with every timeout at zero, and nothing can set one), and an \`http.Server{...}\` literal that sets
neither \`ReadHeaderTimeout\` nor \`ReadTimeout\` — the same condition as gosec G112 (\`ReadTimeout\` also bounds the
headers when \`ReadHeaderTimeout\` is zero). Unlike gosec, a field assigned after the literal in the same function
(\`srv.ReadHeaderTimeout = 5 * time.Second\`) counts.

**Go clients.** Reports an \`http.Client{...}\` literal without \`Timeout\` (unless assigned afterwards), and
\`http.Get\` / \`Post\` / \`PostForm\` / \`Head\` and \`http.DefaultClient.Do\` / \`Get\` / ..., which use the
default client and its missing timeout. A file that makes requests with \`http.NewRequestWithContext\` and creates
context deadlines (\`context.WithTimeout\` / \`WithDeadline\`) is trusted to bound its requests.

Bad:

\`\`\`go
log.Fatal(http.ListenAndServe(":8080", mux))
client := &http.Client{}
resp, err := http.Get(url)
\`\`\`

Good:

\`\`\`go
srv := &http.Server{Addr: ":8080", Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second}
client := &http.Client{Timeout: 10 * time.Second}
\`\`\`

**Node clients.** Reports \`axios.create(...)\` without a \`timeout\` option (axios waits forever by default), and
once per file, calls through the default \`axios\` instance (\`axios.get(url)\`, \`axios(config)\`) or \`got(url)\` /
\`got.get(url)\` without a \`timeout\`, unless the file sets \`axios.defaults.timeout\` or \`got.extend({ timeout })\`.

Not reported:
- options objects with a spread or computed keys (the timeout may be inside), options passed as variables;
- \`fetch\`: Node's built-in fetch (undici) has 300-second header and body timeouts by default — long, but not infinite;
- Go code that is not part of a server program: command-line tools (\`main\` packages that start no server), test
  files, generated files, \`//go:build ignore\` scripts, test and example folders; Node test files;
- go-zero \`rest\` servers (they set their own timeouts; \`Timeout\` defaults to 3 s).`,
    inputs: ["go", "typescript"],
    tags: ["reliability", "security", "http", "timeouts"],
    precision: "high",
    securitySeverity: 5.3,
  },
  analyzeGo(file): GoFileFacts | undefined {
    if (file.isTest || file.isGenerated || IGNORED_BUILD.test(file.text)) return undefined;
    const facts: GoFileFacts = { dir: file.dir, isMain: file.packageName === "main", imports: file.imports.map((i) => i.module), startsServer: false, candidates: goCandidates(file) };
    for (const call of file.calls) {
      if (
        (call.module === "net/http" && BARE_SERVE.includes(call.member ?? "")) ||
        (call.module === undefined && /\.(ListenAndServe|ListenAndServeTLS|Serve|Run|Start|Listen)$/.test(call.callee)) ||
        (call.module !== undefined && /^github\.com\/zeromicro\/go-zero\/(rest|zrpc)$|^google\.golang\.org\/grpc$/.test(call.module) && /NewServer$/.test(call.member ?? ""))
      ) {
        facts.startsServer = true;
      }
    }
    return facts;
  },
  create({ repo, report }) {
    const goPackages = new Map<string, GoPackageFacts>();
    const production = (path: string) => !isNonProductionManifest(scanRelative(repo, path));
    return {
      // Every file of a package, in file order: the package map's order decides import resolution and report order.
      goFacts(facts, path) {
        let pkg = goPackages.get(facts.dir);
        if (!pkg) {
          pkg = { isMain: false, imports: new Set(), startsServer: false, candidates: [] };
          goPackages.set(facts.dir, pkg);
        }
        if (facts.isMain) pkg.isMain = true;
        for (const module of facts.imports) pkg.imports.add(module);
        if (facts.startsServer) pkg.startsServer = true;
        if (production(path)) pkg.candidates.push(...facts.candidates);
      },
      typescript(file) {
        if (file.isTest || file.isGenerated || !production(file.path)) return;
        const facts = nodeFacts(file);
        for (const c of facts.creates) report(c);
        for (const library of ["axios", "got"]) {
          const calls = facts.direct.filter((d) => d.library === library);
          if (calls.length === 0 || facts.defaultsSet.has(library)) continue;
          const first = calls[0]!;
          const more = calls.length > 1 ? ` (and ${calls.length - 1} more call${calls.length > 2 ? "s" : ""} in this file)` : "";
          report({
            path: first.path,
            range: first.range,
            message: `\`${first.callee}(...)\`${more} makes an HTTP request through ${library} without a timeout (${library} waits forever by default): a slow or hung upstream blocks it indefinitely.`,
            fix: library === "axios"
              ? "Use an axios instance created with a timeout (axios.create({ timeout: 10000 })), or pass { timeout } per request."
              : "Pass a timeout ({ timeout: { request: 10000 } }) or use got.extend({ timeout: ... }) for a shared client.",
          });
        }
      },
      end() {
        // Service code: packages of programs that start a server (a CLI's http.Get is its own business).
        const imports = new Map([...goPackages].map(([dir, pkg]) => [dir, pkg.imports] as const));
        const serviceDirs = new Set<string>();
        const mains = [...goPackages].filter(([, pkg]) => pkg.isMain);
        for (const [dir] of mains) {
          const program = goProgramDirs(dir, imports, repo.manifests.goModules);
          if (program.some((d) => goPackages.get(d)?.startsServer)) for (const d of program) serviceDirs.add(d);
        }
        // A library repository (no main package) is judged as service code.
        const library = mains.length === 0;
        for (const [dir, pkg] of goPackages) {
          if (!library && !serviceDirs.has(dir)) continue;
          for (const candidate of pkg.candidates) report(candidate);
        }
      },
    };
  },
});

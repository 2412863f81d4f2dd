import { ts } from "ts-morph";
import type { Node as GoNode } from "web-tree-sitter";
import type { SourceImport } from "../../src/model/artifacts.js";
import type { ReportDescriptor } from "../../src/model/finding.js";
import { defineRule, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { callArguments, importForName } from "../../src/rule-kit/go.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { secretContext } from "../../src/rule-kit/secrets.js";
import { typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

const GO_JWT = /^github\.com\/(golang-jwt\/jwt|dgrijalva\/jwt-go)(\/v\d+)?$/;
const GO_JWT_REQUEST = /^github\.com\/(golang-jwt\/jwt|dgrijalva\/jwt-go)(\/v\d+)?\/request$/;
/** Package functions that verify a token, and the index of their key function argument. */
const GO_PARSERS: Record<string, number> = { Parse: 1, ParseWithClaims: 2 };
const GO_REQUEST_PARSERS: Record<string, number> = { ParseFromRequest: 2, ParseFromRequestWithClaims: 3 };

/** What one Go file contributes: its unpinned verifications, reported unless the file is a mock or an example. */
interface FileFacts {
  findings: ReportDescriptor[];
}

export default defineRule<FileFacts>({
  meta: {
    id: "security/jwt-algorithms-pinned",
    section: "security",
    title: "JWT verification pins the accepted algorithms",
    severity: "warning",
    rationale:
      "A verifier that lets the token's own `alg` header choose the algorithm is one key-type change or library " +
      "downgrade away from algorithm confusion (an RS256 public key accepted as an HS256 secret) or `none`; pinning " +
      "the algorithm makes the server, not the token, decide.",
    remediation:
      "Pass the expected algorithms: `jwt.verify(token, key, { algorithms: ['HS256'] })` (jsonwebtoken), " +
      "`jwt.Parse(s, keyFunc, jwt.WithValidMethods([]string{\"HS256\"}))` or a signing-method check in the key function (golang-jwt).",
    docs: `Reports JWT verification that does not pin the algorithms it accepts.

**TypeScript/JavaScript** — jsonwebtoken \`verify(token, key)\` / \`verify(token, key, callback)\` / \`verify(token, key, { ... })\`
without \`algorithms\`. Since jsonwebtoken 9 the default list follows the key's type (HS* for a string secret), so the
risk is lower than in 8.x (CVE-2022-23540 / 23541), but the token still chooses among them and a key loaded from
configuration can change type under you.

\`\`\`ts
// Bad
jwt.verify(token, secret, (err, decoded) => { ... });
// Good
jwt.verify(token, secret, { algorithms: ['HS256'] }, (err, decoded) => { ... });
\`\`\`

**Go** — golang-jwt (\`github.com/golang-jwt/jwt/v4|v5\`) and \`dgrijalva/jwt-go\` \`Parse\` / \`ParseWithClaims\`, and
\`request.ParseFromRequest\`, without \`jwt.WithValidMethods(...)\` among the options and without a signing-method check in
the key function (\`token.Method.(*jwt.SigningMethodHMAC)\`, \`token.Method.Alg()\`, \`token.Header["alg"]\`). golang-jwt
checks the key's Go type against the method, which blocks the classic confusion, but its own documentation asks for the
check.

\`\`\`go
// Bad
token, err := jwt.Parse(s, func(t *jwt.Token) (interface{}, error) { return key, nil })
// Good
token, err := jwt.Parse(s, keyFunc, jwt.WithValidMethods([]string{"HS256"}))
\`\`\`

Not reported: a key function defined elsewhere (a named function in another file, a method value) — it may check
the method; an options object that comes from elsewhere or has a spread; go-zero's \`rest.WithJwt\` (the framework
verifies); test files, mocks and examples; NestJS \`JwtService.verify\` (its options usually come from \`JwtModule\`).`,
    inputs: ["go", "typescript"],
    tags: ["security", "jwt", "authentication", "go", "typescript"],
    precision: "high",
    securitySeverity: 5.9,
  },
  analyzeGo(file): FileFacts | undefined {
    // Mocks and examples are told apart by the path relative to the scanned folder, which needs the
    // repository: goFacts drops them.
    if (file.isTest || file.isGenerated) return undefined;
    const findings: ReportDescriptor[] = [];
    for (const call of file.calls) {
      if (!call.module || !call.member) continue;
      const index = GO_JWT.test(call.module)
        ? GO_PARSERS[call.member]
        : GO_JWT_REQUEST.test(call.module)
          ? GO_REQUEST_PARSERS[call.member]
          : undefined;
      if (index === undefined) continue;
      const args = callArguments(call.node as GoNode);
      const keyFunc = args[index];
      if (!keyFunc) continue;
      if (args.slice(index + 1).some((a) => mentionsValidMethods(a, file.imports))) continue;
      const body = keyFuncBody(keyFunc, file.root as GoNode);
      // A key function we cannot see may well check the method.
      if (body === undefined || checksMethod(body)) continue;
      findings.push({
        path: file.path,
        range: call.range,
        message:
          `\`${call.callee}\` verifies a JWT without jwt.WithValidMethods and its key function never checks token.Method: ` +
          `the token's own "alg" header picks the algorithm.`,
        fix: `Add jwt.WithValidMethods([]string{"HS256"}) (your algorithm) to the ${call.member} options, or reject unexpected methods in the key function.`,
      });
    }
    return findings.length > 0 ? { findings } : undefined;
  },
  create({ repo, report }) {
    const placeholder = (path: string) => secretContext(scanRelative(repo, path)) === "placeholder";
    const skip = (file: TsSourceFile) => file.isTest || file.isGenerated || placeholder(file.path);

    return {
      goFacts(facts, path) {
        if (placeholder(path)) return;
        for (const finding of facts.findings) report(finding);
      },
      typescript(file) {
        if (skip(file)) return;
        for (const call of file.calls) {
          if (call.isNew || call.module !== "jsonwebtoken" || call.member !== "verify") continue;
          const node = call.node as ts.Node;
          const args = kit.callArguments(node);
          if (args.length < 2) continue;
          const verdict = optionsPin(args[2]);
          if (verdict !== "unpinned") continue;
          report({
            path: file.path,
            range: call.range,
            message: `\`${call.callee}\` verifies a JWT without an \`algorithms\` option: the token's "alg" header chooses among every algorithm the key type allows.`,
            fix: "Pass { algorithms: ['HS256'] } (the algorithm you sign with) as the options argument.",
          });
        }
      },
    };
  },
});

/** `jwt.WithValidMethods(...)` anywhere in an option argument. */
function mentionsValidMethods(arg: GoNode, imports: readonly SourceImport[]): boolean {
  for (const call of [arg, ...arg.descendantsOfType("call_expression")]) {
    if (call?.type !== "call_expression") continue;
    const fn = call.childForFieldName("function");
    if (fn?.type !== "selector_expression" || fn.childForFieldName("field")?.text !== "WithValidMethods") continue;
    const operand = fn.childForFieldName("operand");
    if (operand?.type === "identifier" && GO_JWT.test(importForName(imports, operand.text)?.module ?? "")) return true;
  }
  return false;
}

/** The body of the key function: a literal, or a function declared in this file. */
function keyFuncBody(keyFunc: GoNode, root: GoNode): GoNode | undefined {
  if (keyFunc.type === "func_literal") return keyFunc.childForFieldName("body") ?? undefined;
  if (keyFunc.type === "identifier") {
    for (const declaration of root.namedChildren) {
      if (declaration?.type === "function_declaration" && declaration.childForFieldName("name")?.text === keyFunc.text) {
        return declaration.childForFieldName("body") ?? undefined;
      }
    }
  }
  return undefined;
}

/** `t.Method.(*jwt.SigningMethodHMAC)`, `t.Method.Alg()`, `t.Method != jwt.SigningMethodHS256`, `t.Header["alg"]`. */
function checksMethod(body: GoNode): boolean {
  const text = body.text;
  return /\.Method\b/.test(text) || /Header\s*\[\s*"alg"\s*\]/.test(text) || /SigningMethod/.test(text);
}

/** Whether jsonwebtoken's options argument pins algorithms. */
function optionsPin(arg: ts.Expression | undefined): "pinned" | "unpinned" | "unknown" {
  if (!arg) return "unpinned";
  let inner = kit.skipWrappers(arg);
  if (ts.isArrowFunction(inner) || ts.isFunctionExpression(inner)) return "unpinned";
  if (ts.isIdentifier(inner)) {
    const declaration = kit.findLocalDeclaration(inner, inner.text);
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return "unknown";
    const init = kit.skipWrappers(declaration.initializer);
    if (!ts.isObjectLiteralExpression(init)) return ts.isArrowFunction(init) || ts.isFunctionExpression(init) ? "unpinned" : "unknown";
    inner = init;
  }
  if (!ts.isObjectLiteralExpression(inner)) return "unknown";
  const keys = kit.objectLiteralKeys(inner);
  if (keys.names.has("algorithms")) return "pinned";
  return keys.open ? "unknown" : "unpinned";
}

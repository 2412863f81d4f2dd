import { ts } from "ts-morph";
import type { Node as GoNode } from "web-tree-sitter";
import type { SourceImport } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import { defineRule, type GoSourceFile, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { callArguments, declaredInEnclosingFunction, goNodeRange, importForName, stringLiteralValue } from "../../src/rule-kit/go.js";
import { isGoStructuredLogger } from "../../src/rule-kit/logging.js";
import { isMaskingFunctionName, mayNamePii, piiKind, type PiiKind } from "../../src/rule-kit/pii.js";
import { tsNodeRange, typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

/** How names are judged: the built-in lists plus the rule's options. */
interface Judge {
  kind(name: string, owner?: string): Kind | undefined;
  masks(name: string): boolean;
}

/** Methods that write a log entry (the last call of a logging chain). */
const GO_LOG_METHODS =
  /^(Print|Fatal|Panic)(f|ln)?$|^(Debug|Info|Warn|Warning|Error|Slow|Stat|Severe|Trace|DPanic)(f|w|ln|Context|v)?$|^(Msg|Msgf|Log|Logf|Send)$/;
/** Field constructors and chain steps that attach one key and value: zap.String, logx.Field, Str, WithField. */
const GO_FIELD_FUNCS = /^(String|Strs|Any|Field|Str|Stringer|Reflect|Interface|Object|WithField|Attr|Group)$/;
/** Receivers that are loggers by name: `logger.Info`, `s.log.Errorf`, go-zero logic's `l.Infof`. */
const LOGGER_RECEIVER = /^(l|log|logger|lg|zlog|zlogger|slogger|sugar|Logger|entry)$/;
const TS_LOG_METHODS = new Set(["log", "info", "warn", "error", "debug", "trace", "fatal", "verbose", "silly", "http", "notice", "critical"]);
const TS_LOGGER_RECEIVER = /^_?(log|logger|loggerService|appLogger|pinoLogger|winstonLogger)$/i;

type Kind = PiiKind | "personal data";

interface Candidate {
  path: string;
  range: Range;
  call: string;
  items: { shown: string; kind: Kind }[];
  /** Logged through go-zero logx / pino (through a logger object): masking may be configured out of sight. */
  via: "logx-object" | "logger-object" | "other";
}

/** What one Go file contributes: whether it declares a MaskSensitive method, and its log calls. */
interface FileFacts {
  declaresMaskSensitive: boolean;
  candidates: Candidate[];
}

/** The built-in lists plus the rule's options (`extraNames`, `maskingFunctions`). */
function judgeFor(options: Readonly<Record<string, unknown>>): { judge: Judge; anyName: boolean } {
  const extraNames = new Set((options.extraNames as readonly string[]).map((n) => n.toLowerCase()));
  const maskers = new Set(options.maskingFunctions as readonly string[]);
  const judge: Judge = {
    kind: (name, owner) => (extraNames.has(name.toLowerCase()) ? "personal data" : piiKind(name, owner)),
    masks: (name) => maskers.has(name) || isMaskingFunctionName(name),
  };
  return { judge, anyName: extraNames.size > 0 };
}

export default defineRule<FileFacts>({
  meta: {
    id: "logging/pii-masked",
    section: "security",
    title: "Personal and health data is masked before it is logged",
    severity: "warning",
    rationale:
      "Logs are copied to many systems, kept for long and read by many people; a name, phone number, ID card number, " +
      "diagnosis or password written to them is a personal-data breach (GDPR, HIPAA, PIPL) that no access control on " +
      "the database can undo.",
    remediation:
      "Log an identifier instead, or pass the value through a masking helper (mask*/redact*), go-zero logx.Sensitive " +
      "(a MaskSensitive method), or a pino `redact` configuration.",
    docs: `Reports log calls that pass a value or a key **named** like personal or health data without masking it.

Matched names (identifiers, struct fields, getters, object keys and the keys of key-value loggers; never message
text): first/last/full/real/patient/user **name**, **ID card** / national ID / passport number, **phone** / mobile,
**email**, **birth date** / birthday / DOB, home/shipping/billing **address** (a bare \`address\` only on a request or a
person: \`in.Address\`), **diagnosis**, **medical record number** / MRN, **patient** (the record itself), **password**,
**token**, **SSN**. The head noun decides: \`patientCount\`, \`user.ID\`, \`patientId\`, \`emailVerified\`,
\`passwordHash\`, \`tokenExpiry\`, \`listenAddress\` are not reported; nor are names that say the value is safe
(\`maskedPhone\`, \`emailHash\`).

Log calls: Go \`fmt.Print*\`, the \`log\` package, go-zero \`logx\`, zap, zerolog, \`log/slog\`, logrus (also through a
local variable such as a \`log logrus.FieldLogger\` parameter, \`logger\`, or go-zero logic's \`l.Infof\`), including
fields built with \`zap.String("email", v)\`, \`logx.Field\`, zerolog \`Str\`, logrus \`WithField\` / \`Fields{...}\`
and slog / \`Infow\` key-value pairs; Node \`console.*\` and \`logger.*\` / \`this.logger.*\` (pino, winston, bunyan, the
NestJS Logger), including object-literal fields and template-literal parts.

\`\`\`go
// Bad
l.Infof("register patient %s, phone %s", in.RealName, in.Mobile)
// Good
l.Infof("register patient %d, phone %s", in.UserId, mask.Phone(in.Mobile))
\`\`\`
\`\`\`ts
// Bad
this.logger.info({ email: user.email }, "login");
// Good: pino configured with redact: ["email", "*.email"], or
this.logger.info({ email: maskEmail(user.email) }, "login");
\`\`\`

What it cannot see, honestly:

- **go-zero \`logx.Sensitive\`**: logx masks a value whose type has a \`MaskSensitive()\` method. Types are not
  visible, so when the repository declares any \`MaskSensitive\` method, whole objects logged through logx
  (\`logx.Infof("%+v", patient)\`) are not reported; named fields still are.
- **pino \`redact\`**: when the repository creates a pino logger with a \`redact\` option, calls through logger
  objects are not reported (the paths are not matched against the keys); \`console\` calls still are.
- **zap encoders** that mask fields are configured far from the call and are not recognised: suppress such findings
  with a reason.
- A whole request logged with \`%+v\` / \`JSON.stringify(req)\` may contain personal data; the rule cannot know
  the type's fields and does not report it.

Not reported: test and generated files, values passed through a call named mask* / redact* / hash* /
anonymize* / encrypt* / MaskSensitive.`,
    inputs: ["go", "typescript"],
    tags: ["security", "privacy", "logging", "go", "typescript"],
    precision: "high",
    securitySeverity: 5.5,
    options: {
      extraNames: {
        type: "string[]",
        default: [],
        description:
          "More identifier or key names that hold personal data in this code base (whole names, case-insensitive): `insuranceNo`, `bedNumber`.",
      },
      maskingFunctions: {
        type: "string[]",
        default: [],
        description: "More names of functions or packages that mask a value before it is logged (`desen`, `Cover`).",
      },
    },
  },
  analyzeGo(file, { options }): FileFacts | undefined {
    if (file.isTest) return undefined;
    const facts: FileFacts = { declaresMaskSensitive: /\)\s*MaskSensitive\s*\(\s*\)/.test(file.text), candidates: [] };
    if (file.isGenerated) return facts.declaresMaskSensitive ? facts : undefined;
    const { judge, anyName } = judgeFor(options);
    checkGoFile(file, facts.candidates, judge, anyName);
    return facts.declaresMaskSensitive || facts.candidates.length > 0 ? facts : undefined;
  },
  create({ report, options }) {
    const { judge } = judgeFor(options);
    const candidates: Candidate[] = [];
    let declaresMaskSensitive = false;
    let pinoRedacts = false;

    return {
      goFacts(facts) {
        if (facts.declaresMaskSensitive) declaresMaskSensitive = true;
        for (const candidate of facts.candidates) candidates.push(candidate);
      },
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        if (configuresPinoRedact(file)) pinoRedacts = true;
        checkTsFile(file, candidates, judge);
      },
      end() {
        for (const c of candidates) {
          if (c.via === "logger-object" && pinoRedacts) continue;
          if (c.via === "logx-object" && declaresMaskSensitive) continue;
          const listed = c.items.map((i) => `\`${i.shown}\` (${i.kind})`).join(", ");
          report({
            path: c.path,
            range: c.range,
            message:
              `\`${c.call}\` logs ${listed} without masking: personal and health data in logs is copied to every log ` +
              "store and reader, beyond the access controls of the database it came from.",
          });
        }
      },
    };
  },
});

// ---------------------------------------------------------------------------------------------
// Go

interface GoLogCall {
  /** Every call of the chain whose arguments are logged (`log.Info().Str("email", e).Msg("x")` has three). */
  chain: GoNode[];
  module?: string;
  keyValues: boolean;
}

function checkGoFile(file: GoSourceFile, out: Candidate[], judge: Judge, anyName: boolean): void {
  for (const call of file.calls) {
    // The method is the callee text's last segment (a comment inside the callee leaves it to the nodes).
    const method = /\.([\p{L}_][\p{L}\p{N}_]*)$/u.exec(call.callee)?.[1];
    if ((method === undefined || !GO_LOG_METHODS.test(method)) && !call.callee.includes("/")) continue;
    const node = call.node as GoNode;
    // Every name piiKind knows contains one of these words; the call's text holds every name it logs.
    if (!anyName && !mayNamePii(file.text.slice(node.startIndex, node.endIndex))) continue;
    const log = goLogCall(file, node);
    if (!log) continue;
    const items: Candidate["items"] = [];
    let first: GoNode | undefined;
    let wholeObjectsOnly = true;
    const add = (node: GoNode, shown: string, kind: Kind, wholeObject: boolean) => {
      if (items.some((i) => i.shown === shown)) return;
      items.push({ shown, kind });
      first ??= node;
      if (!wholeObject) wholeObjectsOnly = false;
    };
    for (const link of log.chain) {
      const args = callArguments(link);
      const fn = link.childForFieldName("function");
      const method = fn?.type === "selector_expression" ? fn.childForFieldName("field")?.text ?? "" : fn?.text ?? "";
      if (GO_FIELD_FUNCS.test(method)) {
        checkGoKeyValue(args[0], args[1], file.imports, add, judge);
        continue;
      }
      for (let i = 0; i < args.length; i++) {
        const arg = args[i]!;
        const key = stringLiteralValue(arg);
        if (key !== undefined) {
          // In a key-value logger, a string followed by a value is a key (after the message).
          if (log.keyValues && i > 0 && args[i + 1]) {
            checkGoKeyValue(arg, args[i + 1], file.imports, add, judge);
            i++;
          }
          continue;
        }
        checkGoValue(arg, file.imports, add, judge);
      }
    }
    if (items.length === 0 || !first) continue;
    const via = log.module === "github.com/zeromicro/go-zero/core/logx" && wholeObjectsOnly ? "logx-object" : "other";
    out.push({ path: file.path, range: goNodeRange(first), call: shortCallee(call.callee), items, via });
  }
}

type GoAdd = (node: GoNode, shown: string, kind: Kind, wholeObject: boolean) => void;

/** A key-value pair: a personal-data key whose value is not masked. */
function checkGoKeyValue(
  keyNode: GoNode | undefined,
  value: GoNode | undefined,
  imports: readonly SourceImport[],
  add: GoAdd,
  judge: Judge,
  inLiteral = false,
): void {
  if (!keyNode || !value) return;
  const key = stringLiteralValue(keyNode);
  if (key === undefined) return;
  const kind = judge.kind(key);
  if (kind && !isGoMasked(value, judge)) add(keyNode, `"${key}"`, kind, false);
  else if (!kind) checkGoValue(value, imports, add, judge, inLiteral);
}

/** A logged value: its own name (identifier, field, getter), or the keys of a map / Fields literal. */
/**
 * `inLiteral`: the node lies inside a composite literal whose keyed elements are all being checked
 * already (they are its descendants); walking a nested literal's again would only repeat them, and on
 * literals nested thousands deep the repeats grow with the square of the depth.
 */
function checkGoValue(node: GoNode, imports: readonly SourceImport[], add: GoAdd, judge: Judge, inLiteral = false): void {
  if (isGoMasked(node, judge)) return;
  let inner = node;
  while (inner.type === "unary_expression" || inner.type === "parenthesized_expression") {
    const operand = inner.childForFieldName("operand") ?? inner.namedChildren[0];
    if (!operand) return;
    inner = operand;
  }
  if (inner.type === "composite_literal") {
    if (inLiteral) return;
    for (const element of inner.descendantsOfType("keyed_element")) {
      const [k, v] = element?.namedChildren ?? [];
      const keyLiteral = k?.namedChildren[0] ?? k;
      const valueNode = v?.namedChildren[0] ?? v;
      if (keyLiteral && valueNode) checkGoKeyValue(keyLiteral, valueNode, imports, add, judge, true);
    }
    return;
  }
  if (inner.type === "call_expression") {
    const fn = inner.childForFieldName("function");
    if (fn?.type !== "selector_expression") return;
    const args = callArguments(inner);
    // A field constructor: `zap.String("email", v)`, `logx.Field("phone", v)`, `slog.String(...)`.
    if (GO_FIELD_FUNCS.test(fn.childForFieldName("field")?.text ?? "")) {
      checkGoKeyValue(args[0], args[1], imports, add, judge, inLiteral);
      return;
    }
    // `in.GetEmail()`: a getter without arguments names its field.
    if (args.length > 0) return;
    const field = fn.childForFieldName("field")?.text ?? "";
    if (!/^Get[A-Z]/.test(field)) return;
    const kind = judge.kind(field, lastName(fn.childForFieldName("operand")));
    if (kind) add(inner, inner.text, kind, false);
    return;
  }
  if (inner.type === "identifier") {
    if (importForName(imports, inner.text)) return;
    const kind = judge.kind(inner.text);
    if (kind) add(inner, inner.text, kind, kind === "patient record");
    return;
  }
  if (inner.type === "selector_expression") {
    const field = inner.childForFieldName("field")?.text ?? "";
    const kind = judge.kind(field, lastName(inner.childForFieldName("operand")));
    if (kind) add(inner, inner.text.replace(/\s+/g, ""), kind, kind === "patient record");
  }
}

/** A call of a masking function, or of any function of a masking package (`mask.Phone(p)`, `desensitize.Name(n)`). */
function isGoMasked(node: GoNode, judge: Judge): boolean {
  if (node.type !== "call_expression") return false;
  const fn = node.childForFieldName("function");
  if (fn?.type === "selector_expression") {
    const operand = fn.childForFieldName("operand");
    if (operand?.type === "identifier" && judge.masks(operand.text)) return true;
    return judge.masks(fn.childForFieldName("field")?.text ?? "");
  }
  return fn !== null && fn !== undefined && judge.masks(fn.text);
}

function lastName(node: GoNode | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === "identifier") return node.text;
  if (node.type === "selector_expression") return node.childForFieldName("field")?.text;
  return undefined;
}

/** Whether a call writes a log entry, and the chain of calls whose arguments end up in it. */
function goLogCall(file: GoSourceFile, call: GoNode): GoLogCall | undefined {
  const fn = call.childForFieldName("function");
  if (fn?.type !== "selector_expression") return undefined;
  const method = fn.childForFieldName("field")?.text ?? "";
  if (!GO_LOG_METHODS.test(method)) return undefined;
  // Walk the receiver chain down to its root: `logx.WithContext(ctx).Errorf`, `log.Info().Str(..).Msg`.
  const chain: GoNode[] = [call];
  let receiver = fn.childForFieldName("operand");
  let lastSegment: string | undefined;
  while (receiver) {
    if (receiver.type === "call_expression") {
      chain.push(receiver);
      const inner = receiver.childForFieldName("function");
      receiver = inner?.type === "selector_expression" ? inner.childForFieldName("operand") : inner;
    } else if (receiver.type === "selector_expression") {
      lastSegment ??= receiver.childForFieldName("field")?.text;
      receiver = receiver.childForFieldName("operand");
    } else break;
  }
  if (receiver?.type !== "identifier") return undefined;
  const root = receiver.text;
  const direct = fn.childForFieldName("operand");
  const segmentBeforeMethod = direct?.type === "identifier" ? direct.text : direct?.type === "selector_expression" ? direct.childForFieldName("field")?.text : (lastSegment ?? receiver.text);
  // Only a root that names an import can be shadowed; the function walk is skipped for the rest.
  const imported = importForName(file.imports, root)?.module;
  const module = imported !== undefined && !declaredInEnclosingFunction(call, root) ? imported : undefined;
  const keyValues = /w$/.test(method) || /^(Debug|Info|Warn|Error|Log)(Context)?$/.test(method);
  if (module !== undefined) {
    if (module === "fmt") {
      if (/^Print(f|ln)?$/.test(method)) return { chain, module, keyValues: false };
      return undefined;
    }
    if (module === "log") return /^(Print|Fatal|Panic)(f|ln)?$/.test(method) ? { chain, module, keyValues: false } : undefined;
    if (isGoStructuredLogger(module)) {
      const kv = module === "log/slog" || module === "github.com/go-logr/logr" || module === "github.com/hashicorp/go-hclog" || /w$/.test(method);
      return { chain, module, keyValues: kv };
    }
    return undefined;
  }
  // A logger held in a variable or field: judged by its name.
  if (segmentBeforeMethod !== undefined && LOGGER_RECEIVER.test(segmentBeforeMethod)) {
    // `l` alone is go-zero logic's receiver, which embeds logx.Logger; elsewhere it is too vague.
    if (segmentBeforeMethod === "l" && !file.imports.some((i) => i.module === "github.com/zeromicro/go-zero/core/logx")) return undefined;
    const logx = file.imports.some((i) => i.module === "github.com/zeromicro/go-zero/core/logx") && /^(l|Logger)$/.test(segmentBeforeMethod);
    return { chain, ...(logx ? { module: "github.com/zeromicro/go-zero/core/logx" } : {}), keyValues: keyValues && /w$/.test(method) };
  }
  return undefined;
}

function shortCallee(callee: string): string {
  return callee.length > 60 ? `${callee.slice(0, 28)}…${callee.slice(-28)}` : callee;
}

// ---------------------------------------------------------------------------------------------
// TypeScript / JavaScript

function checkTsFile(file: TsSourceFile, out: Candidate[], judge: Judge): void {
  for (const call of file.calls) {
    if (call.isNew || !ts.isCallExpression(call.node)) continue;
    const node = call.node;
    const access = kit.staticMemberAccess(node.expression);
    if (!access || !TS_LOG_METHODS.has(access.name)) continue;
    let via: Candidate["via"];
    if (ts.isIdentifier(access.object) && access.object.text === "console" && !kit.findLocalDeclaration(access.object, "console")) {
      via = "other";
    } else {
      const receiver = ts.isIdentifier(access.object) ? access.object.text : kit.staticMemberAccess(access.object)?.name;
      if (receiver === undefined || !TS_LOGGER_RECEIVER.test(receiver)) continue;
      via = "logger-object";
    }
    const items: Candidate["items"] = [];
    let first: ts.Node | undefined;
    const add = (n: ts.Node, shown: string, kind: Kind) => {
      if (items.some((i) => i.shown === shown)) return;
      items.push({ shown, kind });
      first ??= n;
    };
    for (const arg of node.arguments) checkTsValue(arg, add, 0, judge);
    if (items.length === 0 || !first) continue;
    out.push({ path: file.path, range: tsNodeRange(first), call: `${shortCallee(call.callee)}(...)`, items, via });
  }
}

function checkTsValue(expr: ts.Expression, add: (n: ts.Node, shown: string, kind: Kind) => void, depth: number, judge: Judge): void {
  const inner = kit.skipWrappers(expr);
  if (isTsMasked(inner, judge) || depth > 3) return;
  if (ts.isIdentifier(inner)) {
    const kind = judge.kind(inner.text);
    if (kind) add(inner, inner.text, kind);
    return;
  }
  const access = kit.staticMemberAccess(inner);
  if (access) {
    const owner = ts.isIdentifier(access.object) ? access.object.text : kit.staticMemberAccess(access.object)?.name;
    const kind = judge.kind(access.name, owner);
    if (kind) add(inner, inner.getText(), kind);
    return;
  }
  if (ts.isTemplateExpression(inner)) {
    for (const span of inner.templateSpans) checkTsValue(span.expression, add, depth + 1, judge);
    return;
  }
  if (ts.isObjectLiteralExpression(inner)) {
    for (const property of inner.properties) {
      if (ts.isShorthandPropertyAssignment(property)) {
        const kind = judge.kind(property.name.text);
        if (kind) add(property, property.name.text, kind);
      } else if (ts.isPropertyAssignment(property)) {
        const key = kit.propertyName(property.name);
        const kind = key !== undefined ? judge.kind(key) : undefined;
        if (kind && !isTsMasked(kit.skipWrappers(property.initializer), judge)) add(property, key!, kind);
        else if (!kind) checkTsValue(property.initializer, add, depth + 1, judge);
      }
    }
    return;
  }
  if (ts.isCallExpression(inner)) {
    // `JSON.stringify(user.email)`, `String(phone)`: the argument is what is logged.
    const callee = kit.staticMemberAccess(inner.expression);
    const name = callee ? `${ts.isIdentifier(callee.object) ? callee.object.text : ""}.${callee.name}` : ts.isIdentifier(inner.expression) ? inner.expression.text : "";
    if (name === "JSON.stringify" || name === "String") {
      const first = inner.arguments[0];
      if (first) checkTsValue(first, add, depth + 1, judge);
    } else if (callee && inner.arguments.length === 0 && /^get[A-Z]/.test(callee.name)) {
      const kind = judge.kind(callee.name);
      if (kind) add(inner, inner.getText(), kind);
    }
    return;
  }
  if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    checkTsValue(inner.left, add, depth + 1, judge);
    checkTsValue(inner.right, add, depth + 1, judge);
  }
}

/** A call of a masking function or method of a masking object (`maskEmail(e)`, `mask.email(e)`). */
function isTsMasked(expr: ts.Expression, judge: Judge): boolean {
  if (!ts.isCallExpression(expr)) return false;
  const callee = kit.skipWrappers(expr.expression);
  if (ts.isIdentifier(callee)) return judge.masks(callee.text);
  const access = kit.staticMemberAccess(callee);
  if (!access) return false;
  return judge.masks(access.name) || (ts.isIdentifier(access.object) && judge.masks(access.object.text));
}

/** `pino({ redact: [...] })` (or `pino({ redact }, dest)`): the logger masks configured paths. */
function configuresPinoRedact(file: TsSourceFile): boolean {
  return file.calls.some((call) => {
    if (call.module !== "pino" && call.module !== "pino-http" && call.module !== "nestjs-pino") return false;
    const options = kit.objectLiteralArgument(call.node, 0);
    if (!options) return false;
    if (kit.objectLiteralKeys(options).names.has("redact")) return true;
    // nestjs-pino / pino-http: LoggerModule.forRoot({ pinoHttp: { redact } })
    const nested = kit.objectLiteralProperty(options, "pinoHttp");
    const inner = nested ? kit.skipWrappers(nested) : undefined;
    return inner !== undefined && ts.isObjectLiteralExpression(inner) && kit.objectLiteralKeys(inner).names.has("redact");
  });
}


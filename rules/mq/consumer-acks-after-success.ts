import { ts } from "ts-morph";
import type { Node as GoNode } from "web-tree-sitter";
import type { Range } from "../../src/model/location.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { callArguments, goNodeRange } from "../../src/rule-kit/go.js";
import { tsNodeRange, typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

const KQ = "github.com/zeromicro/go-queue/kq";
const KAFKA_GO = "github.com/segmentio/kafka-go";
const SARAMA = /^github\.com\/(IBM|Shopify)\/sarama$/;
const AMQP_MODULES = new Set(["amqplib", "amqplib/callback_api", "amqp-connection-manager"]);
/** A catch block that calls one of these hands the message on (retry topic, dead letter, nack, pause). */
const HANDS_ON = /(send|publish|produce|retry|dead|dlq|dlt|nack|reject|requeue|pause|seek|park)/i;

interface KqQueue {
  path: string;
  range: Range;
  callee: string;
  /** `c.PaymentUpdateStatusConf` -> "PaymentUpdateStatusConf": the config block that configures it. */
  confName?: string;
}

type Read = { path: string; range: Range; callee: string };

/** What one Go file contributes: its package's kafka-go reads and group readers, its kq queues, how many consumers it builds. */
interface FileFacts {
  dir: string;
  consumersSeen: number;
  /** A kafka-go ReaderConfig with a GroupID. */
  groupReader: boolean;
  reads: Read[];
  kqQueues: KqQueue[];
}

export default defineRule<FileFacts>({
  meta: {
    id: "mq/consumer-acks-after-success",
    section: "dependencies",
    title: "Message consumers acknowledge only what they processed",
    severity: "warning",
    rationale:
      "A consumer that commits or acknowledges a message before processing it, or after processing failed, loses that " +
      "message on a crash or an error: there is no retry and no dead-letter copy, and nothing shows it is gone.",
    remediation:
      "Commit or ack after the handler succeeded; on failure retry, send the message to a dead-letter topic or queue, or " +
      "leave it uncommitted.",
    docs: `Reports consumers whose acknowledgement does not wait for successful processing, library by library:

| library | reported | why |
|---|---|---|
| go-zero go-queue \`kq.MustNewQueue\` / \`kq.NewQueue\` | no \`ForceCommit: false\` in the service config and no \`kq.WithErrorHandler\` | \`ForceCommit\` defaults to **true**: when \`Consume\` returns an error, kq logs it and commits the offset anyway |
| segmentio/kafka-go \`ReadMessage\` | a \`kafka.ReaderConfig\` with \`GroupID\` in the package | with a consumer group, \`ReadMessage\` commits the offset as it returns the message, before your code runs; use \`FetchMessage\` + \`CommitMessages\` |
| sarama \`MarkMessage\` | the first statement handling a claimed message marks it, and processing follows | marked offsets are committed by auto-commit (\`Consumer.Offsets.AutoCommit.Enable\`, default true), whether processing then succeeds or not |
| segmentio/kafka-go \`CommitMessages\` | an \`if err != nil\` branch before it, in the same block, that neither leaves nor hands the message on | the failed message is committed like a processed one: no retry, no dead letter |
| amqplib \`channel.consume(q, fn, { noAck: true })\` | \`noAck: true\` | the broker forgets the message on delivery; a crash or a thrown handler loses it |
| amqplib \`channel.ack(msg)\` | in a \`catch\` or \`finally\` of the consume handler | a failed message is acknowledged and dropped instead of nacked to a dead-letter exchange |
| kafkajs \`consumer.run({ eachMessage })\` | a \`catch\` in the handler that neither rethrows nor hands the message on | kafkajs commits (with \`autoCommit\`, the default) only offsets whose \`eachMessage\` resolved, and retries on a throw: swallowing the error turns a failure into a commit |

kafkajs's default auto-commit is **not** reported by itself: kafkajs resolves a message's offset only after
\`eachMessage\` resolves and commits resolved offsets periodically, so an awaited handler that throws is retried.

Bad:

\`\`\`go
// etc/order.yaml has no ForceCommit: false
kq.MustNewQueue(c.PaymentUpdateStatusConf, handler)
\`\`\`

\`\`\`ts
await consumer.run({
  eachMessage: async ({ message }) => {
    try { await handle(message); } catch (err) { logger.error(err); }   // committed anyway
  },
});
channel.consume('orders', onOrder, { noAck: true });
\`\`\`

Good:

\`\`\`yaml
PaymentUpdateStatusConf:
  ForceCommit: false
\`\`\`

\`\`\`ts
eachMessage: async ({ message }) => {
  try { await handle(message); } catch (err) { await producer.send({ topic: 'orders.dlq', messages: [message] }); }
}
channel.consume('orders', async (msg) => { await onOrder(msg); channel.ack(msg); });
\`\`\`

When \`ForceCommit: false\` appears in a config but not under the block the queue is built from, a **note** says the
setting cannot be matched. Not reported: producers (\`kq.NewPusher\`), consumers in test files, an error handler passed
to kq (it may dead-letter), catches that rethrow or call something named send / publish / produce / retry / dead
letter / nack / reject / requeue / pause / seek.`,
    inputs: ["go", "typescript"],
    tags: ["messaging", "kafka", "rabbitmq", "reliability", "go", "typescript"],
    precision: "high",
  },
  analyzeGo(file, { report }): FileFacts | undefined {
    if (file.isTest || file.isGenerated) return undefined;
    // Returned even when empty: a package joins the package map at its first file (the order of end's reports).
    const facts: FileFacts = { dir: file.dir, consumersSeen: 0, groupReader: false, reads: [], kqQueues: [] };
    const importsKafkaGo = file.imports.some((i) => i.module === KAFKA_GO);
    const kafkaGoAlias = file.imports.find((i) => i.module === KAFKA_GO)?.localName;
    const importsSarama = file.imports.some((i) => SARAMA.test(i.module));
    if (importsKafkaGo && kafkaGoAlias) {
      for (const literal of (file.root as GoNode).descendantsOfType("composite_literal")) {
        const type = literal?.childForFieldName("type");
        if (type?.text !== `${kafkaGoAlias}.ReaderConfig`) continue;
        facts.consumersSeen++;
        const keys = literal!.descendantsOfType("keyed_element").map((k) => k?.namedChildren[0]?.text);
        if (keys.includes("GroupID")) facts.groupReader = true;
      }
    }
    // The commit and mark checks need only this file: reported here, in call order.
    for (const call of file.calls) {
      if (call.module === KQ && (call.member === "MustNewQueue" || call.member === "NewQueue")) {
        facts.consumersSeen++;
        const args = callArguments(call.node as GoNode);
        if (args.slice(2).some((a) => /\bWithErrorHandler\b/.test(a.text))) continue;
        const conf = args[0];
        const confName = conf?.type === "selector_expression" ? conf.childForFieldName("field")?.text : conf?.text;
        facts.kqQueues.push({ path: file.path, range: call.range, callee: call.callee, ...(confName ? { confName } : {}) });
      } else if (importsKafkaGo && call.callee.endsWith(".CommitMessages")) {
        const failure = failureFallingThrough(call.node as GoNode);
        if (failure) {
          report({
            path: file.path,
            range: call.range,
            message:
              `\`${call.callee}\` runs even when processing failed: the \`if ${failure.childForFieldName("condition")?.text.slice(0, 40)}\` ` +
              `branch above neither returns, skips the commit nor hands the message on, so the failed message is committed and lost.`,
            fix: "On failure, return or retry without committing, or write the message to a dead-letter topic before committing.",
            related: [{ path: file.path, range: goNodeRange(failure), message: "The failure branch that falls through to the commit." }],
          });
        }
      } else if (call.callee.endsWith(".ReadMessage")) {
        facts.reads.push({ path: file.path, range: call.range, callee: call.callee });
      } else if (importsSarama && call.callee.endsWith(".MarkMessage")) {
        facts.consumersSeen++;
        if (marksBeforeProcessing(call.node as GoNode)) {
          report({
            path: file.path,
            range: call.range,
            message:
              `\`${call.callee}\` marks the message as consumed before it is processed: sarama's auto-commit then commits it ` +
              `even if processing fails or the service crashes, and the message is lost.`,
            fix: "Call MarkMessage after the message was processed successfully (and not when processing failed).",
          });
        }
      }
    }
    return facts;
  },
  create({ repo, report, notApplicable }) {
    const kqQueues: KqQueue[] = [];
    /** Per Go package: ReadMessage calls, and whether a ReaderConfig with GroupID exists. */
    const kafkaGo = new Map<string, { reads: Read[]; groupReader: boolean }>();
    let consumersSeen = 0;

    return {
      goFacts(facts) {
        let pkg = kafkaGo.get(facts.dir);
        if (!pkg) kafkaGo.set(facts.dir, (pkg = { reads: [], groupReader: false }));
        if (facts.groupReader) pkg.groupReader = true;
        pkg.reads.push(...facts.reads);
        kqQueues.push(...facts.kqQueues);
        consumersSeen += facts.consumersSeen;
      },
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        const importsAmqp = file.imports.some((i) => AMQP_MODULES.has(i.module));
        const importsKafkajs = file.imports.some((i) => i.module === "kafkajs");
        for (const call of file.calls) {
          const node = call.node as ts.Node;
          if (!ts.isCallExpression(node)) continue;
          const access = kit.staticMemberAccess(node.expression);
          if (importsAmqp && access?.name === "consume") {
            consumersSeen++;
            const options = kit.objectLiteralArgument(node, 2);
            const noAck = options ? kit.objectLiteralProperty(options, "noAck") : undefined;
            const handler = node.arguments[1] ? functionOf(node.arguments[1], node) : undefined;
            for (const ack of handler ? acksOnFailure(handler) : []) {
              report({
                path: file.path,
                range: tsNodeRange(ack.call),
                message:
                  `\`${ack.call.expression.getText()}\` in a \`${ack.where}\` acknowledges the message when the handler failed: RabbitMQ ` +
                  `drops it, so the failure is lost (no redelivery, no dead-letter exchange).`,
                fix: "Ack after processing succeeded; on failure call channel.nack(msg, false, false) with a dead-letter exchange, or nack with requeue.",
              });
            }
            if (noAck && noAck.kind === ts.SyntaxKind.TrueKeyword) {
              report({
                path: file.path,
                range: tsNodeRange(noAck.parent),
                message:
                  `\`${call.callee}(...)\` consumes with \`noAck: true\`: RabbitMQ forgets each message as soon as it is delivered, ` +
                  `so a crash or a failing handler loses it (no redelivery, no dead-letter exchange).`,
                fix: "Consume with noAck: false (the default) and call channel.ack(msg) after processing, channel.nack(msg, false, false) to dead-letter.",
              });
            }
          }
          if (importsKafkajs && access?.name === "run") {
            const options = kit.objectLiteralArgument(node, 0);
            const handler = options ? (kit.objectLiteralProperty(options, "eachMessage") ?? kit.objectLiteralProperty(options, "eachBatch")) : undefined;
            if (!handler) continue;
            consumersSeen++;
            const fn = functionOf(handler, options!);
            if (!fn) continue;
            for (const clause of swallowingCatches(fn)) {
              report({
                path: file.path,
                range: tsNodeRange(clause),
                message:
                  `This catch in the kafkajs handler swallows the error: the handler resolves, kafkajs marks the offset as ` +
                  `processed and auto-commits it, so the failed message is lost (no retry, no dead-letter topic).`,
                fix: "Rethrow (kafkajs retries and does not commit), or send the message to a dead-letter topic before returning.",
              });
            }
          }
        }
      },
      end() {
        for (const [, pkg] of kafkaGo) {
          if (!pkg.groupReader) continue;
          for (const read of pkg.reads) {
            report({
              path: read.path,
              range: read.range,
              message:
                `\`${read.callee}\` on a kafka-go reader with a GroupID commits the offset as it returns the message, before it is ` +
                `processed: a crash or a failed handler loses it.`,
              fix: "Use FetchMessage, process the message, then CommitMessages (only when processing succeeded).",
            });
          }
        }
        if (kqQueues.length > 0) {
          const forceCommitOff = repo.configs.flatMap((doc) =>
            doc.entries
              .filter((e) => e.key.toLowerCase() === "forcecommit" && (e.value === false || String(e.value).toLowerCase() === "false"))
              .map((e) => ({ doc, entry: e })),
          );
          for (const queue of kqQueues) {
            const matched = forceCommitOff.some(({ entry }) =>
              entry.path.some((segment) => typeof segment === "string" && segment.toLowerCase() === queue.confName?.toLowerCase()),
            );
            if (matched) continue;
            if (forceCommitOff.length > 0) {
              report({
                path: queue.path,
                range: queue.range,
                severity: "note",
                message:
                  `\`${queue.callee}\` builds a kq consumer; a config sets ForceCommit: false, but not visibly under ` +
                  `${queue.confName ? `\`${queue.confName}\`` : "this queue's block"}, so whether failed messages are committed cannot be verified.`,
              });
              continue;
            }
            report({
              path: queue.path,
              range: queue.range,
              message:
                `\`${queue.callee}\` builds a kq consumer with ForceCommit at its default (true) and no WithErrorHandler: when ` +
                `Consume returns an error, kq logs it and commits the offset anyway, so the message is lost (no retry, no dead letter).`,
              fix: `Set ForceCommit: false under ${queue.confName ?? "the queue's config block"} (failed messages are redelivered), or pass kq.WithErrorHandler that writes them to a dead-letter topic.`,
            });
          }
        }
        if (consumersSeen === 0) notApplicable();
      },
    };
  },
});

/**
 * Whether a sarama MarkMessage call is the first statement of its block with processing after it
 * (`for msg := range claim.Messages() { sess.MarkMessage(msg, ""); handle(msg) }`).
 */
function marksBeforeProcessing(call: GoNode): boolean {
  const statement = call.parent?.type === "expression_statement" ? call.parent : undefined;
  const list = statement?.parent;
  if (!statement || !list || list.type !== "statement_list") return false;
  const statements = list.namedChildren.filter((n): n is GoNode => n !== null && n.type !== "comment");
  const index = statements.findIndex((s) => s.id === statement.id);
  if (index !== 0) return false;
  // Something after the mark does work: a call that is not another mark or a log line.
  return statements.slice(1).some((s) =>
    [s, ...s.descendantsOfType("call_expression")].some(
      (c) => c?.type === "call_expression" && !/(MarkMessage|Print|Log|Info|Debug|Error|Warn)\w*$/.test(c.childForFieldName("function")?.text ?? ""),
    ),
  );
}

/** The function a handler property refers to: an inline function, or a `const` function in the same file. */
function functionOf(handler: ts.Expression, context: ts.Node): ts.FunctionLikeDeclaration | undefined {
  let inner = kit.skipWrappers(handler);
  if (ts.isIdentifier(inner)) {
    const declaration = kit.findLocalDeclaration(context, inner.text);
    if (declaration && ts.isFunctionDeclaration(declaration)) return declaration;
    if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) inner = kit.skipWrappers(declaration.initializer);
  }
  if (ts.isArrowFunction(inner) || ts.isFunctionExpression(inner)) return inner;
  if (ts.isMethodDeclaration(handler.parent)) return handler.parent;
  return undefined;
}

/** Catch clauses directly in the handler that neither rethrow, nor return a rejection, nor hand the message on. */
function swallowingCatches(fn: ts.FunctionLikeDeclaration): ts.CatchClause[] {
  const found: ts.CatchClause[] = [];
  const visit = (node: ts.Node): void => {
    // Nested functions have their own error handling.
    if (node !== fn && (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node))) return;
    if (ts.isCatchClause(node) && !handsOn(node.block)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return found;
}

function handsOn(block: ts.Block): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isThrowStatement(node)) found = true;
    else if (ts.isReturnStatement(node) && node.expression && /reject/i.test(node.expression.getText())) found = true;
    else if (ts.isCallExpression(node)) {
      const callee = node.expression.getText();
      const last = callee.slice(callee.lastIndexOf(".") + 1);
      if (HANDS_ON.test(last)) found = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(block);
  return found;
}

/**
 * An `if <...>err<...> != nil` statement before a kafka-go CommitMessages call, in the same block, whose branch
 * neither leaves (return, continue, break, goto, panic) nor hands the message on: failure falls through to the commit.
 * The fetch's own error check is left out (it tests the error of FetchMessage, not of processing).
 */
function failureFallingThrough(call: GoNode): GoNode | undefined {
  const statement = call.parent?.type === "expression_statement" ? call.parent : call.parent?.parent;
  const list = statement?.parent;
  if (!statement || !list || list.type !== "statement_list") return undefined;
  for (const sibling of list.namedChildren) {
    if (!sibling || sibling.startIndex >= statement.startIndex) break;
    if (sibling.type !== "if_statement" || sibling.text.includes("FetchMessage")) continue;
    const condition = sibling.childForFieldName("condition")?.text.replace(/\s+/g, "") ?? "";
    if (!/\berr\w*!=nil\b/i.test(condition)) continue;
    const branch = sibling.childForFieldName("consequence");
    if (!branch || sibling.childForFieldName("alternative")) continue;
    const leaves = branch.descendantsOfType(["return_statement", "continue_statement", "break_statement", "goto_statement"]).length > 0;
    const handsOnCall = branch.descendantsOfType("call_expression").some((c) => {
      const callee = c?.childForFieldName("function")?.text ?? "";
      const last = callee.slice(callee.lastIndexOf(".") + 1);
      return HANDS_ON.test(last) || /^(panic|Fatal\w*|Exit)$/.test(last);
    });
    if (!leaves && !handsOnCall) return sibling;
  }
  return undefined;
}

/** `channel.ack(msg)` calls inside a catch clause or a finally block of an amqplib consume handler. */
function acksOnFailure(fn: ts.FunctionLikeDeclaration): { call: ts.CallExpression; where: string }[] {
  const found: { call: ts.CallExpression; where: string }[] = [];
  const visit = (node: ts.Node, where: string | undefined): void => {
    if (node !== fn && (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node))) return;
    if (where && ts.isCallExpression(node) && kit.staticMemberAccess(node.expression)?.name === "ack") found.push({ call: node, where });
    if (ts.isTryStatement(node)) {
      visit(node.tryBlock, where);
      if (node.catchClause) visit(node.catchClause, "catch");
      if (node.finallyBlock) visit(node.finallyBlock, "finally");
      return;
    }
    ts.forEachChild(node, (child) => visit(child, where));
  };
  visit(fn, undefined);
  return found;
}

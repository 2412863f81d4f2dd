/**
 * Logging libraries, for rules about how services log. Import paths and package names only.
 */

/** Go packages whose import means structured (levelled, field-carrying) logging is in use. */
export const GO_STRUCTURED_LOGGERS: readonly RegExp[] = [
  /^github\.com\/zeromicro\/go-zero\/core\/logx$/,
  /^go\.uber\.org\/zap$/,
  /^github\.com\/rs\/zerolog(\/log)?$/,
  /^log\/slog$/,
  /^golang\.org\/x\/exp\/slog$/,
  /^github\.com\/sirupsen\/logrus$/,
  /^github\.com\/go-logr\/logr$/,
  /^github\.com\/go-kit\/(kit\/)?log$/,
  /^github\.com\/hashicorp\/go-hclog$/,
  /^github\.com\/apex\/log$/,
  /^github\.com\/go-kratos\/kratos\/v2\/log$/,
  /^github\.com\/charmbracelet\/log$/,
];

export function isGoStructuredLogger(module: string): boolean {
  return GO_STRUCTURED_LOGGERS.some((m) => m.test(module));
}

/** npm packages that are (or wire in) a structured logger. */
export const NODE_STRUCTURED_LOGGERS: ReadonlySet<string> = new Set([
  "pino",
  "pino-http",
  "nestjs-pino",
  "winston",
  "express-winston",
  "nest-winston",
  "bunyan",
  "@google-cloud/logging-winston",
  "@google-cloud/logging-bunyan",
  "log4js",
]);

/** Whether an import binds a structured logger (`@nestjs/common`'s Logger counts: it has levels and context). */
export function isNodeStructuredLoggerImport(module: string, importedName: string | undefined): boolean {
  if (NODE_STRUCTURED_LOGGERS.has(module)) return true;
  return module === "@nestjs/common" && (importedName === "Logger" || importedName === "ConsoleLogger" || importedName === "LoggerService");
}

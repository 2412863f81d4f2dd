/**
 * What a service's own config file says about its ports and shutdown (go-zero: `ListenOn`, `Port`,
 * `DevServer`, `Prometheus`, `Shutdown`), and which config file an image's CMD loads. go-zero matches
 * YAML keys case-insensitively, so every read here does too.
 */
import type { ConfigDocument, DockerfileModel, DockerInstruction } from "../model/artifacts.js";
import type { ObjectPath } from "../model/location.js";
import type { Repository } from "../model/repository.js";
import { commandConfigPath, filesInFinalImage } from "./image-files.js";
import { isRecord } from "./kubernetes.js";

/** The value under a key matched case-insensitively, with the key as written. */
function field(body: unknown, key: string): { key: string; value: unknown } | undefined {
  if (!isRecord(body)) return undefined;
  const lower = key.toLowerCase();
  const found = Object.keys(body).find((k) => k.toLowerCase() === lower);
  return found === undefined ? undefined : { key: found, value: body[found] };
}

/** A value at a case-insensitive path, with the path as written in the file. */
export function configValue(body: unknown, path: readonly string[]): { path: ObjectPath; value: unknown } | undefined {
  let current: unknown = body;
  const written: string[] = [];
  for (const key of path) {
    const found = field(current, key);
    if (!found) return undefined;
    written.push(found.key);
    current = found.value;
  }
  return { path: written, value: current };
}

export interface AppPort {
  port: number;
  /** Where the port is configured in the document. */
  path: ObjectPath;
  /** What serves on it: "ListenOn", "Port", "DevServer", "Prometheus". */
  role: string;
}

function portOf(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value !== "string" || value.includes("$")) return undefined;
  const match = /(?:^|:)(\d{1,5})$/.exec(value.trim());
  return match ? Number(match[1]) : undefined;
}

/** A go-zero service config: a top-level `Name` with `ListenOn` (zrpc) or `Port` (rest). */
export function isGoZeroConfig(doc: ConfigDocument): boolean {
  return configValue(doc.body, ["Name"]) !== undefined && (configValue(doc.body, ["ListenOn"]) !== undefined || configValue(doc.body, ["Port"]) !== undefined);
}

/**
 * Every port a go-zero service opens according to its config: the server (`ListenOn` for zrpc, `Port`
 * for rest), the DevServer (6060 unless set; only when its block is present and not disabled) and the
 * legacy `Prometheus` server. `complete` is false when a port is set through a variable.
 */
export function goZeroPorts(doc: ConfigDocument): { ports: AppPort[]; complete: boolean } {
  const ports: AppPort[] = [];
  let complete = true;
  const add = (path: string[], role: string, fallback?: number) => {
    const found = configValue(doc.body, path);
    if (!found) {
      if (fallback !== undefined) {
        const parent = configValue(doc.body, path.slice(0, -1));
        if (parent) ports.push({ port: fallback, path: parent.path, role });
      }
      return;
    }
    const port = portOf(found.value);
    if (port === undefined) complete = false;
    else ports.push({ port, path: found.path, role });
  };
  add(["ListenOn"], "ListenOn");
  if (!configValue(doc.body, ["ListenOn"])) add(["Port"], "Port");
  const devServer = configValue(doc.body, ["DevServer"]);
  if (devServer && isRecord(devServer.value) && configValue(devServer.value, ["Enabled"])?.value !== false) add(["DevServer", "Port"], "DevServer", 6060);
  if (configValue(doc.body, ["Prometheus", "Port"])) add(["Prometheus", "Port"], "Prometheus");
  return { ports, complete };
}

/** Go `time.Duration` text ("5.5s", "1m30s", "500ms") in seconds; undefined when not a duration. */
export function goDurationSeconds(value: unknown): number | undefined {
  if (typeof value === "number") return value / 1e9; // go-zero reads a bare number as nanoseconds
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (!/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(text)) return undefined;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, "µs": 1e-6, ns: 1e-9 };
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(match[1]) * units[match[2]!]!;
  return total;
}

/**
 * How long a go-zero service may take to stop after SIGTERM: `Shutdown.WaitTime` (5.5 s by default),
 * the time from the signal to the forced exit. `path` is absent for the default.
 */
export function goZeroShutdownWait(doc: ConfigDocument): { seconds: number; path?: ObjectPath } | undefined {
  const found = configValue(doc.body, ["Shutdown", "WaitTime"]);
  if (!found) return { seconds: 5.5 };
  const seconds = goDurationSeconds(found.value);
  return seconds === undefined ? undefined : { seconds, path: found.path };
}

export interface ImageConfig {
  doc: ConfigDocument;
  /** Where the file sits in the image. */
  imagePath: string;
  /** The CMD/ENTRYPOINT that names it. */
  command: DockerInstruction;
  /** The COPY that puts it into the image. */
  copy: DockerInstruction;
}

/**
 * The config file the image's CMD/ENTRYPOINT loads (`-f etc/app.yaml`), when that file is copied into the
 * final stage from the repository. Undefined when the command names none, names a variable, or the file
 * is not one we can see (mounted at run time from a ConfigMap, generated during the build).
 */
export function commandConfig(repo: Repository, dockerfile: DockerfileModel): ImageConfig | undefined {
  const named = commandConfigPath(dockerfile);
  if (!named) return undefined;
  const docs = repo.configs.filter((c) => c.documentIndex === 0);
  const inImage = filesInFinalImage(repo, dockerfile, docs.map((d) => d.path)).filter((f) => f.imagePath === named.imagePath);
  if (inImage.length !== 1) return undefined;
  const doc = docs.find((d) => d.path === inImage[0]!.path)!;
  return { doc, imagePath: named.imagePath, command: named.instruction, copy: inImage[0]!.instruction };
}

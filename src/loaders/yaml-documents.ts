import type { ConfigDocument, K8sObject } from "../model/artifacts.js";
import type { LoadDiagnostic } from "../model/finding.js";

// STUB: to be implemented (multi-document YAML with positions; Kubernetes objects vs configs; Helm detection).
export function loadYamlFile(path: string, text: string): { kubernetes: K8sObject[]; configs: ConfigDocument[]; diagnostics: LoadDiagnostic[] } {
  void path;
  void text;
  return { kubernetes: [], configs: [], diagnostics: [] };
}

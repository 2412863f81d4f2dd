import type { DockerfileModel, DockerInstruction, DockerStage } from "../model/artifacts.js";

export function finalStage(dockerfile: DockerfileModel): DockerStage | undefined {
  return dockerfile.stages[dockerfile.stages.length - 1];
}

/**
 * A stage and the stages it builds on through `FROM <stage>`, nearest first. Runtime properties
 * (USER, CMD, EXPOSE, ENV) are inherited along this chain.
 */
export function stageLineage(dockerfile: DockerfileModel, stage: DockerStage): DockerStage[] {
  const lineage: DockerStage[] = [];
  const seen = new Set<number>();
  let current: DockerStage | undefined = stage;
  while (current && !seen.has(current.index)) {
    lineage.push(current);
    seen.add(current.index);
    const parent: number | undefined = current.from.parentStage;
    current = parent === undefined ? undefined : dockerfile.stages[parent];
  }
  return lineage;
}

/** The last instruction with that keyword in effect for a stage, following its parents. */
export function effectiveInstruction(
  dockerfile: DockerfileModel,
  stage: DockerStage,
  keyword: string,
): { stage: DockerStage; instruction: DockerInstruction } | undefined {
  for (const ancestor of stageLineage(dockerfile, stage)) {
    const found = ancestor.instructions.filter((i) => i.keyword === keyword).at(-1);
    if (found) return { stage: ancestor, instruction: found };
  }
  return undefined;
}

/** Kubernetes-style conditions with transition times. */
import type { Condition } from "./types";

export function setCondition(list: Condition[], c: Omit<Condition, "lastTransitionTime">, now = new Date()): Condition[] {
  const prev = list.find((x) => x.type === c.type);
  const time = prev && prev.status === c.status ? prev.lastTransitionTime : now.toISOString();
  return [...list.filter((x) => x.type !== c.type), { ...c, lastTransitionTime: time }];
}

export function conditionOf(list: readonly Condition[], type: string): Condition | undefined {
  return list.find((c) => c.type === type);
}

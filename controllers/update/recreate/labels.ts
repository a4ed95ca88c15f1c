// Label changes a recreate makes on top of the labels it keeps from the old container (config.ts): the update
// controller's Settings.hooksWriteLabels writes the Hook resources as `sentinel.hook.*` labels this way.

/** Labels to set on, and to remove from, the new container. */
export interface LabelChanges {
  set: Record<string, string>;
  remove: string[];
}

/** `labels` with the changes made (a new object). */
export function applyLabelChanges(labels: Readonly<Record<string, string>> | null | undefined, changes: LabelChanges): Record<string, string> {
  const result: Record<string, string> = { ...labels };
  for (const key of changes.remove) delete result[key];
  return Object.assign(result, changes.set);
}

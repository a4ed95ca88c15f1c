// JSON merge patch (RFC 7386), the patch kubectl sends for `patch --type merge`, `edit` and client-side apply of kinds
// it does not know. Nine lines of the RFC's own pseudo-code: smaller than any dependency would be.

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The result of merging `patch` into `target`; neither input is modified. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else result[name] = applyMergePatch(result[name], value);
  }
  return result;
}

// Work-queue keys: "NAMESPACE/NAME" for namespaced objects and "NAME" for cluster-scoped ones, as client-go's
// MetaNamespaceKeyFunc writes them. Names and namespaces never contain '/', so the split is unambiguous.

export interface ObjectReference {
  namespace?: string | undefined;
  name: string;
}

/** The key of an object (or of anything with a namespace and a name). */
export function keyOf(object: { metadata: ObjectReference } | ObjectReference): string {
  const reference = 'metadata' in object ? object.metadata : object;
  return reference.namespace === undefined || reference.namespace === '' ? reference.name : `${reference.namespace}/${reference.name}`;
}

/** The namespace (undefined for cluster-scoped keys) and name a key stands for. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { namespace: undefined, name: key };
  if (key.indexOf('/', slash + 1) >= 0) throw new Error(`invalid object key ${JSON.stringify(key)}: more than one "/"`);
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

// Key ranges. SQLite compares TEXT by its UTF-8 bytes, i.e. in code point order (as etcd compares keys), so a prefix
// is the range [prefix, successor) where the successor is the prefix with its last code point incremented. A range
// scan uses the key indexes; LIKE would not, and would treat '%' and '_' in keys as wildcards.

export interface KeyRange {
  start: string;
  /**
   * Exclusive. When no string is greater than every key with the prefix (the empty prefix), an empty BLOB: SQLite
   * orders every TEXT value before every BLOB, so `key < X''` holds for all keys and the scan still uses the index.
   */
  end: string | Uint8Array;
}

const MAX_CODE_POINT = 0x10ffff;
const SURROGATES_START = 0xd800;
const SURROGATES_END = 0xdfff;
const ABOVE_ALL_TEXT = new Uint8Array(0);

export function prefixRange(prefix: string): KeyRange {
  const codePoints = Array.from(prefix, (character) => character.codePointAt(0) ?? 0);
  while (codePoints.length > 0) {
    const last = codePoints.pop() ?? MAX_CODE_POINT;
    if (last === MAX_CODE_POINT) continue;
    const next = last + 1 === SURROGATES_START ? SURROGATES_END + 1 : last + 1;
    return { start: prefix, end: String.fromCodePoint(...codePoints, next) };
  }
  return { start: prefix, end: ABOVE_ALL_TEXT };
}

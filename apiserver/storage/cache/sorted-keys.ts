// The cache's keys in sorted order, for prefix range lists. Re-sorted lazily only after a key is added or removed:
// modifications, by far the most common write, keep the order.
export class SortedKeys {
  #sorted: string[] = [];
  #dirty = false;
  readonly #keys: Set<string> = new Set();

  add(key: string): void {
    if (this.#keys.has(key)) return;
    this.#keys.add(key);
    this.#dirty = true;
  }

  delete(key: string): void {
    if (this.#keys.delete(key)) this.#dirty = true;
  }

  clear(): void {
    this.#keys.clear();
    this.#sorted = [];
    this.#dirty = false;
  }

  /** Keys starting with `prefix`, sorted, beginning at the first key ≥ `from` when given. */
  range(prefix: string, from?: string): string[] {
    if (this.#dirty) {
      // Plain code-unit comparison: the same order as SQLite's BINARY collation and etcd's byte order for ASCII keys.
      this.#sorted = [...this.#keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      this.#dirty = false;
    }
    const start = from !== undefined && from > prefix ? from : prefix;
    let low = 0;
    let high = this.#sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#sorted[middle] as string) < start) low = middle + 1;
      else high = middle;
    }
    const result: string[] = [];
    for (let index = low; index < this.#sorted.length; index += 1) {
      const key = this.#sorted[index] as string;
      if (!key.startsWith(prefix)) break;
      result.push(key);
    }
    return result;
  }
}

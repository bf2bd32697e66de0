/**
 * Where a source keeps its login between runs (a JSON string it alone reads). Synchronous: the
 * store is SQLite in this process, and a rotated token must be saved before the next request goes.
 */
export interface SessionStore {
  load(): string | undefined;
  save(data: string): void;
  clear(): void;
}

/** An in-memory store, for `triage doctor` and tests that do not need the database. */
export function memorySessionStore(initial?: string): SessionStore & { readonly value: string | undefined } {
  let value = initial;
  return {
    get value() {
      return value;
    },
    load: () => value,
    save: (data) => void (value = data),
    clear: () => void (value = undefined),
  };
}

/**
 * Where a source keeps its login between runs (a JSON string it alone reads). Writes start at once
 * (the agent reports a rotated token from inside a request, synchronously) and land in the order
 * made; the source awaits `settled` before its next request, so a rotated token is committed first,
 * on SQLite and on PostgreSQL alike.
 */
export interface SessionStore {
  load(): Promise<string | undefined>;
  save(data: string): void;
  clear(): void;
  /** Resolves once every write made so far is committed; rejects with the first that failed since the last call. */
  settled(): Promise<void>;
}

/**
 * Writes through `write`, one after another in the order made. A failed write does not stop the
 * later ones; it is reported once, by the next `settled`.
 */
export function orderedSessionWrites(read: () => Promise<string | undefined>, write: (data: string | undefined) => Promise<void>): SessionStore {
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  const enqueue = (data: string | undefined) => {
    chain = chain.then(() => write(data)).catch((error: unknown) => void (failure ??= error));
  };
  return {
    load: async () => {
      await chain;
      return read();
    },
    save: (data) => enqueue(data),
    clear: () => enqueue(undefined),
    settled: async () => {
      await chain;
      const error = failure;
      failure = undefined;
      if (error !== undefined) throw error;
    },
  };
}

/** An in-memory store, for `triage doctor` and tests that do not need the database. */
export function memorySessionStore(initial?: string): SessionStore & { readonly value: string | undefined } {
  let value = initial;
  const store = orderedSessionWrites(async () => value, async (data) => void (value = data));
  return {
    ...store,
    get value() {
      return value;
    },
  };
}

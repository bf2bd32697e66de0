import { readFileSync } from 'node:fs';
import type { z } from 'zod';

/** Human-readable list of what is wrong with a value, one line per issue, prefixed with its path. */
export function describeZodIssues(error: z.ZodError, where: string): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return `${where}: ${path}${issue.message}`;
  });
}

/**
 * Reads and validates a JSON data file. Returns the parsed value, or problems naming the file (and the
 * variable that points at it) with a hint, never throwing for a bad file.
 */
export function readJsonFile<T>(
  path: string,
  schema: z.ZodType<T>,
  variable: string,
): { ok: true; value: T } | { ok: false; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    return { ok: false, problems: [`${variable}=${path}: ${reason}. Point ${variable} at an existing file or restore it from git.`] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`${path}: not valid JSON (${(error as Error).message}). Fix the file or set ${variable}.`] };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, problems: describeZodIssues(parsed.error, path) };
  return { ok: true, value: parsed.data };
}

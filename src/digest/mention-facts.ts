import type { DigestQueries } from '../store/digest-queries.js';
import type { ThemesFile } from './collect-digest.js';
import { weekContaining } from './week.js';

/** A complaint theme of `data/themes.json`, ready to match. */
export interface CompiledTheme {
  name: string;
  matcher: RegExp;
}

/** The longest quote a digest shows (praise); a theme's example shows the first {@link EXAMPLE_CHARS}. */
export const QUOTE_CHARS = 240;
export const EXAMPLE_CHARS = 200;
/** How many praise posts a digest quotes. */
export const PRAISE_QUOTED = 3;

export function compileThemes(file: ThemesFile): CompiledTheme[] {
  return file.themes.map((t) => ({ name: t.name, matcher: themeMatcher(t.match) }));
}

function themeMatcher(words: readonly string[]): RegExp {
  const escaped = words.map((w) => w.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'));
  return new RegExp(`(?<![\\p{L}\\d])(?:${escaped.join('|')})(?![\\p{L}\\d])`, 'iu');
}

/** A post as the digest may quote it: redacted, whitespace collapsed, at most {@link QUOTE_CHARS} characters. */
export function quoteOf(redact: (text: string) => string, text: string): string {
  return redact(text).replace(/\s+/g, ' ').trim().slice(0, QUOTE_CHARS);
}

export interface ThemeTally {
  name: string;
  count: number;
  example: string | null;
  /** The mention quoted as the example. */
  exampleId: number | null;
}

/**
 * Counts a week's complaints per theme (every theme a complaint matches) and takes each theme's
 * example from its first complaint, most negative first. A purged complaint counts in the themes
 * kept when it was purged, and is quoted from the quote kept (none after a purge on request: the
 * next complaint's is used).
 */
export function tallyThemes(complaints: Awaited<ReturnType<DigestQueries['complaints']>>, themes: readonly CompiledTheme[], redact: (text: string) => string): ThemeTally[] {
  const tally = themes.map((t) => ({ name: t.name, matcher: t.matcher, count: 0, example: null as string | null, exampleId: null as number | null }));
  const named = new Map(tally.map((t) => [t.name, t]));
  for (const complaint of complaints) {
    const { purged } = complaint;
    let quote = purged ? purged.quote : undefined;
    const matched = purged ? purged.themes.flatMap((name) => named.get(name) ?? []) : tally.filter((t) => t.matcher.test(complaint.text));
    for (const theme of matched) {
      theme.count++;
      if (theme.example !== null) continue;
      if (quote === undefined) quote = quoteOf(redact, complaint.text);
      if (quote === null) continue;
      theme.example = quote.slice(0, EXAMPLE_CHARS);
      theme.exampleId = complaint.id;
    }
  }
  return tally.map(({ name, count, example, exampleId }) => ({ name, count, example, exampleId }));
}

/** What the weekly digest reads from a post's text: the complaint themes it counts in, and the quote it shows, if any. */
export interface DigestFacts {
  themes: string[];
  quote: string | null;
}

export interface PostText {
  id: number;
  createdAt: number;
  text: string;
  categories: readonly string[];
  isComplaint: boolean;
}

/**
 * The digest's facts of one post, computed before its text is purged so its week's digest reads the
 * same afterwards: the themes it counts in (crisis posts count in none), and its redacted quote only
 * when that week's digest shows it (a theme's example or one of the praise quotes), so at most a
 * dozen redacted excerpts a week outlive their posts, and none of them says who wrote it.
 */
export function createDigestFacts(sources: { queries: Pick<DigestQueries, 'complaints' | 'praise'>; themes: ThemesFile; redact: (text: string) => string }, timeZone: string): (post: PostText) => Promise<DigestFacts> {
  const themes = compileThemes(sources.themes);
  const quotedByWeek = new Map<string, Set<number>>();
  const quotedIn = async (at: number): Promise<Set<number>> => {
    const week = weekContaining(at, timeZone);
    let ids = quotedByWeek.get(week.label);
    if (ids === undefined) {
      const examples = tallyThemes(await sources.queries.complaints(week.from, week.to), themes, sources.redact).map((t) => t.exampleId);
      const praise = (await sources.queries.praise(week.from, week.to, PRAISE_QUOTED)).map((p) => p.id);
      ids = new Set([...examples, ...praise].filter((id): id is number => id !== null));
      quotedByWeek.set(week.label, ids);
    }
    return ids;
  };
  return async (post) => {
    if (post.categories.includes('crisis')) return { themes: [], quote: null };
    const matched = post.isComplaint ? themes.filter((t) => t.matcher.test(post.text)).map((t) => t.name) : [];
    const quoted = (await quotedIn(post.createdAt)).has(post.id);
    return { themes: matched, quote: quoted ? quoteOf(sources.redact, post.text) : null };
  };
}

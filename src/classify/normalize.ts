/**
 * Text clean-up before tokenising: HTML entities as X's API and exports leave them, curly quotes,
 * and emoji glued to words (so that "late😡" scores both). Cheap when there is nothing to do.
 */
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&apos;': "'" };
const ENTITY = /&(?:amp|lt|gt|quot|apos|#39);/g;
const CURLY = /[\u2018\u2019\u201B\u2032]/g;
const PICTOGRAPH = /(\p{Extended_Pictographic})/gu;
// Zero-width and bidi controls: invisible, and they split words for no reader.
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;
const NON_ASCII = /[^\x00-\x7F]/;
const HYPHEN = /(?<=\p{L})-(?=\p{L})/gu;

export function normalizeText(text: string): string {
  let out = text;
  if (out.includes('&')) out = out.replace(ENTITY, (entity) => ENTITIES[entity] ?? entity);
  // "wheelchair-accessible", "self-harm", "no-show": matched as separate words.
  if (out.includes('-')) out = out.replace(HYPHEN, ' ');
  if (NON_ASCII.test(out)) {
    out = out.replace(INVISIBLE, '').replace(CURLY, "'").replace(PICTOGRAPH, ' $1 ');
  }
  return out;
}

/** Apostrophe-less spellings read as their contraction, so one lexicon entry covers both. */
export const CONTRACTIONS: ReadonlyMap<string, string> = new Map([
  ['cant', "can't"], ['cannot', "can't"], ['dont', "don't"], ['doesnt', "doesn't"], ['didnt', "didn't"],
  ['wont', "won't"], ['isnt', "isn't"], ['arent', "aren't"], ['wasnt', "wasn't"], ['werent', "weren't"],
  ['havent', "haven't"], ['hasnt', "hasn't"], ['hadnt', "hadn't"], ['couldnt', "couldn't"],
  ['wouldnt', "wouldn't"], ['shouldnt', "shouldn't"], ['aint', "ain't"], ['im', "i'm"], ['ive', "i've"],
  ['youre', "you're"], ['theyre', "they're"], ['whats', "what's"], ['wheres', "where's"],
  ['thats', "that's"], ['hows', "how's"], ['whos', "who's"], ['hes', "he's"], ['shes', "she's"],
  // Texting shorthand for one word, so a phrase reads the same typed in a hurry ("gray n blue").
  ['n', 'and'], ['u', 'you'], ['ur', 'your'], ['r', 'are'], ['pls', 'please'], ['plz', 'please'],
  ['bc', 'because'], ['cuz', 'because'], ['ppl', 'people'], ['thru', 'through'], ['bout', 'about'],
]);

export function canonicalToken(token: string): string {
  // Every key above is 1–8 letters ending in t, m, e, s, n, u, r, z, c, h or l: skip the look-up for anything else.
  const length = token.length;
  if (length > 8 || length === 0) return token;
  const last = token.charCodeAt(length - 1);
  if (last !== 116 && last !== 109 && last !== 101 && last !== 115 && last !== 110 && last !== 117 && last !== 114 && last !== 122 && last !== 99 && last !== 104 && last !== 108) return token;
  return CONTRACTIONS.get(token) ?? token;
}

/** Words that fill a `<n>` slot in a phrase ("<n> hours"), beside numerals. */
export const NUMBER_WORDS: ReadonlySet<string> = new Set([
  'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'fifteen', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'several', 'many', 'multiple', 'few', 'couple',
]);

export function isNumberToken(token: string): boolean {
  return NUMBER_WORDS.has(token) || isNumeral(token);
}

/** Up to six digits or plus signs: "3", "911", "+1". */
export function isNumeral(token: string): boolean {
  if (token.length === 0 || token.length > 6) return false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if ((c < 48 || c > 57) && c !== 43 /* + */) return false;
  }
  return true;
}

// The separators of the `sentiment` package's tokenizer, plus brackets and pipes.
const SEPARATORS = new Uint8Array(128);
for (const c of '.,/#!?$%^&*;:{}=_`"~()[]<>|\t\n\v\f\r ') SEPARATORS[c.charCodeAt(0)] = 1;

export function isSeparator(code: number): boolean {
  if (code < 128) return SEPARATORS[code] === 1;
  // no-break and typographic spaces, ellipsis, curly double quotes
  return code === 0xa0 || (code >= 0x2000 && code <= 0x200a) || code === 0x2026 || code === 0x201c || code === 0x201d || code === 0x3000;
}

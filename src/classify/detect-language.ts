import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Language } from '../domain/classification.js';

/**
 * Spanish function words that English posts almost never contain ("no", "me", "a", "son", "sin" are
 * left out: they are English words too). A post with none of them is English without asking the
 * detector: that keeps detection nearly free for the English stream.
 */
export const SPANISH_WORDS: ReadonlySet<string> = new Set([
  'el', 'la', 'los', 'las', 'que', 'qué', 'de', 'del', 'al', 'y', 'en', 'por', 'para', 'con', 'mi', 'mis',
  'es', 'está', 'esta', 'están', 'estoy', 'muy', 'pero', 'se', 'lo', 'le', 'les', 'un', 'una', 'unos', 'hay',
  'ya', 'como', 'cómo', 'porque', 'tengo', 'tiene', 'tienen', 'nadie', 'hoy', 'gracias', 'hola', 'nos', 'su',
  'sus', 'más', 'mas', 'yo', 'fue', 'cuando', 'donde', 'dónde', 'todo', 'todos', 'bien', 'eso', 'esto',
  'ni', 'ustedes', 'usted', 'mamá', 'papá', 'mamá', 'hijo', 'hija', 'aquí', 'aqui', 'también', 'ayuda',
  'cuál', 'cual', 'cuánto', 'cuanto', 'puedo', 'quiero', 'pues', 'nada', 'muchas', 'mucho', 'llevo',
  'voy', 'vamos', 'hacer', 'deja', 'estás', 'eres', 'soy', 'somos', 'tuve', 'estrella', 'estrellas',
  'atención', 'atencion', 'después', 'despues', 'sí', 'también', 'ahora', 'mañana', 'siempre', 'nunca',
]);

/**
 * English words, counted only when a post has Spanish ones, to tell Spanglish apart: function words
 * and everyday words that code-switching brings into Spanish sentences ("el waiting room", "on
 * hold"). None of them is also a Spanish word.
 */
const ENGLISH_WORDS = new Set([
  'the', 'and', 'is', 'are', 'was', 'my', 'you', 'your', 'i', "i'm", 'it', "it's", 'to', 'of', 'for', 'this',
  'that', 'with', 'have', 'has', 'what', 'do', "don't", "can't", 'can', 'not', 'at', 'on', 'in', 'be', 'so',
  'just', 'we', 'they', 'she', 'our', 'there', "there's", 'help', 'nobody', 'anymore', 'already',
  'guys', 'thank', 'thanks', 'please', 'why', 'how', 'who', 'will', 'would', 'been', 'because', 'about',
  'honestly', 'hi', 'last', 'year', 'years', 'ago', 'forever', 'always', 'someone', 'see', 'lol', 'tonight',
  'friend', 'mom', 'dad', 'baby', 'waiting', 'room', 'parking', 'visitors', 'appointment', 'appointments',
  'free', 'heart', 'attack', 'hold', 'login', 'rehab', 'nurse', 'nurses', 'pharmacy', 'billing', 'department',
  'shots', 'shot', 'flu', 'lunch', 'meeting', 'inhaler', 'amazing', 'awesome', 'frustrating', 'grateful',
  'kind', 'shoutout', 'error', 'vaccines', 'spots', 'office', 'sorry', 'nice', 'great', 'good', 'bad',
  'sucks', 'omg', 'wtf', 'anyone', 'everyone', 'doctor\'s', 'today', 'tomorrow', 'yesterday', 'work',
]);

interface Eld {
  detect(text: string): { language: string };
}
const require = createRequire(import.meta.url);
let eld: Eld | undefined;

/**
 * The language of one post, from its tokens (as `tokenize` gives them) and its text.
 *
 * Posts without a Spanish function word are `en` at once (the classifier asks only when its phrase
 * index found one of {@link SPANISH_WORDS}, so English posts pay nothing). The others go to `eld` (Efficient Language Detector, extra-small database); Spanish with English
 * words in it is `mixed`.
 */
export function detectLanguage(tokens: readonly string[], text: string): Language {
  let spanish = 0;
  for (const token of tokens) if (SPANISH_WORDS.has(stripInverted(token))) spanish++;
  if (spanish === 0) return 'en';
  let english = 0;
  for (const token of tokens) if (ENGLISH_WORDS.has(token)) english++;
  // Mostly English with a Spanish word or two ("LA", "LAS", "de la Cruz"): English, without the detector.
  if (english > 2 * spanish) return 'en';
  // Spanish function words are shared with Portuguese, Catalan, Italian, French: eld tells them apart.
  // It is loaded on first need, so English input and CLI start-up never pay for its database.
  // eld publishes only an `import` condition: resolve as ESM, then load that file synchronously.
  eld ??= (require(fileURLToPath(import.meta.resolve('eld/extrasmall'))) as { eld: Eld }).eld;
  const found = eld.detect(text).language;
  const spanishLike = found === 'es' || found === 'pt' || found === 'ca' || found === 'gl' || found === 'it';
  // English with "LA" or "la la land" in it stays English: Spanish must be a fair share of the words.
  if (found === 'en') return spanish >= 2 && spanish >= english / 2 ? 'mixed' : english === 0 && tokens.length <= 6 ? 'es' : 'en';
  if (!spanishLike && found !== '' && spanish < 3) return 'other';
  if (found !== 'es' && spanish < 2) return 'other';
  return english >= 1 ? 'mixed' : 'es';
}

/** "¿cuál" and "¡gracias" are one token each: the inverted mark is not a separator. */
function stripInverted(token: string): string {
  const first = token.charCodeAt(0);
  return first === 0xbf || first === 0xa1 ? token.slice(1) : token;
}

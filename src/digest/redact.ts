import { healthDetailTerms, type HealthWords } from '../classify/lexicon.js';

/**
 * Masks what a widely read digest must not carry: health details (the classifier's health terms,
 * medicines, care settings, treatments, tests and clinicians),
 * names after titles ("Dr. Alvarez"), handles, links, e-mail addresses and long numbers (accounts,
 * phones). Crisis posts are never quoted at all; that is the caller's rule.
 */
export function createRedactor(lexicon: HealthWords): (text: string) => string {
  const terms = healthDetailTerms(lexicon)
    .sort((a, b) => b.length - a.length)
    .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '[\\s-]+'));
  const health = new RegExp(`(?<![\\p{L}\\d])(?:${terms.join('|')})(?![\\p{L}\\d])`, 'giu');
  return (text) =>
    text
      .replace(/https?:\/\/\S+/g, '[link]')
      .replace(/[\w.+-]+@[\w-]+\.[\w.]+/g, '[email]')
      .replace(/@\w+/g, '@[user]')
      .replace(/\b(Dr|Doctor|Nurse|Mr|Mrs|Ms|Miss|Prof|Professor)\.?\s+[A-Z][\p{L}'-]+/gu, '$1 [name]')
      .replace(/\+?\d[\d\s().-]{2,}\d/g, (m) => (m.replace(/\D/g, '').length >= 3 ? '[number]' : m))
      .replace(health, '[health detail]');
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', hellip: '…', mdash: '—', ndash: '–', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“' };

/** Decodes the character references Mastodon's sanitizer emits (named, decimal and hex). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

/**
 * A status's HTML as people read it: paragraphs and line breaks kept, no markup, entities decoded.
 * A link shows its full address (Mastodon hides part of it in `invisible`/`ellipsis` spans); a
 * mention or hashtag link shows its text (`@pat`, `#billing`).
 */
export function htmlToText(html: string): string {
  const withLinks = html.replace(/<a\s([^>]*)>([\s\S]*?)<\/a>/gi, (_whole, attrs: string, inner: string) => {
    const visible = stripTags(inner);
    const href = attrs.match(/href\s*=\s*"([^"]*)"/i)?.[1];
    const isMention = /class\s*=\s*"[^"]*\b(mention|hashtag)\b/i.test(attrs) || /^[@#]/.test(decodeEntities(visible).trim());
    return isMention || href === undefined ? visible : decodeEntities(href).replace(/&/g, '&amp;');
  });
  const text = withLinks
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<\/?(p|div|blockquote|li|ul|ol|h[1-6])[^>]*>/gi, '\n');
  return decodeEntities(stripTags(text)).replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, '');
}

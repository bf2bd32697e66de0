/**
 * The link a report (SLA report, digest) shows for the post of mention alias `m`. On X it is the
 * permalink without the author's handle (`x.com/i/web/status/ID`, which X redirects), so a report
 * names nobody and reads the same before and after the post's author is purged; other platforms
 * show the stored URL (a purge keeps it only when it does not contain the handle).
 */
export const REPORT_LINK_SQL = `CASE WHEN m.url IS NULL THEN NULL WHEN m.platform = 'x' THEN 'https://x.com/i/web/status/' || m.native_id ELSE m.url END`;

/** The URL a purged mention keeps: the handle-free form of {@link REPORT_LINK_SQL}, or none when the URL names the author. */
export function anonymousLinkOf(post: { platform: string; nativeId: string; url: string | null; authorHandle: string; authorId: string }): string | null {
  if (post.url === null) return null;
  if (post.platform === 'x') return `https://x.com/i/web/status/${post.nativeId}`;
  const url = post.url.toLowerCase();
  const names = [post.authorHandle, post.authorId].map((n) => n.replace(/^@/, '').toLowerCase()).filter((n) => n.length > 0);
  return names.some((n) => url.includes(n)) ? null : post.url;
}

import type { APIEmbed } from 'discord.js';
import { LANGUAGES, languageTag, type Language, type Sentiment } from '../domain/classification.js';
import type { DigestData } from './collect-digest.js';
import { fitEmbed, inert, plain, truncate } from '../chat/sanitize.js';

const SENTIMENTS: readonly Sentiment[] = ['negative', 'neutral', 'positive'];

/** A share for people: "42%", or "–" of nothing. */
export const pct = (part: number, whole: number) => (whole === 0 ? '–' : `${Math.round((100 * part) / whole)}%`);
/** Minutes for people: "12 min", "1.5 h", "–". */
export const minutes = (m: number | null) => (m === null ? '–' : m < 60 ? `${Math.round(m)} min` : `${(m / 60).toFixed(1)} h`);

function change(now: number, before: number): string {
  if (before === 0) return now === 0 ? 'no change' : 'none the week before';
  const delta = Math.round((100 * (now - before)) / before);
  return delta === 0 ? 'no change' : `${delta > 0 ? '+' : ''}${delta}%`;
}

/** Share-point change of one sentiment between two weeks: "+4 pts". */
function shareChange(data: DigestData, s: Sentiment): string {
  const total = data.total;
  const before = data.previousTotal;
  if (total === 0 || before === 0) return '–';
  const delta = Math.round((100 * data.sentiment[s]) / total - (100 * data.previousSentiment[s]) / before);
  return `${delta > 0 ? '+' : ''}${delta} pts`;
}

/** The few lines a busy reader needs, used as the opening of every format. */
export function digestHeadlines(data: DigestData): string[] {
  const answered = data.sla.reduce((n, g) => n + g.withinTarget, 0);
  const withTarget = data.sla.reduce((n, g) => n + g.withTarget, 0);
  const topTheme = data.themes[0];
  return [
    `${data.total} mentions (${change(data.total, data.previousTotal)} on the week before); ${pct(data.sentiment.negative, data.total)} negative (${shareChange(data, 'negative')}).`,
    `${pct(answered, withTarget)} of alerts with a target were answered within it; ${data.breachCount} breaches; ${data.overdue.count} still unanswered past target.`,
    topTheme ? `Top complaint theme: ${topTheme.name} (${topTheme.count}).` : 'No complaint themes this week.',
    `${data.crisis.count} crisis posts${data.crisis.count ? `, median first response ${minutes(data.crisis.medianMinutes)}` : ''}.`,
  ];
}

export function cadenceNotes(data: DigestData): string[] {
  const c = data.cadence;
  const notes = [`${c.originals} original posts and ${c.replies} replies; ${c.daysWithoutPost} of 7 days without an original post.`];
  if (c.daysWithoutPost >= 3) notes.push('Guidance: post steadily, about one post a day.');
  if (c.busiestDay > 5) notes.push(`Guidance: at most five posts a day on X (the busiest day had ${c.busiestDay}).`);
  return notes;
}

/** The digest as Markdown, for a wiki or an e-mail. */
export function renderDigestMarkdown(data: DigestData): string {
  const lines: string[] = [`# Weekly digest ${data.week}`, '', `${data.days[0]?.date} to ${data.days[6]?.date} (${data.timeZone})`, ''];
  lines.push(...digestHeadlines(data).map((h) => `- ${h}`), '');
  lines.push('## What people said', '', '| day | mentions | negative | neutral | positive | answered within target |', '|---|---|---|---|---|---|');
  for (const d of data.days) lines.push(`| ${d.date} | ${d.total} | ${d.sentiment.negative} | ${d.sentiment.neutral} | ${d.sentiment.positive} | ${d.slaWithin === null ? '–' : `${Math.round(d.slaWithin * 100)}%`} |`);
  lines.push('', `Sentiment mix: ${SENTIMENTS.map((s) => `${s} ${pct(data.sentiment[s], data.total)} (${shareChange(data, s)})`).join(', ')}.`);
  const sources = Object.entries(data.bySource).sort(([, a], [, b]) => b - a);
  if (sources.length) lines.push(`By source: ${sources.map(([s, n]) => `${s} ${n}`).join(', ')}.`);
  // One account needs no table of its own: the whole digest is its.
  if (data.byAccount.length > 1) {
    lines.push('', '| account | mentions | negative | alerts | answered |', '|---|---|---|---|---|');
    for (const a of data.byAccount) lines.push(`| ${inert(a.name, 80).replace(/\|/g, '\\|')} | ${a.mentions} | ${a.negative} | ${a.alerts} | ${a.answered} |`);
  }
  const categories = Object.entries(data.categories);
  if (categories.length) lines.push(`Categories: ${categories.map(([c, n]) => `${c} ${n}`).join(', ')}.`);
  const languages = Object.entries(data.languages ?? {});
  if (languages.length) lines.push(`By language: ${languages.map(([l, n]) => `${languageName(l)} ${n.mentions} mentions (${n.alerts} alerts)`).join(', ')}.`);
  lines.push('', '## Top complaint themes', '');
  if (data.themes.length === 0) lines.push('None this week.');
  for (const t of data.themes.slice(0, 6)) lines.push(`- **${t.name}**: ${t.count}${t.example ? ` — e.g. "${t.example}"` : ''}`);
  lines.push('', '## How fast we answered', '', '| urgency | alerts | within first-response target | median first response | p90 |', '|---|---|---|---|---|');
  for (const g of data.sla) lines.push(`| ${g.urgency} | ${g.alerts} | ${pct(g.withinTarget, g.withTarget)} | ${minutes(g.medianMinutes)} | ${minutes(g.p90Minutes)} |`);
  lines.push('', `Breaches: ${data.breachCount}.`);
  for (const b of data.breaches) lines.push(`- #${b.id} (${b.urgency})${b.url ? ` ${b.url}` : ''}`);
  lines.push('', `Still unanswered past target at the end of the week: ${data.overdue.count}.`);
  for (const o of data.overdue.oldest) lines.push(`- #${o.id} (${o.urgency}), due ${new Date(o.dueAt).toISOString().slice(0, 16).replace('T', ' ')} UTC${o.url ? ` ${o.url}` : ''}`);
  lines.push('', '## Crisis events', '', `${data.crisis.count} crisis posts; ${data.crisis.answered} answered; median first response ${minutes(data.crisis.medianMinutes)}. (Crisis posts are never quoted.)`);
  lines.push('', '## Praise to pass on', '');
  if (data.praise.length === 0) lines.push('None this week.');
  for (const p of data.praise) lines.push(`> ${p}`, '');
  if (data.corrections.total > 0) lines.push('', '## What the classifier got wrong', '', ...correctionNotes(data));
  lines.push('', '## Our posting on X', '', ...cadenceNotes(data));
  lines.push('', '## X reads', '', data.xReads ? `${data.xReads.reads} posts read in ${data.xReads.requests} requests, about $${data.xReads.costUsd.toFixed(2)}.` : 'No X reads recorded this week.', '');
  return lines.join('\n');
}

const html = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** The digest as a self-contained HTML page (the chart embedded), for e-mail. */
export function renderDigestHtml(data: DigestData, chartPng?: Buffer): string {
  const row = (cells: Array<string | number>) => `<tr>${cells.map((c) => `<td>${html(String(c))}</td>`).join('')}</tr>`;
  const head = (cells: string[]) => `<tr>${cells.map((c) => `<th>${html(c)}</th>`).join('')}</tr>`;
  const parts = [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>Weekly digest ${html(data.week)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:860px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}blockquote{color:#444;border-left:3px solid #9e9e9e;margin:0.5em 0;padding-left:1em}</style>',
    '</head><body>',
    `<h1>Weekly digest ${html(data.week)}</h1>`,
    `<p>${html(`${data.days[0]?.date} to ${data.days[6]?.date} (${data.timeZone})`)}</p>`,
    `<ul>${digestHeadlines(data).map((h) => `<li>${html(h)}</li>`).join('')}</ul>`,
  ];
  if (chartPng) parts.push(`<p><img alt="Mentions per day by sentiment, and share answered within target" width="800" src="data:image/png;base64,${chartPng.toString('base64')}"></p>`);
  parts.push('<h2>What people said</h2><table>', head(['day', 'mentions', 'negative', 'neutral', 'positive', 'answered within target']));
  for (const d of data.days) parts.push(row([d.date, d.total, d.sentiment.negative, d.sentiment.neutral, d.sentiment.positive, d.slaWithin === null ? '–' : `${Math.round(d.slaWithin * 100)}%`]));
  parts.push('</table>', `<p>${html(`Sentiment mix: ${SENTIMENTS.map((s) => `${s} ${pct(data.sentiment[s], data.total)} (${shareChange(data, s)})`).join(', ')}.`)}</p>`);
  parts.push('<h2>Top complaint themes</h2><ul>');
  for (const t of data.themes.slice(0, 6)) parts.push(`<li><strong>${html(t.name)}</strong>: ${t.count}${t.example ? ` — e.g. “${html(t.example)}”` : ''}</li>`);
  if (data.themes.length === 0) parts.push('<li>None this week.</li>');
  parts.push('</ul><h2>How fast we answered</h2><table>', head(['urgency', 'alerts', 'within first-response target', 'median first response', 'p90']));
  for (const g of data.sla) parts.push(row([g.urgency, g.alerts, pct(g.withinTarget, g.withTarget), minutes(g.medianMinutes), minutes(g.p90Minutes)]));
  parts.push('</table>', `<p>Breaches: ${data.breachCount}. Still unanswered past target at the end of the week: ${data.overdue.count}.</p><ul>`);
  for (const b of data.breaches) parts.push(`<li>#${b.id} (${html(b.urgency)})${b.url ? ` <a href="${html(b.url)}">${html(b.url)}</a>` : ''}</li>`);
  parts.push('</ul>', `<h2>Crisis events</h2><p>${html(`${data.crisis.count} crisis posts; ${data.crisis.answered} answered; median first response ${minutes(data.crisis.medianMinutes)}. (Crisis posts are never quoted.)`)}</p>`);
  parts.push('<h2>Praise to pass on</h2>', ...(data.praise.length ? data.praise.map((p) => `<blockquote>${html(p)}</blockquote>`) : ['<p>None this week.</p>']));
  if (data.corrections.total > 0) parts.push('<h2>What the classifier got wrong</h2>', ...correctionNotes(data).map((n) => `<p>${html(n)}</p>`));
  parts.push('<h2>Our posting on X</h2>', ...cadenceNotes(data).map((n) => `<p>${html(n)}</p>`));
  parts.push('<h2>X reads</h2>', `<p>${html(data.xReads ? `${data.xReads.reads} posts read in ${data.xReads.requests} requests, about $${data.xReads.costUsd.toFixed(2)}.` : 'No X reads recorded this week.')}</p>`);
  parts.push('</body></html>', '');
  return parts.join('\n');
}

/** The digest's figures as CSV (section, key, value) for spreadsheets. */
export function renderDigestCsv(data: DigestData): string {
  const rows: Array<[string, string, string | number]> = [['week', 'label', data.week]];
  for (const d of data.days) {
    rows.push(['volume', d.date, d.total]);
    for (const s of SENTIMENTS) rows.push([`sentiment:${s}`, d.date, d.sentiment[s]]);
    rows.push(['within_target', d.date, d.slaWithin === null ? '' : Math.round(d.slaWithin * 1000) / 1000]);
  }
  for (const [source, n] of Object.entries(data.bySource)) rows.push(['source', source, n]);
  for (const a of data.byAccount) rows.push(['account_mentions', a.account, a.mentions], ['account_alerts', a.account, a.alerts], ['account_answered', a.account, a.answered]);
  for (const [category, n] of Object.entries(data.categories)) rows.push(['category', category, n]);
  for (const [language, n] of Object.entries(data.languages ?? {})) rows.push(['language_mentions', language, n.mentions], ['language_alerts', language, n.alerts]);
  for (const t of data.themes) rows.push(['theme', t.name, t.count]);
  for (const g of data.sla) {
    rows.push(['sla_alerts', g.urgency, g.alerts], ['sla_within_target', g.urgency, g.withTarget === 0 ? '' : g.withinTarget / g.withTarget]);
    rows.push(['sla_median_minutes', g.urgency, g.medianMinutes ?? ''], ['sla_p90_minutes', g.urgency, g.p90Minutes ?? '']);
  }
  rows.push(['breaches', 'count', data.breachCount], ['overdue', 'count', data.overdue.count], ['crisis', 'count', data.crisis.count], ['crisis', 'median_first_response_minutes', data.crisis.medianMinutes ?? '']);
  rows.push(['own_posts', 'originals', data.cadence.originals], ['own_posts', 'replies', data.cadence.replies], ['own_posts', 'days_without_post', data.cadence.daysWithoutPost]);
  if (data.corrections.total > 0) {
    rows.push(['corrections', 'total', data.corrections.total], ['corrections', 'urgency_raised', data.corrections.urgencyRaised], ['corrections', 'urgency_lowered', data.corrections.urgencyLowered]);
    for (const [c, n] of Object.entries(data.corrections.added)) rows.push(['corrections_added', c, n]);
    for (const [c, n] of Object.entries(data.corrections.removed)) rows.push(['corrections_removed', c, n]);
  }
  if (data.xReads) rows.push(['x_reads', 'posts', data.xReads.reads], ['x_reads', 'estimated_usd', Math.round(data.xReads.costUsd * 100) / 100]);
  const cell = (v: string | number) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  return `section,key,value\n${rows.map((r) => r.map(cell).join(',')).join('\n')}\n`;
}

/**
 * The digest as a Discord embed; the chart rides along as the attachment `chart.png`. Quoted posts
 * and theme names pass the sanitiser, and the embed is fitted to Discord's limits.
 */
export function renderDigestEmbed(data: DigestData): APIEmbed {
  const cut = (s: string, max = 1024) => truncate(s, max);
  return fitEmbed({
    title: `Weekly digest ${plain(data.week, 100)}`,
    description: cut(digestHeadlines(data).map((h) => `• ${inert(h, 600)}`).join('\n'), 4000),
    color: 0x1565c0,
    image: { url: 'attachment://chart.png' },
    fields: [
      { name: 'Top complaint themes', value: cut(data.themes.slice(0, 5).map((t) => `${inert(t.name, 100)}: ${t.count}`).join('\n') || 'None'), inline: true },
      { name: 'First response within target', value: cut(data.sla.map((g) => `${inert(g.urgency, 20)}: ${pct(g.withinTarget, g.withTarget)} (median ${minutes(g.medianMinutes)})`).join('\n') || 'No alerts'), inline: true },
      ...(data.byAccount.length > 1 ? [{ name: 'By account', value: cut(data.byAccount.slice(0, 10).map((a) => `${inert(a.name, 80)}: ${a.mentions} (${a.alerts} alerts, ${a.answered} answered)`).join('\n')) }] : []),
      { name: 'Praise to pass on', value: cut(data.praise.map((p) => `> ${inert(p, 300).replace(/\n/g, ' ')}`).join('\n') || 'None this week') },
      ...(data.corrections.total > 0 ? [{ name: 'What the classifier got wrong', value: cut(correctionNotes(data)[0] as string) }] : []),
      { name: 'Our posting on X', value: cut(cadenceNotes(data).join(' ')) },
    ],
    footer: { text: plain(`${data.days[0]?.date} to ${data.days[6]?.date} · ${data.timeZone}`, 200) },
  });
}

/** "3 labels corrected on cards: urgency raised 1, lowered 0; added crisis 1; removed spam 1." */
function correctionNotes(data: DigestData): string[] {
  const c = data.corrections;
  const list = (counts: Record<string, number>) => Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ');
  return [
    `${c.total} label${c.total === 1 ? '' : 's'} corrected on cards: urgency raised ${c.urgencyRaised}, lowered ${c.urgencyLowered}${Object.keys(c.added).length ? `; added ${list(c.added)}` : ''}${Object.keys(c.removed).length ? `; removed ${list(c.removed)}` : ''}.`,
    '`triage eval --corrections` scores the classifier on them.',
  ];
}

/** `es` / `es+en` as cards show them; anything unknown as it was stored. */
function languageName(language: string): string {
  return (LANGUAGES as readonly string[]).includes(language) ? languageTag(language as Language) : language;
}

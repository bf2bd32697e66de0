import { ALERT_STATES, isClosed, type AlertView } from '../../domain/alert.js';
import { languageTag, URGENCIES } from '../../domain/classification.js';
import { ratingLabel } from '../../chat/chat.js';
import type { ReportSection } from '../../chat/handler-types.js';
import type { SuggestedReply } from '../../triage/suggest-replies.js';
import type { RecordedCorrection } from '../../store/corrections.js';
import { describeCorrection } from '../../chat/correct-label.js';
import { safeUrl } from '../../chat/sanitize.js';
import { html, trusted, type Html } from './html.js';
import type { ConsoleUser } from './sign-in.js';

/** What every page's frame needs. */
export interface PageFrame {
  title: string;
  user?: ConsoleUser | undefined;
  csrf?: string | undefined;
  /** Seconds between reloads (the queue's countdowns, without JavaScript). */
  refresh?: number;
  now: number;
  timeZone: string;
}

export function when(ms: number | null | undefined, timeZone: string): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

/** "in 23 min", "2 h 5 min ago". */
export function countdown(at: number, now: number): string {
  const minutes = Math.round(Math.abs(at - now) / 60_000);
  const span = minutes < 60 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${Math.floor(minutes / 1440)} days`;
  return at >= now ? `in ${span}` : `${span} ago`;
}

/** Where the first response stands: due in…, overdue by…, answered. */
function dueCell(alert: AlertView, now: number): Html {
  if (alert.firstResponseAt !== null) return html`<span class="ok">answered</span>`;
  if (alert.firstResponseDueAt === null) return html`–`;
  return alert.firstResponseDueAt <= now
    ? html`<strong class="late">overdue by ${countdown(alert.firstResponseDueAt, now).replace(/ ago$/, '')}</strong>`
    : html`due ${countdown(alert.firstResponseDueAt, now)}`;
}

export function page(frame: PageFrame, body: Html): string {
  const { user } = frame;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${frame.refresh ? html`<meta http-equiv="refresh" content="${frame.refresh}">` : ''}
<title>${frame.title} · Triage</title><link rel="stylesheet" href="/console/assets/console.css"></head>
<body><header><nav aria-label="Console"><a href="/console/queue">Queue</a> <a href="/console/sla">SLA report</a> <a href="/console/digest">Weekly digest</a></nav>
${user ? html`<form method="post" action="/console/logout" class="who"><span>${user.name}${user.actor ? '' : ' (read only)'}</span> <input type="hidden" name="_csrf" value="${frame.csrf}"><button type="submit">Sign out</button></form>` : ''}
</header><main id="main">${body}</main></body></html>
`.value;
}

export interface QueueQuery {
  urgency?: string | undefined;
  state?: string | undefined;
  platform?: string | undefined;
  overdue?: boolean | undefined;
}

export function queuePage(frame: PageFrame, alerts: readonly AlertView[], query: QueueQuery, platforms: readonly string[]): string {
  const option = (value: string, label: string, selected: string | undefined) => html`<option value="${value}"${trusted(selected === value ? ' selected' : '')}>${label}</option>`;
  const rows = alerts.map((a) => html`<tr class="u-${a.urgency}">
<td><a href="/console/alerts/${a.id}">#${a.id}</a></td><td>${a.urgency}</td><td>${a.state}${a.assignee ? html`<br><small>${a.assignee}</small>` : ''}</td>
<td>${dueCell(a, frame.now)}</td><td>@${a.mention.authorHandle}<br><small>${a.mention.platform}</small></td><td class="text">${a.mention.text.slice(0, 160)}</td></tr>`);
  return page({ ...frame, refresh: 60 }, html`<h1>Queue</h1>
<form method="get" action="/console/queue" class="filters">
<label>Urgency <select name="urgency">${option('', 'any', query.urgency ?? '')}${URGENCIES.map((u) => option(u, u, query.urgency))}</select></label>
<label>State <select name="state">${option('', 'open', query.state ?? '')}${option('any', 'any', query.state)}${ALERT_STATES.map((s) => option(s, s, query.state))}</select></label>
<label>Account <select name="platform">${option('', 'all', query.platform ?? '')}${platforms.map((p) => option(p, p, query.platform))}</select></label>
<label><input type="checkbox" name="overdue" value="1"${trusted(query.overdue ? ' checked' : '')}> overdue only</label>
<button type="submit">Filter</button></form>
<p>${alerts.length} alerts · countdowns as of ${when(frame.now, frame.timeZone)} (${frame.timeZone}); the page reloads every minute.</p>
<div class="table"><table><thead><tr><th>Alert</th><th>Urgency</th><th>State</th><th>First response</th><th>Author</th><th>Post</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="6">Nothing matches.</td></tr>`}</tbody></table></div>`);
}

export interface AlertPageData {
  alert: AlertView;
  replies: readonly SuggestedReply[];
  history: ReadonlyArray<{ at: number; actor: string; action: string; fromState: string | null; toState: string | null }>;
  /** A card link's action to confirm (`claim`, `resolve`), or the reply section to show. */
  confirm?: string | undefined;
  /** What the last action did, or why it was refused. */
  notice?: { tone: 'ok' | 'refused'; text: string } | undefined;
  /** Labels people corrected ("Wrong label?"), oldest first. */
  corrections?: readonly RecordedCorrection[] | undefined;
  /** The "Wrong label?" choices for this alert. */
  relabel?: ReadonlyArray<{ label: string; value: string }> | undefined;
  /** The replies written from Triage, with their audit (see `repliesSection`). */
  drafts?: Html | undefined;
}

/** Where the alert stands, in the words the chats' cards use. */
function stateLine(alert: AlertView, timeZone: string): string {
  switch (alert.state) {
    case 'claimed':
      return `claimed by ${alert.assignee ?? 'someone'}`;
    case 'responded':
      return alert.waitingSince !== null ? `waiting on the customer since ${when(alert.waitingSince, timeZone)} (resolution clock paused)` : `responded${alert.respondedBy ? ` by ${alert.respondedBy}` : ''}`;
    case 'snoozed':
      return `snoozed until ${when(alert.snoozedUntil, timeZone)} (clock still running)`;
    default:
      return alert.state;
  }
}

/** The forms of the actions the alert's state allows; only for people in an actor group. */
function actionForms(alert: AlertView, csrf: string, relabel: ReadonlyArray<{ label: string; value: string }>): Html {
  const form = (action: string, label: string, extra: Html | string = '') =>
    html`<form method="post" action="/console/alerts/${alert.id}/act"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="action" value="${action}">${extra}<button type="submit" name="go" value="${action}">${label}</button></form>`;
  if (isClosed(alert.state)) return html`<div class="actions">${form('reopen', 'Reopen')}</div>`;
  return html`<div class="actions">
${alert.state === 'claimed' ? '' : form('claim', 'Claim')}
${alert.state === 'responded' ? '' : form('respond', 'Mark responded')}
${alert.waitingSince !== null ? '' : form('wait', 'Waiting on customer')}
${form('snooze', 'Snooze', html`<label>for <select name="value"><option value="1h">1 hour</option><option value="4h">4 hours</option><option value="morning">until the next business morning</option></select></label> `)}
${form('resolve', 'Resolve')}
${form('dismiss', 'Dismiss', html`<label>as <select name="value"><option value="spam">spam</option><option value="not-actionable">not actionable</option></select></label> `)}
${form('escalate', 'Escalate')}
${relabel.length ? form('relabel', 'Correct the label', html`<label>Wrong label? <select name="value">${relabel.map((c) => html`<option value="${c.value}">${c.label}</option>`)}</select></label> `) : ''}
</div>`;
}

export function alertPage(frame: PageFrame, data: AlertPageData): string {
  const { alert } = data;
  const m = alert.mention;
  const post = safeUrl(m.url);
  const csrf = frame.csrf ?? '';
  const actor = frame.user?.actor === true;
  const confirm = actor && (data.confirm === 'claim' || data.confirm === 'resolve') && !isClosed(alert.state) && !(data.confirm === 'claim' && alert.state === 'claimed')
    ? html`<form method="post" action="/console/alerts/${alert.id}/act" class="confirm"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="action" value="${data.confirm}">
<p>You followed a card's ${data.confirm === 'claim' ? 'Claim' : 'Resolve'} button.</p><button type="submit" autofocus>${data.confirm === 'claim' ? 'Claim' : 'Resolve'} alert #${alert.id}</button></form>`
    : '';
  const replies = data.replies.map((r) => html`<li><strong>${r.template}</strong> ${r.guard.ok ? html`<span class="ok">guard: ok</span>` : html`<span class="late">guard: check: ${r.guard.problems.join('; ')}</span>`}<pre>${r.text}</pre>${actor ? html`<a href="/console/alerts/${alert.id}/reply?template=${encodeURIComponent(r.template)}">Reply with this</a>` : ''}</li>`);
  const history = data.history.map((e) => html`<tr><td>${when(e.at, frame.timeZone)}</td><td>${e.actor}</td><td>${e.action}</td><td>${e.fromState ?? ''} → ${e.toState ?? ''}</td></tr>`);
  return page(frame, html`<h1>Alert #${alert.id}: ${alert.urgency} · ${alert.state}${alert.assignee ? html` · ${alert.assignee}` : ''}</h1>
${data.notice ? html`<p class="notice ${data.notice.tone}" role="status">${data.notice.text}</p>` : ''}
${confirm}
<section aria-labelledby="post"><h2 id="post">Post</h2>
<p>${m.authorName ? html`<strong>${m.authorName}</strong> ` : ''}@${m.authorHandle}${m.authorFollowers !== null ? ` · ${m.authorFollowers.toLocaleString('en-US')} followers` : ''} · ${m.platform}${m.account ? html` · account ${m.account}` : ''}${ratingLabel(m) ? html` · ${ratingLabel(m) ?? ''}` : ''} · ${when(m.createdAt, frame.timeZone)}${post ? html` · <a href="${post}" rel="noreferrer noopener">open the post</a>` : ''}</p>
${m.inReplyToText ? html`<p class="reply-to">replying to: ${m.inReplyToText}</p>` : ''}
<blockquote class="text">${m.text}</blockquote></section>
<section aria-labelledby="sla"><h2 id="sla">SLA</h2><p class="state">State: ${stateLine(alert, frame.timeZone)}</p><p>First response: ${dueCell(alert, frame.now)}${alert.firstResponseDueAt !== null ? ` (due ${when(alert.firstResponseDueAt, frame.timeZone)})` : ''}${alert.resolutionDueAt !== null && alert.resolvedAt === null ? ` · resolve by ${when(alert.resolutionDueAt, frame.timeZone)}` : ''}${alert.snoozedUntil !== null ? ` · snoozed until ${when(alert.snoozedUntil, frame.timeZone)}` : ''}</p></section>
<section aria-labelledby="actions"><h2 id="actions">Actions</h2>${actor ? actionForms(alert, csrf, data.relabel ?? []) : html`<p>You can read this alert. Acting on it needs one of the console's actor groups (OIDC_ACTOR_GROUPS).</p>`}</section>
<section aria-labelledby="why"><h2 id="why">Classification</h2><p>Sentiment ${alert.sentiment} (${alert.score}) · categories ${alert.categories.join(', ') || 'none'} · language ${languageTag(alert.language ?? 'en')}</p>
<ul>${alert.reasons.map((r) => html`<li>${r}</li>`)}</ul>
${data.corrections?.length ? html`<h3>Label corrected</h3><ul class="corrections">${data.corrections.map((c) => html`<li>${describeCorrection(c)} · ${when(c.at, frame.timeZone)}</li>`)}</ul>` : ''}</section>
<section aria-labelledby="reply"><h2 id="reply">Suggested replies</h2>${replies.length ? html`<ol>${replies}</ol>` : html`<p>No suggested reply for this post.</p>`}</section>
${data.drafts ?? ''}
<section aria-labelledby="history"><h2 id="history">History</h2><div class="table"><table><thead><tr><th>When</th><th>Who</th><th>Action</th><th>State</th></tr></thead><tbody>${history.length ? history : html`<tr><td colspan="4">No action yet.</td></tr>`}</tbody></table></div></section>`);
}

/** A command's report (the SLA figures) as sections of lists. */
export function reportPage(frame: PageFrame, title: string, sections: readonly ReportSection[]): string {
  const section = (s: ReportSection) => html`<section><h2 class="${s.tone ?? ''}">${s.title}</h2>
${s.alerts?.length ? html`<ul>${s.alerts.map((a) => html`<li><a href="/console/alerts/${a.id}">#${a.id}</a> ${a.urgency} · @${a.mention.authorHandle} · ${dueCell(a, frame.now)} · ${a.assignee ?? 'unclaimed'}</li>`)}</ul>` : ''}
${s.lines?.length ? html`<ul>${s.lines.map((l) => html`<li>${l}</li>`)}</ul>` : ''}
${s.fields?.length ? html`<dl>${s.fields.map((f) => html`<dt>${f.name}</dt><dd>${f.value}</dd>`)}</dl>` : ''}
${!s.alerts?.length && !s.lines?.length && !s.fields?.length && s.empty ? html`<p>${s.empty}</p>` : ''}
${s.footer ? html`<p><small>${s.footer}</small></p>` : ''}</section>`;
  return page({ ...frame, refresh: 60 }, html`<h1>${title}</h1>${sections.map(section)}`);
}

/** A short page for refusals (a bad link, no access). */
export function messagePage(frame: PageFrame, heading: string, text: string, link?: { href: string; label: string }): string {
  return page(frame, html`<h1>${heading}</h1><p>${text}</p>${link ? html`<p><a href="${link.href}">${link.label}</a></p>` : ''}`);
}

export const CONSOLE_CSS = `
:root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.45}
body{margin:0 auto;max-width:1100px;padding:0 1rem 2rem}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem;border-bottom:1px solid #8884;padding:.5rem 0}
nav a{margin-right:1rem}
a:focus,button:focus,select:focus,input:focus{outline:3px solid #1976d2;outline-offset:2px}
.table{overflow-x:auto}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #8884;padding:.35rem .5rem;text-align:left;vertical-align:top}
td.text,blockquote.text{white-space:pre-wrap;overflow-wrap:anywhere}
blockquote{border-left:4px solid #9e9e9e;margin:.5rem 0;padding:.25rem 1rem}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#8881;padding:.5rem}
.u-critical td:first-child{border-left:6px solid #d32f2f}.u-high td:first-child{border-left:6px solid #f57c00}
.late{color:#c62828}.ok{color:#2e7d32}
.actions{display:flex;flex-wrap:wrap;gap:.5rem}.actions form{display:inline-flex;gap:.25rem;align-items:center}
button{font:inherit;padding:.4rem .9rem;min-height:2.5rem}
.confirm{border:2px solid #1976d2;padding:.5rem 1rem;margin:1rem 0}
.notice{padding:.5rem 1rem;border-left:6px solid #2e7d32}.notice.refused{border-color:#c62828}
.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end}
h2.danger{color:#c62828}h2.warning{color:#ef6c00}
form.reply label{display:block;margin-bottom:.25rem}form.reply textarea{display:block;width:100%;box-sizing:border-box;font:inherit;padding:.5rem}
article.draft{border-top:1px solid #8884;padding-top:.5rem}
`;

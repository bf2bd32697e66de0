import type { AlertView } from '../../domain/alert.js';
import type { ReplyDraft, ReplyEvent } from '../../store/reply-outbox.js';
import { safeUrl } from '../../chat/sanitize.js';
import { page, when, type PageFrame } from './console-pages.js';
import { html, type Html } from './html.js';

/** The editor as the reply desk opened it (see `composeReply`). */
export interface ReplyEditor {
  text: string;
  maxLength: number;
  platformName: string;
  title: string;
  draftId?: number | undefined;
}

/**
 * `/console/alerts/:id/reply`: the post it answers and a form prefilled with the text, limited to
 * the platform's length. After a blocked submit, the same form with the guard's problems beside the
 * text, kept for editing. Readers see the text without the form.
 */
export function replyPage(frame: PageFrame, data: { alert: AlertView; editor: ReplyEditor; problems?: readonly string[] | undefined; notice?: string | undefined; canWrite: boolean }): string {
  const { alert, editor } = data;
  const m = alert.mention;
  const problems = data.problems?.length
    ? html`<div class="notice refused" role="alert" id="problems"><p><strong>Not sent: the reply guard blocked this reply.</strong> Edit it and submit again:</p><ul>${data.problems.map((p) => html`<li>${p}</li>`)}</ul></div>`
    : '';
  const form = data.canWrite
    ? html`<form method="post" action="/console/alerts/${alert.id}/reply" class="reply">
<input type="hidden" name="_csrf" value="${frame.csrf ?? ''}">${editor.draftId !== undefined ? html`<input type="hidden" name="draft" value="${editor.draftId}">` : ''}
<label for="reply-text">Your reply on ${editor.platformName} (up to ${editor.maxLength} characters)</label>
<textarea id="reply-text" name="text" rows="6" maxlength="${editor.maxLength}" required${data.problems?.length ? html` aria-describedby="problems"` : ''}>${editor.text}</textarea>
<p><small>The reply guard checks the text before anything is sent${editor.draftId !== undefined ? '; this edits draft #' + String(editor.draftId) : ''}.</small></p>
<button type="submit">Check and send</button> <a href="/console/alerts/${alert.id}">Back to the alert</a></form>`
    : html`<p>You can read this alert. Writing a reply needs one of the console's actor groups (OIDC_ACTOR_GROUPS).</p><pre>${editor.text}</pre>`;
  return page(frame, html`<h1>${editor.title}: alert #${alert.id}</h1>
${data.notice ? html`<p class="notice refused" role="status">${data.notice}</p>` : ''}
<section aria-labelledby="post"><h2 id="post">The post</h2><p>@${m.authorHandle} · ${m.platform} · ${when(m.createdAt, frame.timeZone)}</p><blockquote class="text">${m.text}</blockquote></section>
<section aria-labelledby="write"><h2 id="write">Reply</h2>${problems}${form}</section>`);
}

const STATE_WORDS: Record<ReplyDraft['state'], string> = {
  blocked: 'blocked by the reply guard (not sent)',
  awaiting_approval: 'waiting for a second person to approve',
  queued: 'approved, waiting to be sent',
  sending: 'being sent',
  sent: 'sent',
  failed: 'not sent',
  rejected: 'rejected',
};

/**
 * The alert page's "Replies" section: each draft with its text, the guard's verdict, who wrote,
 * edited and approved it, its state and its audit; Approve / Reject for an approver who neither
 * wrote nor last edited it, Edit while it can still change.
 */
export function repliesSection(frame: PageFrame, alertId: number, drafts: ReadonlyArray<{ draft: ReplyDraft; events: readonly ReplyEvent[] }>, who: { name: string; actor: boolean; approver: boolean } | undefined): Html {
  const csrf = frame.csrf ?? '';
  const items = drafts.map(({ draft: d, events }) => {
    const link = safeUrl(d.remoteUrl);
    const own = who !== undefined && (who.name === d.author || who.name === d.lastEditor);
    const review = d.state === 'awaiting_approval' && who?.approver
      ? own
        ? html`<p><small>You wrote or last edited this reply: a second person approves it.</small></p>`
        : html`<div class="actions"><form method="post" action="/console/replies/${d.id}/approve"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" name="go" value="approve">Approve and send</button></form>
<form method="post" action="/console/replies/${d.id}/reject"><input type="hidden" name="_csrf" value="${csrf}"><label>Why <input type="text" name="reason" maxlength="300"></label> <button type="submit" name="go" value="reject">Reject</button></form></div>`
      : '';
    const edit = who?.actor && (d.state === 'blocked' || d.state === 'awaiting_approval' || d.state === 'rejected') ? html`<p><a href="/console/alerts/${alertId}/reply?draft=${d.id}">Edit this reply</a></p>` : '';
    const audit = events.map((e) => html`<tr><td>${when(e.at, frame.timeZone)}</td><td>${e.actor}</td><td>${e.action}</td><td>${e.fromState ?? ''} → ${e.toState ?? ''}</td></tr>`);
    return html`<article class="draft" id="draft-${d.id}"><h3>Reply #${d.id}: ${STATE_WORDS[d.state]}</h3>
<p>by ${d.author}${d.lastEditor !== d.author ? html`, last edited by ${d.lastEditor}` : ''}${d.approvedBy ? html`, approved by ${d.approvedBy}` : ''}${d.approval.required && !d.approvedBy ? html` · needs a second person: ${d.approval.reason ?? 'approval required'}` : ''}</p>
${d.state === 'sent' ? html`<p class="ok">Replied by ${d.author} · ${when(d.sentAt, frame.timeZone)}${link ? html` · <a href="${link}" rel="noreferrer noopener">open the reply</a>` : ''}</p>` : ''}
${d.failure ? html`<p class="late">${d.failure}</p>` : ''}
<pre>${d.text}</pre>
<p>${d.guard.ok ? html`<span class="ok">Reply guard: ok</span>` : html`<span class="late">Reply guard: ${d.guard.problems.join('; ')}</span>`}</p>
${review}${edit}
<details><summary>Audit of reply #${d.id}</summary><div class="table"><table><thead><tr><th>When</th><th>Who</th><th>Step</th><th>State</th></tr></thead><tbody>${audit}</tbody></table></div></details></article>`;
  });
  const write = who?.actor ? html`<p><a href="/console/alerts/${alertId}/reply">Write a reply</a></p>` : '';
  return html`<section aria-labelledby="replies"><h2 id="replies">Replies</h2>${items.length ? items : html`<p>No reply written from Triage yet.</p>`}${write}</section>`;
}

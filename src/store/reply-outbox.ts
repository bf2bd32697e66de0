import type { AlertView } from '../domain/alert.js';
import type { ApprovalNeed } from '../triage/reply-approval.js';
import type { GuardVerdict } from '../triage/reply-guard.js';
import type { PurgeDriver, PurgeSteps } from './retention.js';
import { ALERT_SELECT, planAction, toView, type AlertRow } from './sqlite-alerts.js';
import type { ActionResult, SqlRunner } from './store-port.js';

/**
 * The reply outbox: replies written on a card, from draft to sent. Blocked (the guard found
 * problems), awaiting approval, queued, sending (the attempt committed before the platform is
 * called), sent or failed; rejected by an approver. Every step is a conditional update (one winner
 * when two act at once) followed by its audit row. Portable SQL, run on either adapter.
 */
export const REPLY_STATES = ['blocked', 'awaiting_approval', 'queued', 'sending', 'sent', 'failed', 'rejected'] as const;
export type ReplyState = (typeof REPLY_STATES)[number];

export interface ReplyDraft {
  id: number;
  alertId: number;
  platform: string;
  account: string | null;
  text: string;
  state: ReplyState;
  guard: GuardVerdict;
  approval: ApprovalNeed;
  author: string;
  lastEditor: string;
  approvedBy: string | null;
  /** What the platform deduplicates a retry on (Mastodon's Idempotency-Key, Bluesky's record key). */
  sendKey: string;
  createdAt: number;
  updatedAt: number;
  attemptedAt: number | null;
  sentAt: number | null;
  remoteId: string | null;
  remoteUrl: string | null;
  failure: string | null;
}

export interface NewReplyDraft {
  alertId: number;
  platform: string;
  account: string | null;
  text: string;
  author: string;
  guard: GuardVerdict;
  approval: ApprovalNeed;
  sendKey: string;
  now: number;
}

/** A changed text with the guard's verdict on it and whether it now needs approval. */
export interface ReplyRevision {
  text: string;
  guard: GuardVerdict;
  approval: ApprovalNeed;
}

export type ReplyResult = { ok: true; draft: ReplyDraft } | { ok: false; reason: string; draft: ReplyDraft | null };

/** What {@link ReplyRepository.recordSent} did: the reply's move, and the alert's (absent when the reply did not move). */
export type SentRecord = ReplyResult & { response?: ActionResult };

export interface ReplyEvent {
  at: number;
  actor: string;
  action: string;
  fromState: ReplyState | null;
  toState: ReplyState | null;
  detail: unknown;
}

export interface ReplyRepository {
  create(draft: NewReplyDraft): Promise<ReplyDraft>;
  get(id: number): Promise<ReplyDraft | null>;
  forAlert(alertId: number): Promise<ReplyDraft[]>;
  /** A new text (checked again by the caller's guard); allowed until the reply is queued. Any approval is void. */
  edit(id: number, revision: ReplyRevision, actor: string, now: number): Promise<ReplyResult>;
  /** By a person who neither wrote nor last edited it, of a draft the guard passed. */
  approve(id: number, actor: string, now: number): Promise<ReplyResult>;
  reject(id: number, actor: string, reason: string, now: number): Promise<ReplyResult>;
  /** Claims up to `limit` queued replies (and sends a dead instance left unrecorded) until `now + leaseMs`, oldest first. */
  claimQueued(limit: number, now: number, leaseMs: number): Promise<ReplyDraft[]>;
  /** Commits the attempt before the platform is called; false when this instance lost the claim. */
  markSending(id: number, now: number): Promise<boolean>;
  /**
   * The send, recorded at once: the reply sent, the alert's first response at `now` by `respond.actor`
   * (its audit row carrying `respond.detail`) and the card marked for a redraw, in ONE transaction, so
   * a crash leaves either all of it or none (and the reply is looked for again on the retry).
   */
  recordSent(id: number, remote: { id: string; url: string | null }, now: number, respond: { actor: string; detail: Record<string, unknown> }): Promise<SentRecord>;
  /** A send the platform refused for good: out of the outbox, with why. */
  markFailed(id: number, reason: string, now: number): Promise<ReplyResult>;
  events(id: number): Promise<ReplyEvent[]>;
  /** Where the post an alert is about sits in its platform's threads (what a publisher needs beyond the card). */
  threadOf(alertId: number): Promise<ReplyThread | null>;
}

export interface ReplyThread {
  stream: string | null;
  conversationId: string | null;
  inReplyToId: string | null;
}

interface Row {
  id: number | string;
  alert_id: number | string;
  platform: string;
  account: string | null;
  text: string;
  state: ReplyState;
  guard_ok: number | string;
  guard_problems: string;
  needs_approval: number | string;
  approval_reason: string | null;
  author: string;
  last_editor: string;
  approved_by: string | null;
  send_key: string;
  created_at: number | string;
  updated_at: number | string;
  attempted_at: number | string | null;
  sent_at: number | string | null;
  remote_id: string | null;
  remote_url: string | null;
  failure: string | null;
}

const orNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toDraft(r: Row): ReplyDraft {
  const required = Number(r.needs_approval) === 1;
  return {
    id: Number(r.id), alertId: Number(r.alert_id), platform: r.platform, account: r.account, text: r.text, state: r.state,
    guard: { ok: Number(r.guard_ok) === 1, problems: JSON.parse(r.guard_problems) as string[] },
    approval: required ? { required, ...(r.approval_reason !== null && { reason: r.approval_reason }) } : { required },
    author: r.author, lastEditor: r.last_editor, approvedBy: r.approved_by, sendKey: r.send_key,
    createdAt: Number(r.created_at), updatedAt: Number(r.updated_at), attemptedAt: orNull(r.attempted_at), sentAt: orNull(r.sent_at),
    remoteId: r.remote_id, remoteUrl: r.remote_url, failure: r.failure,
  };
}

/** Where a checked text goes: nowhere while the guard objects, to an approver when one is needed, else to the outbox. */
export function stateAfterCheck(revision: Pick<ReplyRevision, 'guard' | 'approval'>): ReplyState {
  return !revision.guard.ok ? 'blocked' : revision.approval.required ? 'awaiting_approval' : 'queued';
}

const EDITABLE: readonly ReplyState[] = ['blocked', 'awaiting_approval', 'rejected'];
const COLUMNS = 'id, alert_id, platform, account, text, state, guard_ok, guard_problems, needs_approval, approval_reason, author, last_editor, approved_by, send_key, created_at, updated_at, attempted_at, sent_at, remote_id, remote_url, failure';

export class ReplyOutbox implements ReplyRepository {
  /**
   * `singleWriter`: one bot per database (SQLite, under its bot lock), so a claim left by an earlier,
   * dead process is taken over at once; on a shared database a claim lapses after its lease. `tx`
   * runs a write transaction's steps on one connection (SQLite synchronously, PostgreSQL on a client).
   */
  constructor(private readonly sql: SqlRunner, private readonly instance: string, private readonly singleWriter: boolean, private readonly tx: PurgeDriver) {}

  async create(d: NewReplyDraft): Promise<ReplyDraft> {
    const state = stateAfterCheck(d);
    const [row] = await this.sql.all<Row>(
      `INSERT INTO reply_drafts (alert_id, platform, account, text, state, guard_ok, guard_problems, needs_approval, approval_reason, author, last_editor, send_key, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
      [d.alertId, d.platform, d.account, d.text, state, d.guard.ok ? 1 : 0, JSON.stringify(d.guard.problems), d.approval.required ? 1 : 0, d.approval.reason ?? null, d.author, d.author, d.sendKey, d.now, d.now],
    );
    const draft = toDraft(row as Row);
    await this.audit(draft.id, d.now, d.author, 'draft', null, state, { text: d.text, guard: d.guard, approval: d.approval });
    return draft;
  }

  async get(id: number): Promise<ReplyDraft | null> {
    const [row] = await this.sql.all<Row>(`SELECT ${COLUMNS} FROM reply_drafts WHERE id = ?`, [id]);
    return row ? toDraft(row) : null;
  }

  async forAlert(alertId: number): Promise<ReplyDraft[]> {
    return (await this.sql.all<Row>(`SELECT ${COLUMNS} FROM reply_drafts WHERE alert_id = ? ORDER BY id`, [alertId])).map(toDraft);
  }

  async edit(id: number, revision: ReplyRevision, actor: string, now: number): Promise<ReplyResult> {
    const to = stateAfterCheck(revision);
    return this.move(id, EDITABLE, to, actor, now, 'edit', { text: revision.text, guard: revision.guard, approval: revision.approval },
      'text = ?, guard_ok = ?, guard_problems = ?, needs_approval = ?, approval_reason = ?, last_editor = ?, approved_by = NULL',
      [revision.text, revision.guard.ok ? 1 : 0, JSON.stringify(revision.guard.problems), revision.approval.required ? 1 : 0, revision.approval.reason ?? null, actor]);
  }

  async approve(id: number, actor: string, now: number): Promise<ReplyResult> {
    const current = await this.get(id);
    if (current && current.state === 'awaiting_approval' && (current.author === actor || current.lastEditor === actor)) {
      return { ok: false, reason: 'a reply needs a second person: someone who did not write or edit it approves it', draft: current };
    }
    return this.move(id, ['awaiting_approval'], 'queued', actor, now, 'approve', undefined, 'approved_by = ?', [actor], ' AND guard_ok = 1 AND author <> ? AND last_editor <> ?', [actor, actor]);
  }

  async reject(id: number, actor: string, reason: string, now: number): Promise<ReplyResult> {
    return this.move(id, ['awaiting_approval'], 'rejected', actor, now, 'reject', { reason }, 'failure = ?', [reason]);
  }

  async claimQueued(limit: number, now: number, leaseMs: number): Promise<ReplyDraft[]> {
    const free = this.singleWriter ? "state IN ('queued', 'sending')" : "state IN ('queued', 'sending') AND (claim_until IS NULL OR claim_until < ? OR claimed_by = ?)";
    const freeArgs = this.singleWriter ? [] : [now, this.instance];
    const rows = await this.sql.all<Row>(
      `UPDATE reply_drafts SET claimed_by = ?, claim_until = ?
       WHERE id IN (SELECT id FROM reply_drafts WHERE ${free} ORDER BY id LIMIT ?) AND ${free}
       RETURNING ${COLUMNS}`,
      [this.instance, now + leaseMs, ...freeArgs, limit, ...freeArgs],
    );
    return rows.map(toDraft).sort((a, b) => a.id - b.id);
  }

  async markSending(id: number, now: number): Promise<boolean> {
    const rows = await this.sql.all<{ id: number }>(
      `UPDATE reply_drafts SET state = 'sending', attempted_at = COALESCE(attempted_at, ?), updated_at = ?
       WHERE id = ? AND state IN ('queued', 'sending') AND guard_ok = 1 AND claimed_by = ? RETURNING id`,
      [now, now, id, this.instance],
    );
    if (rows.length > 0) await this.audit(id, now, 'triage', 'send attempt', 'queued', 'sending', null);
    return rows.length > 0;
  }

  async recordSent(id: number, remote: { id: string; url: string | null }, now: number, respond: { actor: string; detail: Record<string, unknown> }): Promise<SentRecord> {
    return this.tx.transaction(recordSentSteps(id, remote, now, respond));
  }

  async markFailed(id: number, reason: string, now: number): Promise<ReplyResult> {
    return this.move(id, ['queued', 'sending'], 'failed', 'triage', now, 'failed', { reason }, 'failure = ?, claimed_by = NULL, claim_until = NULL', [reason]);
  }

  async events(id: number): Promise<ReplyEvent[]> {
    const rows = await this.sql.all<{ at: number | string; actor: string; action: string; from_state: ReplyState | null; to_state: ReplyState | null; detail: string | null }>(
      'SELECT at, actor, action, from_state, to_state, detail FROM reply_events WHERE draft_id = ? ORDER BY id', [id]);
    return rows.map((r) => ({ at: Number(r.at), actor: r.actor, action: r.action, fromState: r.from_state, toState: r.to_state, detail: r.detail === null ? null : JSON.parse(r.detail) }));
  }

  async threadOf(alertId: number): Promise<ReplyThread | null> {
    const [row] = await this.sql.all<{ stream: string | null; conversation_id: string | null; in_reply_to_id: string | null }>(
      'SELECT m.stream, m.conversation_id, m.in_reply_to_id FROM alerts a JOIN mentions m ON m.id = a.mention_id WHERE a.id = ?', [alertId]);
    return row ? { stream: row.stream, conversationId: row.conversation_id, inReplyToId: row.in_reply_to_id } : null;
  }

  /** One conditional transition: `from` one of `states`, to `to`, with the extra columns; audited when it happened. */
  private async move(id: number, states: readonly ReplyState[], to: ReplyState, actor: string, now: number, action: string, detail: unknown,
    set: string, setArgs: readonly unknown[], where = '', whereArgs: readonly unknown[] = []): Promise<ReplyResult> {
    const before = await this.get(id);
    if (!before) return { ok: false, reason: 'there is no such reply', draft: null };
    const refused = (current: ReplyDraft): ReplyResult => ({ ok: false, reason: `cannot ${action} a reply that is ${current.state.replace('_', ' ')}`, draft: current });
    if (!states.includes(before.state)) return refused(before);
    const rows = await this.sql.all<Row>(
      `UPDATE reply_drafts SET state = ?, updated_at = ?, ${set} WHERE id = ? AND state = ?${where} RETURNING ${COLUMNS}`,
      [to, now, ...setArgs, id, before.state, ...whereArgs],
    );
    const after = rows[0];
    if (!after) return refused((await this.get(id)) ?? before);
    await this.audit(id, now, actor, action, before.state, to, detail ?? null);
    return { ok: true, draft: toDraft(after) };
  }

  private async audit(id: number, at: number, actor: string, action: string, from: ReplyState | null, to: ReplyState | null, detail: unknown): Promise<void> {
    await this.sql.run('INSERT INTO reply_events (draft_id, at, actor, action, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [id, at, actor, action, from, to, detail === null ? null : JSON.stringify(detail)]);
  }
}

/**
 * The steps of {@link ReplyRepository.recordSent}, portable SQL in one transaction: the reply from
 * sending to sent with its audit row; then the alert's `respond` (planned as every adapter plans an
 * action, re-read if another writer changed the alert in between) with its audit row; then the
 * card's redraw flag. A reply that is not sending any more (recorded already) changes nothing.
 */
function* recordSentSteps(id: number, remote: { id: string; url: string | null }, now: number, respond: { actor: string; detail: Record<string, unknown> }): PurgeSteps<SentRecord> {
  const moved = (yield {
    sql: `UPDATE reply_drafts SET state = 'sent', updated_at = ?, sent_at = ?, remote_id = ?, remote_url = ?, claimed_by = NULL, claim_until = NULL
          WHERE id = ? AND state = 'sending' RETURNING ${COLUMNS}`,
    params: [now, now, remote.id, remote.url, id],
  }).rows[0] as Row | undefined;
  if (!moved) {
    const current = (yield { sql: `SELECT ${COLUMNS} FROM reply_drafts WHERE id = ?`, params: [id] }).rows[0] as Row | undefined;
    const draft = current ? toDraft(current) : null;
    return { ok: false, reason: draft ? `cannot record as sent a reply that is ${draft.state.replace('_', ' ')}` : 'there is no such reply', draft };
  }
  const draft = toDraft(moved);
  yield { sql: 'INSERT INTO reply_events (draft_id, at, actor, action, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?, ?)', params: [id, now, 'triage', 'sent', 'sending', 'sent', JSON.stringify(remote)] };
  let response: ActionResult | undefined;
  for (let attempt = 0; attempt < 3 && response === undefined; attempt++) {
    const row = (yield { sql: `${ALERT_SELECT} WHERE a.id = ?`, params: [draft.alertId] }).rows[0] as AlertRow | undefined;
    const plan = planAction(row ? toView(row) : null, draft.alertId, 'respond', respond.actor, now, { detail: respond.detail });
    if ('result' in plan) {
      response = plan.result;
      break;
    }
    const changed = (yield { sql: `UPDATE alerts SET ${plan.sets.join(', ')} WHERE id = @id AND state = @from`, params: plan.params }).changes;
    if (changed !== 1) continue;
    yield { sql: 'INSERT INTO alert_events (alert_id, at, actor, action, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?, ?)', params: [draft.alertId, now, respond.actor, 'respond', plan.from, plan.to, plan.detail] };
    const after = (yield { sql: `${ALERT_SELECT} WHERE a.id = ?`, params: [draft.alertId] }).rows[0] as AlertRow;
    response = { ok: true, alert: toView(after) as AlertView, changed: true };
  }
  yield { sql: 'UPDATE alerts SET card_stale = 1 WHERE id = ? AND chat_message_id IS NOT NULL', params: [draft.alertId] };
  return { ok: true, draft, response: response ?? { ok: false, reason: 'the alert kept changing; its first response is left as it was', alert: null } };
}

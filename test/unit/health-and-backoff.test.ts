import { describe, expect, it } from 'vitest';
import type { AlertCard, Chat, PostedMessage } from '../../src/chat/chat.js';
import { withBackoff } from '../../src/chat/chat-backoff.js';
import { createLogger } from '../../src/logger.js';
import type { JobStatus } from '../../src/scheduler.js';
import { TriageError } from '../../src/util/errors.js';
import { assessHealth } from '../../src/web/health.js';
import { logCapture } from '../helpers/pipeline.js';

const T0 = Date.parse('2026-12-01T09:00:00Z');
const job = (overrides: Partial<JobStatus>): JobStatus => ({
  job: 'poll',
  schedule: '* * * * *',
  runningSince: undefined,
  lastFinishedAt: T0,
  lastOkAt: T0,
  lastError: undefined,
  dueBy: T0 + 120_000,
  ...overrides,
});

describe('assessHealth', () => {
  it('is healthy while every job finished within twice its period, even when its last run failed', () => {
    const report = assessHealth({ now: T0 + 119_000, databaseProblem: undefined, jobs: [job({ lastError: 'X answered 503', lastOkAt: undefined })] });
    expect(report.ok).toBe(true);
    expect(report.jobs[0]).toMatchObject({ job: 'poll', running: false, lastError: 'X answered 503', lastOkAt: null });
  });

  it('names a stuck job, an overdue one, a locked database and a bot still starting', () => {
    const report = assessHealth({
      now: T0 + 121_000,
      databaseProblem: 'database: database is locked',
      jobs: [job({ runningSince: T0 + 1_000 }), job({ job: 'sla-sweep', lastFinishedAt: undefined })],
    });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      'database: database is locked',
      'job poll stuck: running since 2026-12-01T09:00:01.000Z (schedule "* * * * *")',
      'job sla-sweep overdue: no run finished since start-up (schedule "* * * * *")',
    ]);
    expect(assessHealth({ now: T0, databaseProblem: undefined, jobs: undefined }).problems).toEqual(['starting: the jobs are not scheduled yet']);
  });
});

describe('withBackoff', () => {
  function flakyChat() {
    const calls: string[] = [];
    let down = true;
    const chat: Chat = {
      name: 'fake',
      async postAlert(card: AlertCard): Promise<PostedMessage> {
        calls.push(`alert ${card.alert.id}`);
        if (down) throw new TriageError('chat-unavailable', 'connection refused', { retryable: true });
        return { channelId: 'c', messageId: String(card.alert.id) };
      },
      async close() {},
    };
    return { chat, calls, up: () => (down = false) };
  }
  const card = (id: number) => ({ alert: { id }, replies: [] }) as unknown as AlertCard;

  it('lets one try through per pause while the chat is down, doubling the pause, and resets once it answers', async () => {
    let now = T0;
    const fake = flakyChat();
    const logs = logCapture();
    const chat = withBackoff(fake.chat, { now: () => now, log: createLogger('info', logs), baseDelayMs: 1_000, maxDelayMs: 4_000 });
    const attempt = (id: number) => chat.postAlert(card(id), `n${id}`).then(() => 'sent', (e: TriageError) => e.message);

    expect(await attempt(1)).toBe('connection refused');
    expect(await attempt(2)).toMatch(/^fake is unreachable; not posting alert #2 before 2026-12-01T09:00:01\.000Z$/);
    now += 1_000;
    expect(await attempt(3)).toBe('connection refused');
    now += 1_999;
    expect(await attempt(4)).toMatch(/unreachable/);
    now += 1;
    expect(await attempt(5)).toBe('connection refused');
    now += 4_000;
    fake.up();
    expect(await attempt(6)).toBe('sent');
    expect(await attempt(7)).toBe('sent');
    expect(fake.calls).toEqual(['alert 1', 'alert 3', 'alert 5', 'alert 6', 'alert 7']);
    expect(logs.records.filter((r) => r.msg === 'chat unreachable; pausing sends')).toHaveLength(3);
    expect(logs.records.some((r) => r.msg === 'chat reachable again')).toBe(true);
  });

  it('does not pause for a message the chat refused on its own merits', async () => {
    const calls: number[] = [];
    const refusing: Chat = {
      name: 'fake',
      async postAlert(c: AlertCard): Promise<PostedMessage> {
        calls.push(c.alert.id);
        throw new TriageError('chat-bad-request', 'embed too long');
      },
      async close() {},
    };
    const chat = withBackoff(refusing, { now: () => T0, log: createLogger('silent') });
    await expect(chat.postAlert(card(1), 'a')).rejects.toThrow('embed too long');
    await expect(chat.postAlert(card(2), 'b')).rejects.toThrow('embed too long');
    expect(calls).toEqual([1, 2]);
  });
});

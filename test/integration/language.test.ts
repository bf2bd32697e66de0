import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderConsoleCard } from '../../src/chat/console/render-console-card.js';
import { renderAlertEmbed } from '../../src/chat/discord/render-alert-card.js';
import { cardTitle } from '../../src/chat/slack/render-slack-card.js';
import { decideFor } from '../../src/pipeline.js';
import { DigestQueries } from '../../src/store/digest-queries.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { mention } from '../helpers/mentions.js';
import { classifier, policy, tempDir } from '../helpers/setup.js';

const now = Date.UTC(2026, 10, 20, 13, 0);
const decide = decideFor({ classifier: classifier(), policy });

describe('the language of a mention, stored and shown', () => {
  let temp: ReturnType<typeof tempDir>;
  let store: SqliteStore;

  beforeEach(() => {
    temp = tempDir();
    store = new SqliteStore(join(temp.dir, 'triage.db'));
  });
  afterEach(() => {
    store.close();
    temp.cleanup();
  });

  const ingestOne = async (text: string) => {
    await store.ingest({ source: 'x', mentions: [mention({ text })], now }, decide);
    const [alert] = await store.pendingAlerts(10);
    if (!alert) throw new Error('no alert');
    return alert;
  };

  it('stores the detected language with the classification and reads it back on the alert', async () => {
    const alert = await ingestOne('llevo 3 horas en urgencias y nadie me dice nada, pésimo servicio');
    expect(alert.language).toBe('es');
    expect(store.db.prepare('SELECT language FROM classifications').pluck().all()).toEqual(['es']);
  });

  it('tags Spanish and Spanglish cards on Discord, Slack and the console, and leaves English cards as they were', async () => {
    const spanglish = await ingestOne('mi hermano mezcló xanax con alcohol y no responde, what do i do??');
    expect(spanglish.language).toBe('mixed');
    const card = { alert: spanglish, replies: [] };
    expect(renderAlertEmbed(card, { now }).title).toMatch(/ · es\+en$/);
    expect(cardTitle(spanglish, { now }, card)).toMatch(/ · es\+en$/);
    expect(renderConsoleCard(card, now, 'UTC')).toContain('language: es+en');

    store.db.exec('DELETE FROM alerts');
    const english = await ingestOne('the portal is down again and nobody answers the phone');
    expect(english.language).toBe('en');
    expect(renderAlertEmbed({ alert: english, replies: [] }, { now }).title).not.toContain('· en');
    expect(renderConsoleCard({ alert: english, replies: [] }, now, 'UTC')).not.toContain('language:');
  });

  it('shows only a known language, whatever the stored value says', async () => {
    const alert = await ingestOne('el baño estaba sucio y sin papel, qué mal servicio');
    const hostile = { ...alert, language: '@everyone' as never };
    expect(renderAlertEmbed({ alert: hostile, replies: [] }, { now }).title).not.toContain('@everyone');
  });

  it('counts the week\'s mentions and alerts by language for the digest', async () => {
    const texts = [
      'hola, ¿a qué hora abre el laboratorio los sábados?',
      'qué bonito día para caminar',
      'mi hermano mezcló xanax con alcohol y no responde, what do i do??',
      'the portal is down again and nobody answers the phone',
    ];
    await store.ingest({ source: 'x', mentions: texts.map((text) => mention({ text })), now }, decide);
    const from = now - 86_400_000;
    expect(await new DigestQueries(store.db).languages(from, now + 86_400_000)).toEqual({
      es: { mentions: 2, alerts: 1 },
      en: { mentions: 1, alerts: 1 },
      mixed: { mentions: 1, alerts: 1 },
    });
  });
});

import type { AlertView } from '../domain/alert.js';
import { urgencyRank } from '../domain/classification.js';

/** One card to post: an alert, and in a storm the similar alerts it carries. */
export interface DispatchItem {
  alert: AlertView;
  grouped: AlertView[];
}

/** Text reduced to what makes two posts "the same complaint": no handles, links, digits or punctuation. */
export function fingerprint(text: string): string {
  return text
    .toLowerCase()
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/[@#]\w+/g, ' ')
    .replace(/[^\p{L}\s]+/gu, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 1)
    .slice(0, 8)
    .join(' ');
}

/**
 * Decides which cards to post for the pending alerts, most urgent first. Critical alerts always get
 * their own card, first. When more than `threshold` others are waiting (a storm: a viral complaint,
 * a bot wave), similar ones — same author or near-identical text — share a card; in a real storm
 * (over five times the threshold) that still leaves more than `maxCards` cards, the smaller groups
 * are gathered by topic (urgency and category).
 */
export function planDispatch(pending: readonly AlertView[], threshold: number, maxCards = 10): DispatchItem[] {
  const byUrgency = (a: AlertView, b: AlertView) => urgencyRank(a.urgency) - urgencyRank(b.urgency) || a.id - b.id;
  const critical = pending.filter((a) => a.urgency === 'critical').sort(byUrgency);
  const rest = pending.filter((a) => a.urgency !== 'critical').sort(byUrgency);
  const singles = (alerts: AlertView[]) => alerts.map((alert) => ({ alert, grouped: [] }));
  if (rest.length <= threshold) return [...singles(critical), ...singles(rest)];

  // Union by author and by fingerprint: each alert joins the group of the first alert that shares either.
  const groupOf = new Map<string, AlertView[]>();
  const groups: AlertView[][] = [];
  for (const alert of rest) {
    // Never across accounts: each account's cards go to its own channel.
    const account = alert.mention.account ?? '';
    const keys = [`a:${account}:${alert.mention.platform}:${alert.mention.authorHandle}`, `t:${account}:${fingerprint(alert.mention.text)}`];
    let group = keys.map((k) => groupOf.get(k)).find((g) => g !== undefined);
    if (!group) groups.push((group = []));
    group.push(alert);
    for (const key of keys) if (!groupOf.has(key)) groupOf.set(key, group);
  }
  let merged = groups;
  // Gathering unrelated complaints by topic only pays in a real storm, not for a modest backlog.
  if (groups.length > maxCards && rest.length > 5 * threshold) {
    const sorted = [...groups].sort((a, b) => b.length - a.length);
    const kept = sorted.slice(0, Math.floor(maxCards / 2));
    const byTopic = new Map<string, AlertView[]>();
    for (const group of sorted.slice(kept.length)) {
      const lead = group[0] as AlertView;
      const topic = `${lead.mention.account ?? ''}:${lead.urgency}:${lead.categories[0] ?? 'other'}`;
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), ...group]);
    }
    merged = [...kept, ...byTopic.values()];
  }
  const items = merged.map((group) => {
    const [alert, ...grouped] = [...group].sort(byUrgency) as [AlertView, ...AlertView[]];
    return { alert, grouped };
  });
  return [...singles(critical), ...items.sort((a, b) => byUrgency(a.alert, b.alert))];
}

import type { Config } from './config.js';
import { slaPolicySchema, type SlaPolicy } from './triage/sla-policy.js';
import { readJsonFile } from './util/data-file.js';

/** The SLA policy file, and the policies of accounts that have their own (data/accounts.json `slaPolicy`). */
export interface SlaPolicyFiles {
  policy: SlaPolicy;
  accountPolicies: Array<{ account: string; path: string; policy: SlaPolicy }>;
}

/**
 * Reads and validates the SLA policy files only: what the reports need, without the lexicon,
 * templates or themes (and the classifier code their schemas bring). Problems name each file.
 */
export function readSlaPolicyFiles(config: Pick<Config, 'paths' | 'accounts'>): { ok: true; value: SlaPolicyFiles } | { ok: false; problems: string[] } {
  const policy = readJsonFile(config.paths.slaPolicy, slaPolicySchema, 'SLA_POLICY_PATH');
  const accountPolicies: SlaPolicyFiles['accountPolicies'] = [];
  const problems: string[] = [];
  for (const account of config.accounts) {
    if (account.slaPolicyPath === undefined) continue;
    const file = readJsonFile(account.slaPolicyPath, slaPolicySchema, `ACCOUNTS_PATH (the "slaPolicy" of account ${account.id})`);
    if (file.ok) accountPolicies.push({ account: account.id, path: account.slaPolicyPath, policy: file.value });
    else problems.push(...file.problems);
  }
  if (!policy.ok) problems.push(...policy.problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { policy: (policy as { value: SlaPolicy }).value, accountPolicies } };
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCOPE_OF } from '../fakes/fake-slack-web-api.js';
import { ROOT } from '../helpers/setup.js';

/** The Web API methods the Slack adapter calls, read from its source (`client.chat.postMessage(`). */
function methodsCalled(): Set<string> {
  const folder = join(ROOT, 'src', 'chat', 'slack');
  const methods = new Set<string>();
  for (const file of readdirSync(folder)) {
    const source = readFileSync(join(folder, file), 'utf8');
    for (const m of source.matchAll(/\.(auth|apps|chat|conversations|views|files|usergroups|users)\.([a-zA-Z0-9]+(?:\.[a-zA-Z0-9]+)*)\(/g)) methods.add(`${m[1]}.${m[2]}`);
  }
  return methods;
}

describe('deploy/slack-manifest.json', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'deploy', 'slack-manifest.json'), 'utf8'));

  it('turns on Socket Mode and interactivity and declares /triage', () => {
    expect(manifest.settings).toMatchObject({ socket_mode_enabled: true, interactivity: { is_enabled: true } });
    expect(manifest.features.slash_commands).toEqual([expect.objectContaining({ command: '/triage', should_escape: false })]);
    expect(manifest.features.slash_commands[0].usage_hint).toMatch(/queue \[account\] \| sla \| find <text> \| templates \| digest/);
  });

  it('asks for exactly the scopes of the methods the adapter calls, the slash command and private channels', () => {
    const methods = methodsCalled();
    expect([...methods].sort()).toEqual([
      'auth.test', 'chat.postEphemeral', 'chat.postMessage', 'chat.update', 'conversations.history', 'conversations.replies',
      'files.uploadV2', 'usergroups.users.list', 'views.open',
    ]);
    // files.uploadV2 is files.getUploadURLExternal, the upload and files.completeUploadExternal.
    const scopes = new Set([...methods].map((m) => SCOPE_OF[m === 'files.uploadV2' ? 'files.getUploadURLExternal' : m]).filter((s): s is string => s !== undefined));
    // groups:history reads private channels as channels:history reads public ones; commands is /triage.
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...scopes, 'commands', 'groups:history'].sort());
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeNodeVersion, isSupportedNode, REQUIRED_NODE_MAJOR } from '../../src/node-version.js';
import { runCli } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/setup.js';

const PRETEND = ['--import', pathToFileURL(join(ROOT, 'test', 'fixtures', 'pretend-node-version.mjs')).href];
const ENTRY_POINTS = {
  'the triage bin (dist/src/bin.js)': join(ROOT, 'dist', 'src', 'bin.js'),
  'dist/src/cli.js, as npm run eval starts it': join(ROOT, 'dist', 'src', 'cli.js'),
};

describe('supported Node.js versions', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => (temp = tempDir()));
  afterEach(() => temp.cleanup());

  it('requires the major that package.json engines.node names', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${REQUIRED_NODE_MAJOR}`);
    expect(isSupportedNode('23.11.1')).toBe(false);
    expect(isSupportedNode('24.0.0')).toBe(true);
    expect(isSupportedNode('26.12.1')).toBe(true);
    expect(isSupportedNode('garbage')).toBe(false);
    expect(describeNodeVersion('20.20.2')).toBe('Node.js v20.20.2 is not supported: Triage needs Node.js 24 or newer (the LTS lines 24 and 26 are tested)');
  });

  for (const [name, script] of Object.entries(ENTRY_POINTS)) {
    it(`${name} refuses an older Node in one line, exit 2, before touching anything`, async () => {
      const database = join(temp.dir, 'triage.db');
      for (const version of ['20.20.2', '23.11.1']) {
        const run = await runCli(['demo'], {
          script,
          nodeArgs: PRETEND,
          env: { PRETEND_NODE_VERSION: version, DATABASE_PATH: database },
          cwd: temp.dir,
        });
        expect(run.code).toBe(2);
        expect(run.stdout).toBe('');
        expect(run.stderr).toBe(`triage: Node.js v${version} is not supported: Triage needs Node.js 24 or newer (the LTS lines 24 and 26 are tested)\n`);
      }
      // Nothing of the program ran: the demo did not even open its database.
      expect(existsSync(database)).toBe(false);
    });
  }

  it('starts on the Node under test, and doctor says which one and that it is supported', async () => {
    const run = await runCli(['doctor'], { env: { DATABASE_PATH: join(temp.dir, 'triage.db') }, cwd: temp.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`ok   Node.js ${process.version} (supported: 24 or newer; the LTS lines 24 and 26 are tested)`);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userInfo } from 'node:os';

/**
 * A throwaway PostgreSQL cluster for the tests: initdb in a temp folder (as the `postgres` user when
 * running as root: initdb refuses root), started on a free loopback port, stopped and removed by
 * `stop()`. Where PostgreSQL is not installed the PG half of the suite is skipped, except in CI
 * (`CI` or `TRIAGE_REQUIRE_POSTGRES` set), where it fails: CI must not silently skip it.
 */
export interface PgCluster {
  url: string;
  /** A fresh database in the cluster, for one test file or test. */
  createDatabase(name: string): string;
  stop(): void;
}

const REQUIRED = Boolean(process.env.CI || process.env.TRIAGE_REQUIRE_POSTGRES);

export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** Why the PG half cannot run here, or undefined when it can. Throws in CI instead of skipping. */
export function postgresMissing(): string | undefined {
  if (postgresBin() !== undefined) return undefined;
  const reason = 'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)';
  if (REQUIRED) throw new Error(`${reason}; CI requires the PostgreSQL half of the suite`);
  return reason;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = postgresBin();
  if (bin === undefined) throw new Error(postgresMissing() ?? 'no PostgreSQL');
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'triage-pg-'));
  const data = join(dir, 'data');
  const run = (cmd: string, args: string[]) => {
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args;
    const result = spawnSync(asRoot ? 'runuser' : join(bin, cmd), argv, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout}`);
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  run('initdb', ['-D', data, '-U', 'triage', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  run('pg_ctl', ['-D', data, '-w', '-s', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`, 'start']);
  const base = `postgres://triage@127.0.0.1:${port}`;
  const psql = (sql: string) => run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'triage', '-d', 'postgres', '-q', '-c', sql]);
  let stopped = false;
  return {
    url: `${base}/postgres`,
    createDatabase(name) {
      psql(`CREATE DATABASE ${name}`);
      return `${base}/${name}`;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-s', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, parseEnv } from 'node:util';
import { classifyCommand, evalCommand } from './commands/classify-commands.js';
import type { CommandIo } from './commands/command.js';
import { doctorCommand } from './commands/doctor-command.js';
import { slaReportCommand } from './commands/sla-report-command.js';
import { digestCommand } from './commands/digest-command.js';
import { backupCommand, restoreCommand } from './commands/backup-commands.js';
import { purgeCommand } from './commands/purge-command.js';
import { demoCommand, deployCommandsCommand, pollCommand, startCommand, suggestCommand } from './commands/run-commands.js';
import { ConfigError, TriageError } from './util/errors.js';

const USAGE = `usage: triage <command> [options]

commands:
  start                 run the bot (X and Discord when configured; the demo otherwise)
  demo                  replay the bundled sample mentions into the database and print the alerts
  poll --once           poll every configured source once, dispatch pending alerts, exit
  classify              JSON Lines {id, text} on stdin -> one classification per line
  suggest               JSON Lines {id, text} on stdin -> suggested replies per line
  eval FILE...          accuracy and per-class precision/recall/F1 of the classifier
  digest [--week 2026-W47] [--format md|html|csv] [--out FILE] [--chart FILE.png]
                        the weekly digest (last complete week by default)
  doctor                check configuration and credentials
  sla-report [--from DATE] [--to DATE] [--format md|csv]
                        response times per urgency and assignee, breaches; CSV one row per alert
  deploy-commands       register the /triage slash command with Discord
  backup FILE [--force] consistent copy of the database, safe while the bot runs
  restore FILE          replace the database with a backup (refused while a bot runs on it)
  purge --author HANDLE [--platform x] | purge --retention
                        erase one person's posts on request | run the retention job now
`;

type Command = (io: CommandIo, args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  start: (io, args) => startCommand(io, args),
  demo: (io) => demoCommand(io),
  poll: (io, args) => pollCommand(io, args),
  suggest: (io) => suggestCommand(io),
  doctor: (io) => doctorCommand(io),
  'deploy-commands': (io) => deployCommandsCommand(io),
  'sla-report': (io, args) => slaReportCommand(io, args),
  digest: (io, args) => digestCommand(io, args),
  backup: (io, args) => backupCommand(io, args),
  restore: (io, args) => restoreCommand(io, args),
  purge: (io, args) => purgeCommand(io, args),
  classify: (io) => classifyCommand(io),
  eval: (io, args) => evalCommand(io, parseArgs({ args, allowPositionals: true }).positionals),
};

/** Settings from `.env` in the working folder, under those already in the environment. */
function environment(cwd: string): Record<string, string | undefined> {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return { ...process.env };
  return { ...parseEnv(readFileSync(file, 'utf8')), ...process.env };
}

export async function runCli(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`triage: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(io, args);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`triage: ${error.message}\n`);
      return 2;
    }
    if (error instanceof TriageError && !error.retryable) {
      // An expected failure with its own explanation (a rejected token, a missing channel): no stack trace.
      io.stderr.write(`triage: ${error.message}\n`);
      return 1;
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`triage ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

// `triage classify | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());

const cwd = process.cwd();
runCli(process.argv.slice(2), {
  env: environment(cwd),
  cwd,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`triage: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);

#!/usr/bin/env node
// First: refuses an unsupported Node.js in one line before the other modules are evaluated.
import './node-guard.js';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type { CommandIo } from './commands/command.js';
import { describeFailure, EXIT } from './util/describe-failure.js';
import { InFlight, STOP_DEADLINE_MS } from './util/in-flight.js';

const USAGE = `usage: triage <command> [options]

commands:
  start                 run the bot (X and Discord when configured; the demo otherwise)
  demo                  replay the bundled sample mentions into the database and print the alerts
  poll --once           poll every configured source once, dispatch pending alerts, exit
  classify              JSON Lines {id, text} on stdin -> one classification per line
  suggest               JSON Lines {id, text} on stdin -> suggested replies per line
  reply check           JSON Lines {id, text, mention} on stdin -> the reply guard's verdict per line
  reply eval FILE...    how well the guard catches unsafe replies in labelled sets ({..., ok})
  eval FILE... | eval --corrections
                        accuracy and per-class precision/recall/F1 of the classifier (on files, or on
                        the labels the team corrected on cards)
  digest [--week 2026-W47] [--format md|html|csv] [--out FILE] [--chart FILE.png]
                        the weekly digest (last complete week by default)
  doctor                check configuration and credentials
  auth x [--account ID] connect X for replies: the OAuth 2.0 consent in a browser, tokens stored encrypted
  sla-report [--from DATE] [--to DATE] [--format md|csv]
                        response times per urgency and assignee, breaches; CSV one row per alert
  deploy-commands       register the /triage slash command with Discord
  backup FILE [--force] consistent copy of the database, safe while the bot runs
  restore FILE          replace the database with a backup (refused while a bot runs on it)
  purge --author HANDLE [--platform x] | purge --retention
                        erase one person's posts on request | run the retention job now
`;

type Command = (io: CommandIo, args: string[]) => Promise<number>;

/**
 * Each command's module is imported when it runs, so `triage --help` or a report loads neither
 * discord.js nor the X client (a start-up of ~0.45 s otherwise).
 */
const COMMANDS: Record<string, Command> = {
  start: async (io, args) => (await import('./commands/run-commands.js')).startCommand(io, args),
  demo: async (io) => (await import('./commands/run-commands.js')).demoCommand(io),
  poll: async (io, args) => (await import('./commands/run-commands.js')).pollCommand(io, args),
  suggest: async (io) => (await import('./commands/run-commands.js')).suggestCommand(io),
  'deploy-commands': async (io) => (await import('./commands/run-commands.js')).deployCommandsCommand(io),
  doctor: async (io) => (await import('./commands/doctor-command.js')).doctorCommand(io),
  'sla-report': async (io, args) => (await import('./commands/sla-report-command.js')).slaReportCommand(io, args),
  digest: async (io, args) => (await import('./commands/digest-command.js')).digestCommand(io, args),
  backup: async (io, args) => (await import('./commands/backup-commands.js')).backupCommand(io, args),
  restore: async (io, args) => (await import('./commands/backup-commands.js')).restoreCommand(io, args),
  purge: async (io, args) => (await import('./commands/purge-command.js')).purgeCommand(io, args),
  classify: async (io) => (await import('./commands/classify-commands.js')).classifyCommand(io),
  eval: async (io, args) => (await import('./commands/classify-commands.js')).evalCommand(io, args),
  reply: async (io, args) => (await import('./commands/reply-commands.js')).replyCommand(io, args),
  auth: async (io, args) => (await import('./commands/auth-command.js')).authCommand(io, args),
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
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`triage ${name}: ${error.message}\n`);
      return EXIT.usage;
    }
    // Expected failures (bad settings, a rejected token, a full disk, a missing file) are one sentence.
    const described = describeFailure(error, { databasePath: await databasePathOf(io) });
    if (described) {
      io.stderr.write(`triage: ${described.message}\n`);
      return described.exitCode;
    }
    // A bug: the stack goes to the log (JSON on stderr), the person gets one line.
    const { createLogger } = await import('./logger.js');
    createLogger('error', { write: (line: string) => void io.stderr.write(line) }).error({ err: error, command: name }, 'unexpected error');
    io.stderr.write(`triage: unexpected error in "${name}": ${error instanceof Error ? error.message : String(error)} (the stack is in the log line above)\n`);
    return EXIT.failed;
  }
}

async function databasePathOf(io: CommandIo): Promise<string | undefined> {
  try {
    const { loadConfig } = await import('./config.js');
    return loadConfig(io.env, io.cwd).databasePath;
  } catch {
    return undefined;
  }
}

// `triage classify | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const controller = new AbortController();
const inFlight = new InFlight();
const busy = () => inFlight.names().join(', ') || 'nothing tracked';
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) {
      process.stderr.write(`triage: ${signal} again: exiting now (still busy with: ${busy()}); unsent alerts stay in the outbox\n`);
      process.exit(130);
    }
    controller.abort();
    setTimeout(() => {
      process.stderr.write(`triage: did not stop within ${STOP_DEADLINE_MS / 1000} s of ${signal} (still busy with: ${busy()}); exiting. Unsent alerts stay in the outbox.\n`);
      process.exit(124);
    }, STOP_DEADLINE_MS).unref();
  });
}

const cwd = process.cwd();
runCli(process.argv.slice(2), {
  env: environment(cwd),
  cwd,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
  inFlight,
})
  .then(
    (code) => code,
    (error: unknown) => {
      process.stderr.write(`triage: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return 1;
    },
  )
  .then((code) => {
    process.exitCode = code;
    // The command is done: a library timer left behind (a gateway reconnect, a keep-alive socket)
    // must not keep the process up. Output to pipes and files is synchronous, so nothing is cut off.
    setTimeout(() => process.exit(code), 1_000).unref();
  });

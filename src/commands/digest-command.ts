import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { renderDigestCsv, renderDigestHtml } from '../digest/render-digest.js';
import { digestText } from '../digest/weekly-digest.js';
import { parseWeek, previousWeek } from '../digest/week.js';
import { openReportApp } from '../report-app.js';
import { digestSources } from '../digest/collect-digest.js';
import { accountDirectory } from '../accounts.js';
import { readDigestFiles } from '../data-files.js';
import type { CommandIo } from './command.js';
import { fsReason } from '../util/describe-failure.js';
import { ConfigError } from '../util/errors.js';

/**
 * `triage digest [--week 2026-W47] [--format md|html|csv] [--out FILE] [--chart FILE.png]`: writes a
 * week's digest (the last complete week by default) for e-mail or a wiki. HTML embeds the chart.
 */
export async function digestCommand(io: CommandIo, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { week: { type: 'string' }, format: { type: 'string', default: 'md' }, out: { type: 'string' }, chart: { type: 'string' } } });
  if (!['md', 'html', 'csv'].includes(values.format as string)) {
    io.stderr.write(`triage digest: --format must be md, html or csv, not "${values.format}"\n`);
    return 2;
  }
  const config = loadConfig(io.env, io.cwd);
  const files = readDigestFiles(config);
  const app = await openReportApp(config, { policyFiles: files });
  try {
    const zone = files.policy.timezone;
    const week = values.week ? parseWeek(values.week, zone) : previousWeek(app.now(), zone);
    if (!week) {
      io.stderr.write(`triage digest: --week must be an ISO week like 2026-W47, not "${values.week}"\n`);
      return 2;
    }
    const digest = await digestText(digestSources(app, files, accountDirectory(config.accounts)), week, zone);
    // The chart (a PNG rendered from SVG) only when it is shown: in the HTML, or written with --chart.
    let png: Buffer | undefined;
    const chartPng = async () => (png ??= (await import('../digest/chart.js')).renderChartPng(digest.data));
    const text = values.format === 'html' ? renderDigestHtml(digest.data, await chartPng()) : values.format === 'csv' ? renderDigestCsv(digest.data) : digest.markdown;
    if (values.out) writeOutput('--out', resolve(io.cwd, values.out), text);
    else io.stdout.write(text);
    if (values.chart) writeOutput('--chart', resolve(io.cwd, values.chart), await chartPng());
    return 0;
  } finally {
    await app.close();
  }
}

/** Writes an output file; a path that cannot be written is bad input, named with its option. */
function writeOutput(option: string, path: string, data: string | Buffer): void {
  try {
    writeFileSync(path, data);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw error;
    const hint = code === 'ENOENT' ? ` (does the folder ${dirname(path)} exist?)` : '';
    throw new ConfigError([`${option} ${path}: cannot write it: ${fsReason(error)}${hint}.`]);
  }
}

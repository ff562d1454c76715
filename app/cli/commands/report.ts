import type { Command } from 'commander';
import { UsageError } from '../../../shared/errors';
import { parseSince } from '../../history/format';
import {
  buildReport,
  CSV_SECTIONS,
  type CsvSection,
  type ReportFormat,
  renderReport,
  writeReport,
} from '../../history/report';
import { HistoryStore, resolveDbPath } from '../../history/store';

export interface ReportCommandOptions {
  html?: string;
  format?: string;
  out?: string;
  section?: string;
  since?: string;
  rule?: string;
  account?: string;
  db?: string;
}

/** Where an HTML report goes when neither `--html` nor `--out` says. */
export const DEFAULT_HTML_REPORT = 'rebaseline-report.html';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Compliance report: one self-contained HTML page, or JSON / CSV for evidence packs.')
    .option('--html <file>', 'write the HTML report to this file')
    .option('--format <format>', 'html, json or csv')
    .option('--out <file>', 'write to this file (json and csv print to stdout without it)')
    .option('--section <name>', `CSV only: ${CSV_SECTIONS.join(', ')}`, 'episodes')
    .option('--since <when>', 'episodes and executions since a date (2026-01-31) or an age (90d)')
    .option('--rule <rule-id>', 'only this rule')
    .option('--account <account-id>', 'only this account')
    .option('--db <file>', 'history database (default $REBASELINE_DB or ~/.rebaseline/history.db)')
    .action((opts: ReportCommandOptions) => {
      const format = (opts.format ?? 'html') as ReportFormat;
      if (!['html', 'json', 'csv'].includes(format))
        throw new UsageError('--format must be html, json or csv.');
      if (opts.html && opts.format && opts.format !== 'html')
        throw new UsageError(
          '--html writes the HTML report; use --format json|csv with --out for the others.',
        );
      const section = opts.section as CsvSection;
      if (!CSV_SECTIONS.includes(section))
        throw new UsageError(`--section must be one of ${CSV_SECTIONS.join(', ')}.`);
      const options = {
        since: opts.since ? parseSince(opts.since) : undefined,
        ruleId: opts.rule,
        account: opts.account,
      };
      const store = HistoryStore.open(resolveDbPath(opts.db));
      try {
        const out = opts.html ?? opts.out ?? (format === 'html' ? DEFAULT_HTML_REPORT : undefined);
        if (!out) {
          process.stdout.write(renderReport(buildReport(store, options), format, section));
          return;
        }
        const path = writeReport(store, { ...options, format: opts.html ? 'html' : format, out, section });
        process.stdout.write(`Report written to ${path}\n`);
      } finally {
        store.close();
      }
    });
}

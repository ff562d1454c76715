import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../../shared/errors';
import type { AnyRule } from '../../../shared/rule';
import { parseSince } from '../../history/format';
import {
  buildReport,
  CSV_SECTIONS,
  type CsvSection,
  type ReportFormat,
  renderReport,
} from '../../history/report';
import type { RuleCatalogEntry } from '../../history/report-data';
import { ensureIgnoredDir } from '../../output-dir';
import { displayPath, readHistory } from '../open-history';

export interface ReportCommandOptions {
  html?: string;
  format?: string;
  out?: string;
  section?: string;
  control?: string;
  since?: string;
  rule?: string;
  account?: string;
  db?: string;
}

/**
 * Where reports go when `--out` does not say: a folder of its own, with a `.gitignore` that ignores everything in it,
 * so a report (account ids, resource names) is never committed by accident from whatever repository it is run in.
 */
export const DEFAULT_REPORT_DIR = 'rebaseline-reports';

/** `rebaseline-reports/report-2026-03-02T09-00-00Z.html`: a new file per run, so earlier evidence is kept. */
export function defaultReportPath(format: ReportFormat, now = new Date(), dir = DEFAULT_REPORT_DIR): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  return join(dir, `report-${stamp}.${format}`);
}

/** The rules' metadata the report shows (severity, title, controls), from the registry. */
export function catalogOf(rules: readonly AnyRule[]): RuleCatalogEntry[] {
  return rules.map((r) => ({
    id: r.meta.id,
    title: r.meta.title,
    severity: r.meta.severity,
    controls: r.meta.controls,
    remediation: r.meta.remediation,
  }));
}

export function registerReport(program: Command, rules: readonly AnyRule[]): void {
  program
    .command('report')
    .description(
      'Compliance report: one self-contained HTML page for people and auditors, or JSON / CSV for evidence packs.',
    )
    .option('--format <format>', 'html, json or csv', 'html')
    .option(
      '--out <file>',
      `where to write it (html default: ${DEFAULT_REPORT_DIR}/report-<time>.html; json and csv print to stdout without it)`,
    )
    .option('--html <file>', 'same as --format html --out <file>')
    .option('--section <name>', `with --format csv: ${CSV_SECTIONS.join(', ')} (default episodes)`)
    .option(
      '--control <framework:id>',
      'evidence of one control: with --format json its evidence document, with --section evidence its rows',
    )
    .option('--since <when>', 'the period: since a date (2026-01-31) or an age (90d); default all history')
    .option('--rule <rule-id>', 'only this rule')
    .option('--account <account-id>', 'only this account')
    .option('--db <file>', 'history database (default $REBASELINE_DB or ~/.rebaseline/history.db)')
    .addHelpText(
      'after',
      `\nExamples:\n  rebaseline report                                   # ${DEFAULT_REPORT_DIR}/report-<time>.html\n  rebaseline report --since 90d --out q3.html\n  rebaseline report --format csv --section evidence --control cis-aws-foundations-3.0:5.2 --out cis-5.2.csv\n  rebaseline report --format json --control aws-fsbp:S3.2`,
    )
    .action((opts: ReportCommandOptions) => {
      const format = (opts.html ? 'html' : opts.format) as ReportFormat;
      if (!['html', 'json', 'csv'].includes(format))
        throw new UsageError(`--format must be html, json or csv, not ${opts.format}.`);
      if (opts.html && opts.format !== 'html')
        throw new UsageError(
          '--html writes the HTML report; use --format json|csv with --out for the others.',
        );
      if (opts.html && opts.out) throw new UsageError('Give --html <file> or --out <file>, not both.');
      if (opts.section !== undefined && format !== 'csv')
        throw new UsageError(
          `--section chooses a CSV section: add --format csv (the ${format} report has them all).`,
        );
      const section = (opts.section ?? 'episodes') as CsvSection;
      if (!CSV_SECTIONS.includes(section))
        throw new UsageError(`--section must be one of ${CSV_SECTIONS.join(', ')}, not ${opts.section}.`);
      if (opts.control !== undefined && format === 'html')
        throw new UsageError(
          '--control selects evidence: use --format json, or --format csv --section evidence (the HTML report has every control).',
        );
      if (opts.control !== undefined && format === 'csv' && section !== 'evidence')
        throw new UsageError('--control with --format csv needs --section evidence.');
      const since = opts.since ? parseSince(opts.since) : undefined;
      readHistory(opts.db, (store) => {
        const data = buildReport(store, {
          since,
          ruleId: opts.rule,
          account: opts.account,
          catalog: catalogOf(rules),
        });
        const text = renderReport(data, format, { section, control: opts.control });
        const out = opts.html ?? opts.out ?? (format === 'html' ? defaultReportPath('html') : undefined);
        if (!out) {
          process.stdout.write(text);
          return;
        }
        if (!opts.html && !opts.out) ensureIgnoredDir(DEFAULT_REPORT_DIR);
        const path = resolve(out);
        mkdirSync(resolve(path, '..'), { recursive: true });
        writeFileSync(path, text);
        process.stdout.write(`Report written to ${displayPath(path)}\n`);
      });
    });
}

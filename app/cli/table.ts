import Table from 'cli-table3';

/** Borders without a rule between rows: tables of many resources stay readable in a terminal. */
const COMPACT = {
  mid: '',
  'left-mid': '',
  'mid-mid': '',
  'right-mid': '',
};

/**
 * A terminal table in the CLI's one style (no colours, so output can be piped or saved as evidence).
 * @example
 * const t = table(['Rule', 'Verdict'], [40, 15]); t.push(['r', 'COMPLIANT']); t.toString();
 */
export function table(head: string[], colWidths: number[]): InstanceType<typeof Table> {
  return new Table({ head, colWidths, wordWrap: true, chars: COMPACT, style: { head: [], border: [] } });
}

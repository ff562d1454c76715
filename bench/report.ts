import { type ApiCallsResult, apiCallsMarkdown } from './api-calls';
import type { ColdStartResult } from './cold-start';
import type { Rate, StreamedResult } from './streamed';
import type { ThroughputResult } from './throughput';
import type { TimeToRemediateResult } from './time-to-remediate';

/** A section that could not run says why instead of showing numbers. */
export interface NotAvailable {
  notAvailable: string;
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
  date: string;
  /** 1-minute load average when the run started and ended (a shared machine shows here). */
  loadAverage: { start: number; end?: number };
}

/** Everything `npm run bench` measured: `bench/results.json`. */
export interface BenchResults {
  machine: Machine;
  /** Seed of the generated items (absent when the items came from a file). */
  seed?: number;
  command: string;
  durationSeconds?: number;
  throughput?:
    | { cases: ThroughputResult[]; streamed?: StreamedResult[]; generationSeconds: number; notes: string[] }
    | NotAvailable;
  coldStart?: ColdStartResult | NotAvailable;
  apiCalls?: ApiCallsResult | NotAvailable;
  timeToRemediate?: TimeToRemediateResult | NotAvailable;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? `${int(n)} ms` : `${n.toFixed(1)} ms`);
const mb = (n: number) => `${int(n)} MB`;
const kb = (bytes: number) => `${int(bytes / 1024)} KB`;
const seconds = (s: number) => `${s.toFixed(1)} s`;
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

function isNotAvailable(x: unknown): x is NotAvailable {
  return typeof x === 'object' && x !== null && 'notAvailable' in x;
}

/** `service:Operation` counts as `s3:GetBucketAcl 1, ec2:Other 0.8`, largest first. */
function calls(byOperation: Record<string, number> | undefined, digits = 2): string {
  return Object.entries(byOperation ?? {})
    .sort(([, a], [, b]) => b - a)
    .map(([op, n]) => `${op} ${Number.isInteger(n) ? n : n.toFixed(digits)}`)
    .join(', ');
}

const rate = (r: Rate) => `${int(r.perCpuSecond)} ±${r.rme.toFixed(0)} % (wall ${int(r.perWallSecond)})`;

/** The streamed cases: parsed item → verdict, and the handler beside the JSON.parse floor, per rule and count. */
function streamedTable(streamed: readonly StreamedResult[]): string[] {
  const rules = [...new Set(streamed.map((s) => s.ruleId))];
  const lines = [
    '#### Streamed, per CPU second (one core): parsed item → verdict, and the handler with Config’s `send` stubbed',
    '',
    '| Rule | Items (distinct) | Parsed item → verdict: items/s | Peak RSS / heap | Handler: invocations/s | JSON.parse floor: events/s | Handler ÷ floor | Peak RSS / heap | AWS calls per invocation |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const ruleId of rules)
    for (const n of [...new Set(streamed.filter((s) => s.ruleId === ruleId).map((s) => s.items))].sort(
      (a, b) => a - b,
    )) {
      const item = streamed.find((s) => s.ruleId === ruleId && s.items === n && s.mode === 'item');
      const handler = streamed.find((s) => s.ruleId === ruleId && s.items === n && s.mode === 'handler');
      const any = (item ?? handler) as StreamedResult;
      lines.push(
        `| ${ruleId} | ${int(n)} (${int(any.distinct)}) | ${item ? rate(item) : '–'} | ${
          item ? `${mb(item.peakRssMb)} / ${mb(item.peakHeapMb)}` : '–'
        } | ${handler ? rate(handler) : '–'} | ${handler?.floor ? rate(handler.floor) : '–'} | ${
          handler?.floor ? `${((handler.perCpuSecond / handler.floor.perCpuSecond) * 100).toFixed(0)} %` : '–'
        } | ${handler ? `${mb(handler.peakRssMb)} / ${mb(handler.peakHeapMb)}` : '–'} | ${
          handler ? calls(handler.callsPerInvocation) : '–'
        } |`,
      );
    }
  const troubles = streamed.filter((s) => s.errors > 0);
  for (const s of troubles)
    lines.push(
      '',
      `- ${s.ruleId} ${s.mode} (${int(s.items)}): ${s.errors} failed${s.firstError ? ` (${s.firstError})` : ''}.`,
    );
  return [...lines, ''];
}

function throughputSection(t: NonNullable<BenchResults['throughput']>): string[] {
  const lines = ['### 1. Evaluator throughput (one core)', ''];
  if (isNotAvailable(t)) return [...lines, `Not available: ${t.notAvailable}`, ''];
  if (t.streamed?.length) lines.push(...streamedTable(t.streamed), '#### Held models and the SDK path', '');
  lines.push(
    '| Rule | Items | Pure evaluator: evals/s | Pure: peak RSS / heap | Lambda path: evals/s | Lambda: p50 / p99 per invocation | Lambda: invocations timed | Lambda: peak RSS / heap | AWS calls per invocation |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  const key = (r: ThroughputResult) => `${r.ruleId}|${r.items}|${r.reuseClients ? 'reuse' : ''}`;
  const rows = new Map<string, { pure?: ThroughputResult; lambda?: ThroughputResult }>();
  for (const r of t.cases) {
    const row = rows.get(key(r)) ?? {};
    row[r.mode] = r;
    rows.set(key(r), row);
  }
  for (const { pure, lambda } of rows.values()) {
    const any = (pure ?? lambda) as ThroughputResult;
    const name = any.reuseClients ? `${any.ruleId} (SDK clients reused across invocations)` : any.ruleId;
    lines.push(
      `| ${name} | ${int(any.items)} | ${
        pure ? `${int(pure.evaluationsPerSecond)} ±${pure.rme.toFixed(0)} %` : '–'
      } | ${pure ? `${mb(pure.peakRssMb)} / ${mb(pure.peakHeapMb)}` : '–'} | ${
        lambda ? `${int(lambda.evaluationsPerSecond)} ±${lambda.rme.toFixed(0)} %` : '–'
      } | ${lambda ? `${ms(lambda.latencyMs.p50)} / ${ms(lambda.latencyMs.p99)}` : '–'} | ${
        lambda ? int(lambda.evaluated) : '–'
      } | ${lambda ? `${mb(lambda.peakRssMb)} / ${mb(lambda.peakHeapMb)}` : '–'} | ${lambda ? calls(lambda.callsPerInvocation) : '–'} |`,
    );
  }
  const troubles = t.cases.filter((r) => r.skipped > 0 || r.errors > 0);
  for (const r of troubles)
    lines.push(
      '',
      `- ${r.ruleId} ${r.mode} (${int(r.items)} items): ${r.skipped} skipped${r.skippedReason ? ` (${r.skippedReason})` : ''}, ${r.errors} failed invocations${r.firstError ? ` (${r.firstError})` : ''}.`,
    );
  lines.push('', ...t.notes.map((n) => `- ${n}`), '');
  return lines;
}

function coldStartSection(c: NonNullable<BenchResults['coldStart']>): string[] {
  const lines = ['### 2. Lambda cold start (packaged with `osls package`)', ''];
  if (isNotAvailable(c)) return [...lines, `Not available: ${c.notAvailable}`, ''];
  lines.push(
    `Module initialisation = \`node -e "require(bundle)"\` − \`node -e 0\` (${ms(c.baselineMs)}), median of ${c.runs} runs; packaging took ${seconds(c.packagingSeconds)}.`,
    '',
    '| Function | Zip | Budget | vs budget | Bundle (unzipped) | Init | Largest packages in the bundle |',
    '|---|---:|---:|---:|---:|---:|---|',
  );
  for (const f of c.functions)
    lines.push(
      `| ${f.name} | ${kb(f.zipBytes)} | ${f.budgetBytes ? kb(f.budgetBytes) : '–'} | ${
        f.overBudget === undefined
          ? '–'
          : `${pct(f.overBudget)}${f.withinTolerance ? '' : ' **over tolerance**'}`
      } | ${kb(f.bundleBytes)} | ${ms(f.initMs)} | ${f.topPackages
        .map((p) => `${p.name} ${Math.round((p.bytes / f.bundleBytes) * 100)} %`)
        .join(', ')} |`,
    );
  lines.push('', ...c.notes.map((n) => `- ${n}`), '');
  return lines;
}

function apiCallsSection(a: NonNullable<BenchResults['apiCalls']>): string[] {
  const lines = [
    '### 3. API calls per resource (`scan` of every rule against moto_server, from each source)',
    '',
  ];
  if (isNotAvailable(a)) return [...lines, `Not available: ${a.notAvailable}`, ''];
  return [...lines, ...apiCallsMarkdown(a)];
}

function remediateSection(r: NonNullable<BenchResults['timeToRemediate']>): string[] {
  const lines = ['### 4. Time to remediate (demo scenario on moto_server)', ''];
  if (isNotAvailable(r)) return [...lines, `Not available: ${r.notAvailable}`, ''];
  lines.push(
    `Median over ${r.runs} runs (scan of the account: ${ms(r.medianScanMs)} median).`,
    '',
    '| Remediation | Resources remediated | Time to remediate (NON_COMPLIANT scan → verified COMPLIANT) | Own run (document start → verified) | Not verified |',
    '|---|---:|---:|---:|---:|',
  );
  for (const x of r.remediations)
    lines.push(
      `| ${x.remediationId} | ${x.samples} | ${Number.isNaN(x.medianTimeToRemediateMs) ? '–' : ms(x.medianTimeToRemediateMs)} | ${
        Number.isNaN(x.medianOwnMs) ? '–' : ms(x.medianOwnMs)
      } | ${x.notVerified} |`,
    );
  lines.push('', ...r.notes.map((n) => `- ${n}`), '');
  return lines;
}

/**
 * The results as Markdown: the machine, then one table per section (a section that could not run says why).
 * @example
 * process.stdout.write(renderMarkdown(results));
 */
export function renderMarkdown(results: BenchResults): string {
  const sections = renderSections(results);
  const lines = [`## rebaseline benchmark, ${results.machine.date}`, '', sections.machine, ''];
  if (results.throughput) lines.push(...throughputSection(results.throughput));
  if (results.coldStart) lines.push(...coldStartSection(results.coldStart));
  if (results.apiCalls) lines.push(...apiCallsSection(results.apiCalls));
  if (results.timeToRemediate) lines.push(...remediateSection(results.timeToRemediate));
  return `${lines.join('\n')}\n`;
}

/** The parts of the results `bench/performance.md` places (`<!-- bench:<name> -->`) to make docs/performance.md. */
export const SECTION_NAMES = [
  'machine',
  'throughput',
  'cold-start',
  'api-calls',
  'time-to-remediate',
] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

/**
 * Each part of the results as Markdown: the machine line, and each section's table (or why it could not run; a
 * section the run left out says so).
 * @example
 * renderSections(results)['time-to-remediate'] // → "### 4. Time to remediate …"
 */
export function renderSections(results: BenchResults): Record<SectionName, string> {
  const m = results.machine;
  const machine = `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB; Node ${m.node} (${m.platform}). Load average ${m.loadAverage.start.toFixed(1)} at the start${
    m.loadAverage.end === undefined ? '' : `, ${m.loadAverage.end.toFixed(1)} at the end`
  }${
    Math.max(m.loadAverage.start, m.loadAverage.end ?? 0) > m.cores
      ? ' (above the core count: other processes were competing for the CPU, so times are longer than on an idle machine)'
      : ''
  }.${results.seed === undefined ? '' : ` Seed ${results.seed}.`}${
    results.durationSeconds === undefined ? '' : ` The whole run took ${seconds(results.durationSeconds)}.`
  } Command: \`${results.command}\`.`;
  const part = <T>(value: T | undefined, render: (v: T) => string[], name: string) =>
    (value === undefined ? [`Not measured in this run (\`--sections\` left out ${name}).`] : render(value))
      .join('\n')
      .trim();
  return {
    machine,
    throughput: part(results.throughput, throughputSection, 'throughput'),
    'cold-start': part(results.coldStart, coldStartSection, 'cold-start'),
    'api-calls': part(results.apiCalls, apiCallsSection, 'api-calls'),
    'time-to-remediate': part(results.timeToRemediate, remediateSection, 'remediate'),
  };
}

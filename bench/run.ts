import './env';
import { AssertionError } from 'node:assert';
import { fork } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { RULES } from '../rules';
import type { EvaluationSnapshot } from '../shared/collectors/snapshot-reader';
import { measureApiCalls } from './api-calls';
import { measureColdStart } from './cold-start';
import { generatorOf, itemStream } from './generate';
import { bundleAsDeployed } from './lambda-build';
import { type BenchResults, type Machine, renderMarkdown } from './report';
import type { StreamedResult } from './streamed';
import type { AnyThroughputCase, ThroughputCase, ThroughputResult } from './throughput';
import { measureTimeToRemediate } from './time-to-remediate';

/**
 * `npm run bench`: evaluator throughput, Lambda cold start, API calls per resource and time to remediate, written to
 * `bench/results.json` and printed as Markdown. See the README's "Performance" section for what bounds each figure.
 */

const SECTIONS = ['throughput', 'cold-start', 'api-calls', 'remediate'] as const;
type Section = (typeof SECTIONS)[number];

interface Options {
  seed: number;
  sizes: number[];
  itemSizes: number[];
  handlerSizes: number[];
  rules?: string[];
  sections: Section[];
  lambdaBudgetMs: number;
  apiSizes: number[];
  budgetSeconds: number;
  cis?: string;
  rule?: string;
  context?: string;
  params?: string;
  writeCis?: string;
  n: number;
  out?: string;
}

const t0 = Date.now();
const log = (line: string) =>
  process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

const integer = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number.');
  return n;
};
const integers = (value: string) => value.split(',').map((v) => integer(v.trim()));
const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

function machine(): Machine {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${platform()} ${release()}`,
    date: new Date().toISOString(),
    loadAverage: { start: loadavg()[0] ?? 0 },
  };
}

/**
 * Runs one throughput case in a fresh Node process (`--expose-gc`), from `bench/throughput.ts` bundled the way the
 * Lambdas are (serverless.yml's esbuild options: lambda-build.ts), so what is timed is the code as deployed; its
 * result comes back over IPC.
 */
function runChild<R = ThroughputResult>(bundle: string, c: AnyThroughputCase, timeoutMs: number): Promise<R> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(bundle, [], {
      execArgv: ['--expose-gc'],
      // The rule Lambdas log one line per invocation; it is written (that is part of their cost) but not kept.
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { ...process.env, LOG_LEVEL: 'info', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let settled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      if (!settled) reject(new Error(`timed out after ${timeoutMs / 1000} s`));
      settled = true;
    }, timeoutMs);
    child.on('message', (message: { result?: R; error?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (message.result) resolvePromise(message.result);
      else reject(new Error(message.error ?? 'the case failed'));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!settled)
        reject(new Error(`the case process exited (${signal ?? `code ${code}`}) without a result`));
      settled = true;
    });
    child.send(c);
  });
}

/** Writes generated items as JSONL; `prefixes` also get their own file holding the first `k` items. */
function writeItems(ruleId: string, seed: number, files: { path: string; n: number }[]): void {
  const max = Math.max(...files.map((f) => f.n));
  const fds = files.map((f) => ({ ...f, fd: openSync(f.path, 'w') }));
  try {
    let i = 0;
    for (const item of itemStream(ruleId, max, seed)) {
      const line = `${JSON.stringify(item)}\n`;
      for (const f of fds) if (i < f.n) writeSync(f.fd, line);
      i++;
    }
  } finally {
    for (const f of fds) closeSync(f.fd);
  }
}

/** Passes over every item for the pure evaluator: enough samples at 10⁴, a few at 10⁵ (each pass is 10⁵ items). */
function pureIterations(n: number): Pick<ThroughputCase, 'iterations' | 'timeMs' | 'warmupIterations'> {
  return n <= 20_000
    ? { iterations: 20, timeMs: 0, warmupIterations: 3 }
    : { iterations: 5, timeMs: 0, warmupIterations: 1 };
}

/** Lambda-path invocations: time-boxed (every invocation is independent), or one full pass when the budget is 0. */
function lambdaIterations(
  n: number,
  budgetMs: number,
): Pick<ThroughputCase, 'iterations' | 'timeMs' | 'warmupIterations'> {
  return budgetMs > 0
    ? { iterations: 1, timeMs: budgetMs, warmupIterations: Math.min(n, 200) }
    : { iterations: n, timeMs: 0, warmupIterations: Math.min(n, 200) };
}

/** Longest a streamed handler case beyond the smallest size may be expected to take. */
const STREAMED_HANDLER_MAX_SECONDS = 20;

/** Shortest Lambda-path time box when the run is behind its schedule. */
const MIN_LAMBDA_BUDGET_MS = 1000;

async function throughputSection(
  o: Options,
  deadline: number,
): Promise<NonNullable<BenchResults['throughput']>> {
  const dir = mkdtempSync(join(tmpdir(), 'rebaseline-bench-items-'));
  const cases: ThroughputResult[] = [];
  const streamed: StreamedResult[] = [];
  const adjustments: string[] = [];
  log('throughput: bundling the cases as the Lambdas are bundled…');
  const bundle = await bundleAsDeployed(join(__dirname, 'throughput.ts'));
  let generationSeconds = 0;
  let lambdaBudgetMs = o.lambdaBudgetMs;
  const sectionStarted = Date.now();
  try {
    const ruleIds = o.rules ?? RULES.map((r) => r.meta.id);
    for (const [index, ruleId] of ruleIds.entries()) {
      generatorOf(ruleId);
      // Behind schedule (a busy machine): shorter Lambda-path time boxes for the remaining rules, said in the notes.
      const due = sectionStarted + ((deadline - sectionStarted) * index) / ruleIds.length;
      if (Date.now() > due && lambdaBudgetMs > MIN_LAMBDA_BUDGET_MS && lambdaBudgetMs !== 0) {
        lambdaBudgetMs = MIN_LAMBDA_BUDGET_MS;
        adjustments.push(
          `The run was behind its time budget, so the Lambda-path cases from ${ruleId} on ran for ${MIN_LAMBDA_BUDGET_MS / 1000} s instead of ${o.lambdaBudgetMs / 1000} s.`,
        );
      }
      const files = o.sizes.map((n) => ({ n, path: join(dir, `${ruleId}.${n}.jsonl`) }));
      log(`throughput: generating ${o.sizes.join(', ')} items for ${ruleId} (seed ${o.seed})…`);
      const started = performance.now();
      writeItems(ruleId, o.seed, files);
      generationSeconds += (performance.now() - started) / 1000;
      for (const { n, path } of files) {
        for (const mode of ['pure', 'lambda'] as const) {
          log(`throughput: ${ruleId} ${mode} ${n.toLocaleString('en-US')} items…`);
          const iterations = mode === 'pure' ? pureIterations(n) : lambdaIterations(n, lambdaBudgetMs);
          cases.push(await runChild(bundle, { ruleId, mode, cisFile: path, ...iterations }, 240_000));
        }
        // What the deployed handler would gain by keeping its SDK clients between invocations (one rule, one size).
        if (ruleId === 'ec2-security-group-no-public-ingress' && n === Math.min(...o.sizes)) {
          log(`throughput: ${ruleId} lambda, SDK clients reused…`);
          cases.push(
            await runChild(
              bundle,
              {
                ruleId,
                mode: 'lambda',
                cisFile: path,
                reuseClients: true,
                ...lambdaIterations(n, lambdaBudgetMs),
              },
              240_000,
            ),
          );
        }
        rmSync(path, { force: true });
      }
      // A slow handler (one that reads its account through the SDK on every invocation, ~1–3k invocations/s) streams
      // beyond its smallest size only what it gets through in STREAMED_HANDLER_MAX_SECONDS at the rate the smallest
      // measured: invocations are independent, so a longer stream changes only the run time (the item case gives
      // the 10⁴ → 10⁶ curve).
      const handlerRate = () =>
        streamed.find((x) => x.ruleId === ruleId && x.mode === 'handler')?.perWallSecond ??
        Number.POSITIVE_INFINITY;
      const skipped: number[] = [];
      for (const [mode, sizes] of [
        ['item', o.itemSizes],
        ['handler', o.handlerSizes],
      ] as const)
        for (const n of sizes) {
          if (
            mode === 'handler' &&
            n > Math.min(...sizes) &&
            n / handlerRate() > STREAMED_HANDLER_MAX_SECONDS
          ) {
            skipped.push(n);
            continue;
          }
          log(`throughput: ${ruleId} ${mode}, ${n.toLocaleString('en-US')} items streamed…`);
          streamed.push(await runChild<StreamedResult>(bundle, { ruleId, mode, n, seed: o.seed }, 600_000));
        }
      if (skipped.length > 0)
        adjustments.push(
          `${ruleId}: the handler was not streamed ${skipped.map((n) => n.toLocaleString('en-US')).join(', ')} times: at the rate of its smallest stream (${Math.round(handlerRate()).toLocaleString('en-US')} invocations/s, wall clock) that takes over ${STREAMED_HANDLER_MAX_SECONDS} s, and invocations are independent, so the rate would be the same.`,
        );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dirname(bundle), { recursive: true, force: true });
  }
  return {
    cases,
    streamed,
    generationSeconds,
    notes: [
      `Items from the seeded generator (bench/generate.ts, seed ${o.seed}), written as JSONL and streamed into a fresh Node process per case, so each case's memory is its own. Peak RSS / heap: the highest resident set size and V8 heap used, sampled while evaluating; they include what the case holds (the models for the pure path, the event texts for the Lambda path), which is why they grow with the item count. results.json also has each process's lifetime maxRSS (loading included).`,
      'Pure evaluator: the rule’s evaluate() over models already built from the items; one tinybench sample is one pass over every item, so evals/s = items ÷ mean pass time (± is the 95 % margin of error of that mean).',
      `Lambda path: the event as JSON text → JSON.parse (as the Lambda runtime does) → the rule’s handler (event and parameter parsing, collectors, context reads, evaluation, PutEvaluations) through the real SDK clients, with only the HTTP round trip answered in memory. One sample is one invocation (one item); ${
        o.lambdaBudgetMs > 0
          ? `each case runs for ${o.lambdaBudgetMs / 1000} s after 200 warm-up invocations (invocations are independent, so the rate does not depend on how many items are loaded; the item count changes only the memory held)`
          : 'each case runs one full pass over every item after 200 warm-up invocations'
      }. The handler logs one JSON line per invocation, as deployed.`,
      'The change-triggered rules (security group, bucket, account BPA) get one configuration item per invocation; the periodic rules (root keys, CloudTrail, GuardDuty, VPC flow logs) get one ScheduledNotification per account, their credential report, trail set, detectors or VPC and flow logs answered by the in-memory AWS.',
      ...adjustments,
    ],
  };
}

async function section<T>(name: string, run: () => Promise<T>): Promise<T | { notAvailable: string }> {
  try {
    return await run();
  } catch (error) {
    // A failed assertion (PutEvaluations batching) fails the whole run loudly instead of becoming "not available".
    if (error instanceof AssertionError) throw error;
    const message = (error as Error).message ?? String(error);
    log(`${name}: not available: ${message}`);
    return { notAvailable: message.split('\n')[0] as string };
  }
}

async function fullRun(o: Options, command: string): Promise<BenchResults> {
  const started = Date.now();
  const deadline = started + o.budgetSeconds * 1000;
  const results: BenchResults = { machine: machine(), seed: o.seed, command };
  const want = (s: Section) => o.sections.includes(s);
  // The throughput section gets half of the budget; past its schedule it shortens its Lambda-path time boxes.
  if (want('throughput'))
    results.throughput = await section('throughput', () =>
      throughputSection(o, started + (o.budgetSeconds * 1000) / 2),
    );
  if (want('cold-start')) {
    // Ten runs take about a minute here; with less than two minutes left, five (and the notes say so).
    const runs = deadline - Date.now() < 120_000 ? 5 : 10;
    results.coldStart = await section('cold start', async () => {
      const result = await measureColdStart({ runs, log });
      if (runs < 10)
        result.notes.push(
          'Median of 5 runs instead of 10: the run was behind its time budget (a busy machine).',
        );
      return result;
    });
  }
  if (want('remediate'))
    results.timeToRemediate = await section('time to remediate', () =>
      measureTimeToRemediate({ runs: 5, log }),
    );
  // Last, so that it can cap its largest size to the time that is left.
  if (want('api-calls'))
    results.apiCalls = await section('api calls', () =>
      measureApiCalls({ sizes: o.apiSizes, seed: o.seed, deadline, log }),
    );
  results.durationSeconds = (Date.now() - started) / 1000;
  results.machine.loadAverage.end = loadavg()[0] ?? 0;
  return results;
}

/** `--cis`: external configuration items (or contexts, for the periodic rules) through one rule, both paths. */
async function cisRun(o: Options, command: string): Promise<BenchResults> {
  if (!o.rule) throw new InvalidArgumentError('--cis needs --rule <rule-id>.');
  const cisFile = resolve(o.cis as string);
  const context = o.context ? (JSON.parse(readFileSync(o.context, 'utf8')) as EvaluationSnapshot) : undefined;
  const parameters = o.params ? (JSON.parse(o.params) as Record<string, string>) : undefined;
  const n = readFileSync(cisFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '').length;
  const started = Date.now();
  const cases: ThroughputResult[] = [];
  const streamed: StreamedResult[] = [];
  const bundle = await bundleAsDeployed(join(__dirname, 'throughput.ts'));
  for (const mode of ['item', 'handler'] as const) {
    log(`${o.rule} ${mode}: ${n} items from ${cisFile}, streamed…`);
    streamed.push(
      await runChild<StreamedResult>(
        bundle,
        {
          ruleId: o.rule,
          mode,
          n,
          cisFile,
          ...(context ? { context } : {}),
          ...(parameters ? { parameters } : {}),
        },
        600_000,
      ),
    );
  }
  for (const mode of ['pure', 'lambda'] as const) {
    log(`${o.rule} ${mode}: ${n} items from ${cisFile}…`);
    const iterations = mode === 'pure' ? pureIterations(n) : lambdaIterations(n, o.lambdaBudgetMs);
    cases.push(
      await runChild(
        bundle,
        {
          ruleId: o.rule,
          mode,
          cisFile,
          ...(context ? { context } : {}),
          ...(parameters ? { parameters } : {}),
          ...iterations,
        },
        600_000,
      ),
    );
  }
  const results: BenchResults = {
    machine: machine(),
    command,
    throughput: {
      cases,
      streamed,
      generationSeconds: 0,
      notes: [
        `Items from ${cisFile}: one configuration item per line (Config's camelCase form), or, for the periodic rules, one evaluation context per line (the CLI's --context shape).`,
      ],
    },
    durationSeconds: (Date.now() - started) / 1000,
  };
  rmSync(dirname(bundle), { recursive: true, force: true });
  results.machine.loadAverage.end = loadavg()[0] ?? 0;
  return results;
}

export function buildBenchProgram(): Command {
  return new Command('bench')
    .description(
      'rebaseline benchmarks: evaluator throughput, cold start, API calls per resource, time to remediate.',
    )
    .option('--seed <n>', 'seed of the generated items', integer, 1)
    .option('--sizes <list>', 'item counts of the held-model and SDK cases', integers, [10_000, 100_000])
    .option(
      '--item-sizes <list>',
      'item counts streamed from the parsed item to the verdict',
      integers,
      [10_000, 1_000_000],
    )
    .option('--handler-sizes <list>', 'item counts streamed through the handler', integers, [10_000, 100_000])
    .option('--rules <ids>', 'rules of the throughput section (default: every rule)', list)
    .option('--sections <list>', `sections to run: ${SECTIONS.join(', ')}`, list, [...SECTIONS])
    .option(
      '--lambda-budget-ms <ms>',
      'time per Lambda-path case (0: one full pass over every item)',
      integer,
      2000,
    )
    .option(
      '--api-sizes <list>',
      'N (security groups and buckets) of the API-call section',
      integers,
      [10, 100, 1000],
    )
    .option(
      '--budget-seconds <s>',
      'time budget of the whole run; the API-call section is capped to fit',
      integer,
      900,
    )
    .option('--cis <file>', 'run configuration items from a JSONL file through --rule (both paths)')
    .option('--rule <id>', 'rule for --cis / --write-cis')
    .option('--context <file>', 'with --cis: evaluation context JSON (accountPublicAccessBlock, prefixLists)')
    .option('--params <json>', "with --cis: rule parameters in Config's string form")
    .option('--write-cis <file>', 'write generated configuration items (or contexts) as JSONL and exit')
    .option('--n <n>', 'with --write-cis: how many items', integer, 10_000)
    .option(
      '--out <file>',
      'results JSON (default bench/results.json for a full run; not written for --cis unless given)',
    );
}

async function main(argv: string[]): Promise<void> {
  const program = buildBenchProgram();
  program.parse(argv, { from: 'user' });
  const o = program.opts<Options>();
  const command = ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' ');
  for (const s of o.sections)
    if (!SECTIONS.includes(s))
      throw new InvalidArgumentError(`Unknown section ${s}; sections: ${SECTIONS.join(', ')}.`);
  if (o.writeCis) {
    const ruleId = o.rule ?? 'ec2-security-group-no-public-ingress';
    writeItems(ruleId, o.seed, [{ path: o.writeCis, n: o.n }]);
    log(
      `wrote ${o.n} ${generatorOf(ruleId).kind === 'context' ? 'evaluation contexts' : 'configuration items'} for ${ruleId} (seed ${o.seed}) to ${o.writeCis}`,
    );
    return;
  }
  const results = o.cis ? await cisRun(o, command) : await fullRun(o, command);
  const out = o.out ?? (o.cis ? undefined : join(__dirname, 'results.json'));
  if (out) writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(renderMarkdown(results));
  if (out) log(`results written to ${out}`);
}

if (require.main === module)
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exitCode = 1;
  });

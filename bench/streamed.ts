import { Bench, type TimestampProvider } from 'tinybench';
import { ConfigService } from '../shared/aws/services/config';
import { type EvaluationSnapshot, SnapshotReader } from '../shared/collectors/snapshot-reader';
import { normaliseConfigurationItem } from '../shared/config/configuration-item';
import { createConfigRuleHandler } from '../shared/lambda/config-rule';
import { ruleParameters } from '../shared/params';
import type { AnyRule, ResourceModel, Scope, Verdict } from '../shared/rule';
import { InMemoryAccount, InMemoryClients } from './fake-aws';
import { BENCH_ACCOUNT, BENCH_NOW, BENCH_REGION, generatorOf } from './generate';

/**
 * The streamed throughput cases: as many items as asked (10⁴ to 10⁶) go through a rule, a chunk of 100 at a time,
 * each item freshly parsed from its JSON text and dropped after its verdict, so memory stays bounded whatever the
 * count. The texts come from a pool of distinct items (the first 10,000 of the seeded stream, or of a JSONL file),
 * cycled through.
 *
 * - `item`: the parsed item to the verdict — `normaliseConfigurationItem` → `fromConfigurationItem` → `evaluate` (the
 *   context, read once, beside it); for the periodic account-level rules the parsed evaluation context → `collect`
 *   (a snapshot reader) → `loadContext` → `evaluate`. Parsing the chunk is not timed.
 * - `handler`: the event's JSON text → `JSON.parse` (as the Lambda runtime does) → the rule's handler, with the
 *   Config client's `send` answering PutEvaluations in memory and every other read going through the real SDK
 *   clients to the in-memory account. Beside it, timed on the same texts, the floor: `JSON.parse` of the event and
 *   of its `invokingEvent`, which no handler can avoid.
 *
 * Times are CPU time of the process (`process.cpuUsage`): what one core spends, which a shared machine disturbs far
 * less than the wall clock (the wall-clock rate is reported beside it).
 */

export const POOL = 10_000;
export const CHUNK = 100;
/** Items whose models the item case's context is loaded for. */
const CONTEXT_SAMPLE = 200;

export interface StreamedCase {
  ruleId: string;
  mode: 'item' | 'handler';
  /** Items streamed through the rule. */
  n: number;
  /** The distinct items, as JSON texts (items or Lambda events) and, for periodic rules, their snapshots. */
  texts: string[];
  snapshots?: EvaluationSnapshot[];
  parameters: Record<string, string>;
  context: EvaluationSnapshot;
}

export interface Rate {
  /** Items per CPU second (one core). */
  perCpuSecond: number;
  /** Items per wall-clock second. */
  perWallSecond: number;
  /** Relative margin of error of the mean chunk time (95 %), in percent. */
  rme: number;
}

export interface StreamedResult extends Rate {
  ruleId: string;
  mode: 'item' | 'handler';
  items: number;
  distinct: number;
  /** `handler` only: `JSON.parse` of the same event texts. */
  floor?: Rate;
  verdicts: Record<string, number>;
  /** Items whose evaluation or invocation failed (counted in the timing). */
  errors: number;
  firstError?: string;
  /** Highest heap used / resident set size, sampled after every chunk. */
  peakHeapMb: number;
  peakRssMb: number;
  /** AWS calls per invocation by operation (`handler`), PutEvaluations included. */
  callsPerInvocation?: Record<string, number>;
}

const MB = 1024 * 1024;

/** CPU time of the process, in milliseconds. */
const cpuTime: TimestampProvider = {
  name: 'process.cpuUsage',
  fn: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
  fromMs: (ms) => ms,
  toMs: (value) => Number(value),
};

function scopeFor(accountId: string, region: string): Scope {
  return { accountId, region, partition: 'aws', now: BENCH_NOW };
}

/** The evaluation of one parsed item (or context), as the rule's model builders and evaluator do it. */
type Evaluate = (parsed: unknown) => Verdict | Promise<Verdict>;

async function itemEvaluator(rule: AnyRule, c: StreamedCase): Promise<Evaluate> {
  const params = ruleParameters(rule, c.parameters);
  if (generatorOf(rule.meta.id).kind === 'context' || !rule.fromConfigurationItem) {
    const scope = scopeFor(BENCH_ACCOUNT, BENCH_REGION);
    return async (parsed) => {
      const reader = new SnapshotReader(parsed as EvaluationSnapshot, scope.accountId, scope.region);
      const [model] = (await rule.collect?.(reader, scope, params)) ?? [];
      if (!model || model instanceof Error) throw model ?? new Error('the rule collected nothing');
      return rule.evaluate(model, params, await rule.loadContext(reader, [model], scope), scope);
    };
  }
  // The context (account-level BPA, prefix lists) is read once, as one invocation reads it for its resources, from
  // the models of a sample of the pool (every list the generator writes appears in it; an item needing one it lacks
  // is counted as an error). Not from every item: holding 10,000 models makes V8 allocate every later model in the
  // old generation (allocation-site pretenuring), and the timed loop would pay full garbage collections for it.
  const models: ResourceModel[] = [];
  const step = Math.max(1, Math.floor(c.texts.length / CONTEXT_SAMPLE));
  for (let i = 0; i < c.texts.length; i += step)
    try {
      models.push(rule.fromConfigurationItem(normaliseConfigurationItem(JSON.parse(c.texts[i] as string))));
    } catch {
      // An item that cannot be modelled is counted when it is evaluated.
    }
  const scope = scopeFor(BENCH_ACCOUNT, BENCH_REGION);
  const context = await rule.loadContext(
    new SnapshotReader(c.context, scope.accountId, scope.region),
    models,
    scope,
  );
  models.length = 0;
  const fromItem = rule.fromConfigurationItem;
  return (parsed) => {
    const ci = normaliseConfigurationItem(parsed);
    return rule.evaluate(fromItem(ci), params, context, scope);
  };
}

function handlerOf(rule: AnyRule, c: StreamedCase) {
  const account = new InMemoryAccount();
  account.snapshot = c.context;
  const clients = new InMemoryClients(account, { region: BENCH_REGION });
  const regional = new Map<string, InMemoryClients>();
  const clientsFor = (region: string) => {
    let aws = regional.get(region);
    if (!aws) {
      aws = region === BENCH_REGION ? clients : new InMemoryClients(account, { region });
      // The Config client answers PutEvaluations in memory, without the SDK's serialisation and signing.
      const config = aws.get(ConfigService) as unknown as { send: (command: unknown) => Promise<unknown> };
      config.send = async () => {
        account.count('config', 'PutEvaluations');
        return { FailedEvaluations: [] };
      };
      regional.set(region, aws);
    }
    return aws;
  };
  const handler = createConfigRuleHandler(rule, {
    clients: clientsFor,
    now: () => BENCH_NOW,
    putRetryDelayMs: 0,
  });
  return { handler, account };
}

/**
 * Runs one streamed case.
 * @example
 * await runStreamedCase(rule, { ruleId, mode: 'item', n: 1_000_000, texts, parameters, context: BENCH_CONTEXT });
 */
export async function runStreamedCase(rule: AnyRule, c: StreamedCase): Promise<StreamedResult> {
  const chunks = Math.max(1, Math.ceil(c.n / CHUNK));
  const verdicts: Record<string, number> = {};
  let errors = 0;
  let firstError: string | undefined;
  const failed = (error: unknown) => {
    errors++;
    firstError ??= (error as Error)?.message ?? String(error);
  };
  let peakHeap = 0;
  let peakRss = 0;
  let calls: Map<string, number> | undefined;
  let invocations = 0;
  const sample = () => {
    const { heapUsed, rss } = process.memoryUsage();
    if (heapUsed > peakHeap) peakHeap = heapUsed;
    if (rss > peakRss) peakRss = rss;
  };
  // The texts of chunk k: items k·CHUNK … (k+1)·CHUNK − 1 of the stream, cycling through the pool.
  let chunk = 0;
  const textAt = (i: number) => c.texts[i % c.texts.length] as string;
  const bench = new Bench({
    name: `${c.ruleId} ${c.mode}`,
    iterations: chunks,
    time: 0,
    warmup: true,
    warmupIterations: Math.min(3, chunks),
    warmupTime: 0,
    throws: true,
    timestampProvider: cpuTime,
  });
  const wall: Record<string, number> = {};
  const timed = (name: string, run: () => Promise<void> | void, before?: () => void) => {
    let started = 0;
    bench.add(name, run, {
      beforeAll(mode) {
        chunk = 0;
        if (mode !== 'run') return;
        started = performance.now();
        // Verdicts and errors of the timed run only (the warm-up's are dropped).
        if (name !== 'floor') {
          for (const k of Object.keys(verdicts)) delete verdicts[k];
          errors = 0;
        }
      },
      beforeEach: before,
      afterEach() {
        chunk++;
        sample();
      },
      afterAll(mode) {
        if (mode === 'run') wall[name] = performance.now() - started;
      },
    });
  };
  if (c.mode === 'item') {
    const evaluate = await itemEvaluator(rule, c);
    let parsed: unknown[] = [];
    timed(
      'item',
      async () => {
        for (const item of parsed)
          try {
            // Awaited only when the rule is asynchronous: a microtask per item is the harness's cost, not the rule's.
            const result = evaluate(item);
            const v = result instanceof Promise ? await result : result;
            verdicts[v.complianceType] = (verdicts[v.complianceType] ?? 0) + 1;
          } catch (error) {
            failed(error);
          }
      },
      () => {
        parsed = [];
        for (let i = chunk * CHUNK; i < Math.min((chunk + 1) * CHUNK, c.n); i++)
          parsed.push(JSON.parse(textAt(i)));
      },
    );
  } else {
    const { handler, account } = handlerOf(rule, c);
    calls = account.calls;
    timed('floor', () => {
      for (let i = chunk * CHUNK; i < Math.min((chunk + 1) * CHUNK, c.n); i++) {
        const event = JSON.parse(textAt(i)) as { invokingEvent: string };
        JSON.parse(event.invokingEvent);
      }
    });
    timed('handler', async () => {
      for (let i = chunk * CHUNK; i < Math.min((chunk + 1) * CHUNK, c.n); i++) {
        if (c.snapshots) account.snapshot = c.snapshots[i % c.snapshots.length] as EvaluationSnapshot;
        invocations++;
        try {
          const result = await handler(JSON.parse(textAt(i)));
          for (const k in result.byCompliance)
            verdicts[k] = (verdicts[k] ?? 0) + (result.byCompliance[k] ?? 0);
        } catch (error) {
          failed(error);
        }
      }
    });
  }
  await bench.run();
  const rate = (name: string): Rate => {
    const task = bench.tasks.find((t) => t.name === name);
    const result = task?.result;
    if (!result || !('latency' in result)) throw new Error(`tinybench did not complete ${c.ruleId} ${name}.`);
    return {
      perCpuSecond: c.n / chunks / (result.latency.mean / 1000),
      perWallSecond: c.n / ((wall[name] ?? Number.NaN) / 1000),
      rme: result.latency.rme,
    };
  };
  return {
    ruleId: c.ruleId,
    mode: c.mode,
    items: c.n,
    distinct: c.texts.length,
    ...rate(c.mode),
    ...(c.mode === 'handler' ? { floor: rate('floor') } : {}),
    verdicts,
    errors,
    ...(firstError ? { firstError } : {}),
    peakHeapMb: peakHeap / MB,
    peakRssMb: peakRss / MB,
    ...(calls
      ? { callsPerInvocation: Object.fromEntries([...calls].map(([k, v]) => [k, v / invocations])) }
      : {}),
  };
}

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Bench } from 'tinybench';
import { findRule } from '../rules';
import { type EvaluationSnapshot, SnapshotReader } from '../shared/collectors/snapshot-reader';
import { normaliseConfigurationItem } from '../shared/config/configuration-item';
import { createConfigRuleHandler } from '../shared/lambda/config-rule';
import { ruleParameters } from '../shared/params';
import type { AnyRule, ResourceModel, Scope } from '../shared/rule';
import { InMemoryAccount, InMemoryClients } from './fake-aws';
import { BENCH_ACCOUNT, BENCH_CONTEXT, BENCH_NOW, BENCH_REGION, generatorOf, itemStream } from './generate';
import { POOL, runStreamedCase, type StreamedResult } from './streamed';

/**
 * One throughput case, run in its own child process so that its peak memory is its own: either the pure evaluator
 * on already-parsed models, or the whole Lambda path (event JSON text → handler → evaluations → PutEvaluations
 * through the real SDK client, only the HTTP round trip answered in memory).
 */

export interface ThroughputCase {
  ruleId: string;
  mode: 'pure' | 'lambda';
  /** Generated items (`n`, `seed`) or a JSONL file of items. */
  n?: number;
  seed?: number;
  cisFile?: string;
  /** Evaluation context for the change-triggered rules (account BPA, prefix lists); defaults to BENCH_CONTEXT. */
  context?: EvaluationSnapshot;
  /** Rule parameters in Config's string form; default: the generator's. */
  parameters?: Record<string, string>;
  /**
   * Lambda path only: one client factory for every invocation instead of a new one per invocation (what the
   * deployed handler does today), to show what reusing SDK clients across warm invocations would save.
   */
  reuseClients?: boolean;
  /** Minimum task calls (passes for `pure`, invocations for `lambda`) and time budget, as tinybench takes them. */
  iterations: number;
  timeMs: number;
  warmupIterations: number;
}

export interface ThroughputResult {
  ruleId: string;
  mode: 'pure' | 'lambda';
  reuseClients?: boolean;
  /** Items loaded (and held in memory) for the case. */
  items: number;
  /** Items evaluated in the timed runs (a pass covers every item; the Lambda path may be time-boxed). */
  evaluated: number;
  /** Items the pure path could not model or evaluate (only external input has them); left out of the timing. */
  skipped: number;
  skippedReason?: string;
  /** Lambda invocations that failed (only external input has them); counted in the timing like any invocation. */
  errors: number;
  firstError?: string;
  evaluationsPerSecond: number;
  /** What one tinybench sample is: a pass over every item, or one Lambda invocation. */
  unit: 'pass' | 'invocation';
  latencyMs: { mean: number; p50: number; p99: number };
  /** Relative margin of error of the mean (95 %), in percent. */
  rme: number;
  samples: number;
  verdicts: Record<string, number>;
  /** Heap used by the prepared input (items, models or event texts) after a full GC. */
  inputHeapMb: number;
  /** Highest heap used seen while evaluating (sampled every 1,024 items). */
  peakHeapMb: number;
  /** Highest resident set size seen while evaluating (sampled with the heap): input, runtime and evaluation. */
  peakRssMb: number;
  /** The process's lifetime resident-set high-water mark (getrusage maxrss), loading the items included. */
  maxRssMb: number;
  /** AWS calls per invocation, by operation (Lambda path only). */
  callsPerInvocation?: Record<string, number>;
}

const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

/** Items of a JSONL file, one at a time: the file is never held whole (10⁵ items are ~250 MB of text). */
async function* readJsonl(file: string): AsyncGenerator<unknown> {
  let line = 0;
  for await (const text of createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield JSON.parse(text) as unknown;
    } catch (cause) {
      throw new Error(`${file}:${line} is not JSON.`, { cause });
    }
  }
}

async function* generated(c: ThroughputCase): AsyncGenerator<unknown> {
  yield* itemStream(c.ruleId, c.n ?? 10_000, c.seed ?? 1);
}

function scopeFor(accountId: string, region: string): Scope {
  return { accountId, region, partition: 'aws', now: BENCH_NOW };
}

/** A Config Lambda event as the Lambda runtime receives it: JSON text, `invokingEvent` itself JSON text. */
function lambdaEventText(rule: AnyRule, item: unknown, parameters: Record<string, string>): string {
  const ci = item as { awsAccountId?: string; accountId?: string; awsRegion?: string } | undefined;
  const periodic = generatorOf(rule.meta.id).kind === 'context' || !rule.fromConfigurationItem;
  const region = ci?.awsRegion || BENCH_REGION;
  const accountId = (periodic ? undefined : (ci?.awsAccountId ?? ci?.accountId)) ?? BENCH_ACCOUNT;
  const invokingEvent = periodic
    ? {
        awsAccountId: accountId,
        notificationCreationTime: BENCH_NOW.toISOString(),
        messageType: 'ScheduledNotification',
        recordVersion: '1.0',
      }
    : {
        configurationItemDiff: null,
        configurationItem: item,
        notificationCreationTime: BENCH_NOW.toISOString(),
        messageType: 'ConfigurationItemChangeNotification',
        recordVersion: '1.3',
      };
  return JSON.stringify({
    version: '1.0',
    invokingEvent: JSON.stringify(invokingEvent),
    ruleParameters: JSON.stringify(parameters),
    // Real result tokens are long opaque strings; the length matters for the PutEvaluations request size.
    resultToken: `eyJlbmNyeXB0ZWREYXRhIjpbLTEyOCw${'x'.repeat(400)}`,
    eventLeftScope: false,
    executionRoleArn: `arn:aws:iam::${accountId}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
    configRuleArn: `arn:aws:config:${region}:${accountId}:config-rule/config-rule-bench01`,
    configRuleName: rule.meta.id,
    configRuleId: 'config-rule-bench01',
    accountId,
  });
}

interface Prepared {
  items: number;
  skipped: number;
  skippedReason?: string;
  verdicts: Record<string, number>;
  /** The tinybench task: one pass over every item (pure) or one invocation (Lambda); `sample` records memory. */
  task: (sample: () => void) => Promise<void> | void;
  /** Items evaluated per task call. */
  itemsPerTask: number;
  account?: InMemoryAccount;
  errors?: () => { count: number; first?: string };
}

async function preparePure(
  rule: AnyRule,
  items: AsyncIterable<unknown>,
  c: ThroughputCase,
): Promise<Prepared> {
  const kind = generatorOf(rule.meta.id).kind ?? 'configurationItem';
  const params = ruleParameters(rule, c.parameters ?? generatorOf(rule.meta.id).parameters ?? {});
  const models: ResourceModel[] = [];
  const contexts: unknown[] = [];
  const scopes: Scope[] = [];
  let skipped = 0;
  let skippedReason: string | undefined;
  const context = c.context ?? BENCH_CONTEXT;
  for await (const item of items) {
    try {
      if (kind === 'context') {
        const snapshot = item as EvaluationSnapshot;
        const scope = scopeFor(BENCH_ACCOUNT, BENCH_REGION);
        const [model] = (await rule.collect?.(
          new SnapshotReader(snapshot, scope.accountId, scope.region),
          scope,
          params,
        )) ?? [undefined];
        if (!model || model instanceof Error) throw model ?? new Error('the rule collected nothing');
        models.push(model);
        scopes.push(scope);
        contexts.push(
          await rule.loadContext(new SnapshotReader(snapshot, scope.accountId, scope.region), [model], scope),
        );
      } else {
        if (!rule.fromConfigurationItem) throw new Error(`${rule.meta.id} takes no configuration items.`);
        const ci = normaliseConfigurationItem(item);
        // As the adapter does: an item of another resource type is not this rule's to evaluate.
        if (!rule.meta.trigger.configurationChange?.resourceTypes.includes(ci.resourceType))
          throw new Error(`${ci.resourceType} is not evaluated by ${rule.meta.id}`);
        const model = rule.fromConfigurationItem(ci);
        const scope = scopeFor(ci.accountId, ci.awsRegion || BENCH_REGION);
        models.push(model);
        scopes.push(scope);
        contexts.push(undefined);
      }
    } catch (error) {
      skipped++;
      skippedReason ??= (error as Error).message;
    }
  }
  if (kind === 'configurationItem') {
    // Read once for every model, as one periodic invocation reads it once for all its resources.
    const shared = await rule.loadContext(
      new SnapshotReader(context, BENCH_ACCOUNT, BENCH_REGION),
      models,
      scopeFor(BENCH_ACCOUNT, BENCH_REGION),
    );
    contexts.fill(shared);
  }
  const verdicts: Record<string, number> = {};
  const ok: number[] = [];
  models.forEach((model, i) => {
    try {
      const v = rule.evaluate(model, params, contexts[i], scopes[i] as Scope);
      verdicts[v.complianceType] = (verdicts[v.complianceType] ?? 0) + 1;
      ok.push(i);
    } catch (error) {
      skipped++;
      skippedReason ??= (error as Error).message;
    }
  });
  const m = ok.map((i) => models[i] as ResourceModel);
  const x = ok.map((i) => contexts[i]);
  const s = ok.map((i) => scopes[i] as Scope);
  return {
    items: m.length,
    skipped,
    skippedReason,
    verdicts,
    itemsPerTask: m.length,
    task: (sample) => {
      for (let i = 0; i < m.length; i++) {
        rule.evaluate(m[i], params, x[i], s[i] as Scope);
        if ((i & 1023) === 0) sample();
      }
    },
  };
}

async function prepareLambda(
  rule: AnyRule,
  items: AsyncIterable<unknown>,
  c: ThroughputCase,
): Promise<Prepared> {
  const kind = generatorOf(rule.meta.id).kind ?? 'configurationItem';
  const parameters = c.parameters ?? generatorOf(rule.meta.id).parameters ?? {};
  const account = new InMemoryAccount();
  const cached = new Map<string, InMemoryClients>();
  const clientsFor = (region: string) => {
    if (!c.reuseClients) return new InMemoryClients(account, { region });
    let clients = cached.get(region);
    if (!clients) {
      clients = new InMemoryClients(account, { region });
      cached.set(region, clients);
    }
    return clients;
  };
  const handler = createConfigRuleHandler(rule, {
    clients: clientsFor,
    now: () => BENCH_NOW,
    putRetryDelayMs: 0,
  });
  const events: string[] = [];
  const snapshots: EvaluationSnapshot[] | undefined = kind === 'context' ? [] : undefined;
  for await (const item of items) {
    events.push(lambdaEventText(rule, kind === 'context' ? undefined : item, parameters));
    snapshots?.push(item as EvaluationSnapshot);
  }
  account.snapshot = c.context ?? BENCH_CONTEXT;
  const verdicts: Record<string, number> = {};
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  return {
    items: events.length,
    skipped: 0,
    verdicts,
    itemsPerTask: 1,
    account,
    errors: () => ({ count: errors, first: firstError }),
    // One invocation per task call, through the items in order (and round again if the budget allows).
    task: async (sample) => {
      const i = next;
      next = (next + 1) % events.length;
      if (snapshots) account.snapshot = snapshots[i] as EvaluationSnapshot;
      try {
        const result = await handler(JSON.parse(events[i] as string));
        for (const k in result.byCompliance) verdicts[k] = (verdicts[k] ?? 0) + (result.byCompliance[k] ?? 0);
      } catch (error) {
        // A failed invocation is still an invocation Lambda bills; it is counted, not hidden.
        errors++;
        firstError ??= (error as Error).message;
      }
      if ((i & 63) === 0) sample();
    },
  };
}

/**
 * Runs one case with tinybench. Pure: each sample is one pass over every item, so evaluations per second is items
 * / mean pass time. Lambda: each sample is one invocation (one event, one evaluation), through the items in order
 * for as long as the time budget allows (`iterations` = items and `timeMs` = 0 make it one full pass).
 * @example
 * await runThroughputCase({ ruleId: 's3-bucket-no-public-access', mode: 'pure', n: 10_000, seed: 1, iterations: 5, timeMs: 0, warmupIterations: 1 });
 */
export async function runThroughputCase(c: ThroughputCase): Promise<ThroughputResult> {
  const rule = findRule(c.ruleId);
  if (!rule) throw new Error(`Unknown rule ${c.ruleId}.`);
  const items = c.cisFile ? readJsonl(c.cisFile) : generated(c);
  const prepared =
    c.mode === 'pure' ? await preparePure(rule, items, c) : await prepareLambda(rule, items, c);
  if (prepared.items === 0)
    throw new Error(
      `No item could be evaluated by ${c.ruleId}${prepared.skippedReason ? `: ${prepared.skippedReason}` : ' (the input is empty)'}.`,
    );
  gc?.();
  const inputHeap = process.memoryUsage().heapUsed;
  let peakHeap = inputHeap;
  let peakRss = process.memoryUsage.rss();
  const sample = () => {
    const { heapUsed, rss } = process.memoryUsage();
    if (heapUsed > peakHeap) peakHeap = heapUsed;
    if (rss > peakRss) peakRss = rss;
  };
  let calls = 0;
  const bench = new Bench({
    name: `${c.ruleId} ${c.mode}`,
    iterations: c.iterations,
    time: c.timeMs,
    warmupIterations: c.warmupIterations,
    warmupTime: 0,
    warmup: c.warmupIterations > 0,
    throws: true,
  });
  bench.add(c.mode, () => {
    calls++;
    return prepared.task(sample);
  });
  await bench.run();
  const result = bench.tasks[0]?.result;
  if (!result || !('latency' in result)) throw new Error(`tinybench did not complete ${c.ruleId} ${c.mode}.`);
  const { latency } = result;
  const errors = prepared.errors?.() ?? { count: 0 };
  const callsPerInvocation = prepared.account
    ? Object.fromEntries([...prepared.account.calls].map(([k, v]) => [k, v / calls]))
    : undefined;
  return {
    ruleId: c.ruleId,
    mode: c.mode,
    ...(c.reuseClients ? { reuseClients: true } : {}),
    items: prepared.items,
    evaluated: latency.samplesCount * prepared.itemsPerTask,
    skipped: prepared.skipped,
    ...(prepared.skippedReason ? { skippedReason: prepared.skippedReason } : {}),
    errors: errors.count,
    ...(errors.first ? { firstError: errors.first } : {}),
    evaluationsPerSecond: prepared.itemsPerTask / (latency.mean / 1000),
    unit: c.mode === 'pure' ? 'pass' : 'invocation',
    latencyMs: { mean: latency.mean, p50: latency.p50, p99: latency.p99 },
    rme: latency.rme,
    samples: latency.samplesCount,
    verdicts: prepared.verdicts,
    inputHeapMb: inputHeap / MB,
    peakHeapMb: peakHeap / MB,
    peakRssMb: peakRss / MB,
    maxRssMb: (process.resourceUsage().maxRSS * 1024) / MB,
    ...(callsPerInvocation ? { callsPerInvocation } : {}),
  };
}

/** One case of any kind: the held-model and SDK cases here, the streamed ones in streamed.ts. */
export type AnyThroughputCase = ThroughputCase | StreamedThroughputCase;

/** A streamed case as run.ts asks for it: `n` items through a rule, from the generator or a JSONL file. */
export interface StreamedThroughputCase {
  ruleId: string;
  mode: 'item' | 'handler';
  n: number;
  seed?: number;
  cisFile?: string;
  context?: EvaluationSnapshot;
  parameters?: Record<string, string>;
}

/**
 * Runs a streamed case: its pool of distinct items (the first {@link POOL} of the generator or the file) as JSON
 * texts, items or Lambda events, then `n` items through the rule (streamed.ts).
 * @example
 * await runStreamed({ ruleId: 'ec2-security-group-no-public-ingress', mode: 'item', n: 1_000_000, seed: 1 });
 */
export async function runStreamed(c: StreamedThroughputCase): Promise<StreamedResult> {
  const rule = findRule(c.ruleId);
  if (!rule) throw new Error(`Unknown rule ${c.ruleId}.`);
  const kind = generatorOf(rule.meta.id).kind ?? 'configurationItem';
  const parameters = c.parameters ?? generatorOf(rule.meta.id).parameters ?? {};
  const items: unknown[] = [];
  for await (const item of c.cisFile
    ? readJsonl(c.cisFile)
    : generated({
        ...c,
        n: Math.min(c.n, POOL),
        iterations: 0,
        timeMs: 0,
        warmupIterations: 0,
        mode: 'pure',
      })) {
    items.push(item);
    if (items.length >= Math.min(c.n, POOL)) break;
  }
  const texts =
    c.mode === 'item'
      ? items.map((item) => JSON.stringify(item))
      : items.map((item) => lambdaEventText(rule, kind === 'context' ? undefined : item, parameters));
  return runStreamedCase(rule, {
    ruleId: c.ruleId,
    mode: c.mode,
    n: c.n,
    texts,
    ...(kind === 'context' && c.mode === 'handler' ? { snapshots: items as EvaluationSnapshot[] } : {}),
    parameters,
    context: c.context ?? BENCH_CONTEXT,
  });
}

const isStreamed = (c: AnyThroughputCase): c is StreamedThroughputCase =>
  c.mode === 'item' || c.mode === 'handler';

// Run as a child process (see run.ts): the case arrives as an IPC message, the result goes back the same way.
if (require.main === module && process.send) {
  process.once('message', (c: AnyThroughputCase) => {
    (isStreamed(c) ? runStreamed(c) : runThroughputCase(c)).then(
      (result) => process.send?.({ result }, () => process.exit(0)),
      (error: Error) => process.send?.({ error: error.message }, () => process.exit(1)),
    );
  });
}

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type ConfigServiceClient, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { InMemoryAccount, InMemoryClients } from '../../bench/fake-aws';
import { BENCH_ACCOUNT, BENCH_CONTEXT, BENCH_NOW, generatorOf, itemStream } from '../../bench/generate';
import { findRule, RULES } from '../../rules';
import type { AwsService } from '../../shared/aws/clients';
import { type EvaluationSnapshot, SnapshotReader } from '../../shared/collectors/snapshot-reader';
import { parseConfigRuleEvent } from '../../shared/config/event';
import type { Evaluation } from '../../shared/engine';
import { createConfigRuleHandler } from '../../shared/lambda/config-rule';
import { evaluateEvent } from '../../shared/lambda/evaluate-event';
import { ruleParameters } from '../../shared/params';
import type { AnyRule, Scope } from '../../shared/rule';
import { corpusEvents, ruleTargets } from '../fuzz/targets';
import { FIXTURES } from '../helpers/fixtures';
import { changeEvent, scheduledEvent } from '../helpers/rules';
import { type EdgeCase, edgeCases } from './edge';

/**
 * The golden verdicts: what every rule says, annotation and error included, about the corpus and about 10,000
 * seeded generated items each, through the adapter (`evaluateEvent`) and through the Lambda handler (what it sends
 * to PutEvaluations). `test/golden/verdicts.test.ts` compares against `test/fixtures/golden/verdicts.json`, which
 * `npx tsx test/golden/write.ts` writes. Optimisations must keep every record bit for bit.
 *
 * Corpus sections are kept whole (one readable record per resource or event). Generated sections are kept as one
 * SHA-256 per block of 1,000 records, plus one character per record (its verdict and four bits of its own hash) so
 * that a failure can name the first record that changed.
 */

export const GOLDEN_FILE = join(FIXTURES, 'golden', 'verdicts.json');
/** Generated items per rule, and how many of them also go through the Lambda handler. */
export const GENERATED = 10_000;
export const THROUGH_HANDLER = 250;
/** Edge cases per rule that has them (test/golden/edge.ts), and how many of them also go through the handler. */
export const EDGE = 3_000;
export const SEED = 1;
export const BLOCK = 1_000;

export interface Section {
  name: string;
  /** `whole`: every record is kept; `hashed`: a hash per block and a character per record. */
  kind: 'whole' | 'hashed';
  records: () => Promise<string[]>;
}

export interface HashedBlock {
  from: number;
  sha256: string;
  /** One character per record: see {@link recordCharacter}. */
  records: string;
}

export interface GoldenFile {
  about: string;
  seed: number;
  sections: Record<string, { count: number; records?: string[]; blocks?: HashedBlock[] }>;
}

const SCOPE: Scope = {
  accountId: '123456789012',
  region: 'us-east-1',
  partition: 'aws',
  now: new Date('2026-11-01T00:00:00Z'),
};

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : d);

/** An error as a record shows it: its class and its message (the message names the field, or the dependency). */
function errorText(error: unknown): string {
  const name = (error as { constructor?: { name?: string } })?.constructor?.name ?? typeof error;
  return `${name}: ${error instanceof Error ? error.message : String(error)}`;
}

/** One record: every evaluation (type, id, verdict, annotation, timestamp) and every error. */
export function outcomeRecord(evaluations: readonly Evaluation[], errors: readonly unknown[]): string {
  return JSON.stringify({
    evaluations: evaluations.map((e) => [
      e.complianceResourceType,
      e.complianceResourceId,
      e.complianceType,
      e.annotation ?? null,
      iso(e.orderingTimestamp),
    ]),
    errors: errors.map(errorText),
  });
}

async function outcomeOf(run: () => Promise<{ evaluations: Evaluation[]; failures: unknown[] }>) {
  try {
    const { evaluations, failures } = await run();
    return outcomeRecord(evaluations, failures);
  } catch (error) {
    return outcomeRecord([], [error]);
  }
}

/** A generated item (or context) through the adapter, as the Lambda's change or periodic path takes it. */
function generatedThroughAdapter(rule: AnyRule, item: unknown): Promise<string> {
  const generator = generatorOf(rule.meta.id);
  const parameters = generator?.parameters ?? {};
  const periodic = generator?.kind === 'context';
  return outcomeOf(async () => {
    const raw = periodic
      ? scheduledEvent(parameters)
      : changeEvent(item as Record<string, unknown>, parameters, { accountId: BENCH_ACCOUNT });
    const event = parseConfigRuleEvent(raw);
    const snapshot = periodic ? (item as EvaluationSnapshot) : BENCH_CONTEXT;
    const scope = { ...SCOPE, accountId: BENCH_ACCOUNT, now: BENCH_NOW };
    return evaluateEvent(rule, event, ruleParameters(rule, event.ruleParameters), scope, {
      reader: new SnapshotReader(snapshot, scope.accountId, scope.region),
    });
  });
}

/** An edge case through the adapter's change path, with its own parameters and context. */
function edgeThroughAdapter(rule: AnyRule, edge: EdgeCase): Promise<string> {
  return outcomeOf(async () => {
    const event = parseConfigRuleEvent(changeEvent(edge.item, edge.parameters));
    return evaluateEvent(rule, event, ruleParameters(rule, event.ruleParameters), SCOPE, {
      reader: new SnapshotReader(edge.snapshot, SCOPE.accountId, SCOPE.region),
    });
  });
}

/** The corpus's Lambda events through a rule's adapter, offline (what `rebaseline evaluate --event` does). */
function eventThroughAdapter(rule: AnyRule, raw: unknown): Promise<string> {
  return outcomeOf(async () => {
    const event = parseConfigRuleEvent(raw);
    return evaluateEvent(rule, event, ruleParameters(rule, event.ruleParameters), SCOPE, {
      reader: new SnapshotReader(BENCH_CONTEXT, SCOPE.accountId, SCOPE.region),
    });
  });
}

/** In-memory AWS whose Config client also keeps what each PutEvaluations call sent. */
class CapturingClients extends InMemoryClients {
  readonly sent: unknown[] = [];
  private readonly patched = new WeakSet<object>();

  override get<C>(service: AwsService<C>): C {
    const client = super.get(service);
    if (service.name === 'config' && !this.patched.has(client as object)) {
      const config = client as unknown as ConfigServiceClient;
      const send = config.send.bind(config) as (command: unknown) => Promise<unknown>;
      const sent = this.sent;
      // Recorded before it is sent: the input as the handler built it.
      config.send = ((command: unknown) => {
        if (command instanceof PutEvaluationsCommand) sent.push(command.input);
        return send(command);
      }) as typeof config.send;
      this.patched.add(client as object);
    }
    return client;
  }
}

/** A handler for a rule and the in-memory account and clients behind it. */
function handlerFor(rule: AnyRule) {
  const account = new InMemoryAccount();
  const clients = new CapturingClients(account, { region: 'us-east-1' });
  const handler = createConfigRuleHandler(rule, {
    clients: () => clients,
    now: () => BENCH_NOW,
    putRetryDelayMs: 0,
  });
  /** One invocation: what it sent to PutEvaluations, and what it returned or threw. */
  const invoke = async (event: unknown, snapshot: EvaluationSnapshot): Promise<string> => {
    account.snapshot = snapshot;
    clients.sent.length = 0;
    let result: unknown;
    let error: string | undefined;
    try {
      result = await handler(JSON.parse(JSON.stringify(event)));
    } catch (e) {
      error = errorText(e);
    }
    const put = clients.sent.map((input) => {
      const i = input as { Evaluations?: Record<string, unknown>[]; TestMode?: boolean };
      return {
        testMode: i.TestMode ?? false,
        evaluations: (i.Evaluations ?? []).map((e) => [
          e.ComplianceResourceType,
          e.ComplianceResourceId,
          e.ComplianceType,
          e.Annotation ?? null,
          iso(e.OrderingTimestamp),
        ]),
      };
    });
    return JSON.stringify({ put, result: result ?? null, error: error ?? null });
  };
  return invoke;
}

function generatedEvent(rule: AnyRule, item: unknown) {
  const generator = generatorOf(rule.meta.id);
  const parameters = generator?.parameters ?? {};
  const extra = {
    configRuleArn: `arn:aws:config:us-east-1:${BENCH_ACCOUNT}:config-rule/config-rule-bench01`,
  };
  if (generator?.kind === 'context')
    return { event: scheduledEvent(parameters, { ...extra, accountId: BENCH_ACCOUNT }), snapshot: item };
  const ci = item as { awsAccountId: string };
  return {
    event: changeEvent(item as Record<string, unknown>, parameters, { ...extra, accountId: ci.awsAccountId }),
    snapshot: BENCH_CONTEXT,
  };
}

async function collect<T>(values: Iterable<T>, f: (value: T) => Promise<string>): Promise<string[]> {
  const out: string[] = [];
  for (const v of values) out.push(await f(v));
  return out;
}

/**
 * Every section of the golden file, in order.
 * @example
 * for (const s of goldenSections()) console.log(s.name, (await s.records()).length);
 */
export function goldenSections(): Section[] {
  const sections: Section[] = [];
  for (const target of ruleTargets())
    sections.push({
      name: `corpus: ${target.name}`,
      kind: 'whole',
      records: () =>
        collect(target.seeds, async (seed) => {
          const { evaluations, errors } = await target.run(JSON.parse(JSON.stringify(seed)));
          return outcomeRecord(evaluations, errors);
        }),
    });
  for (const rule of RULES)
    sections.push({
      name: `corpus events through the adapter: ${rule.meta.id}`,
      kind: 'whole',
      records: () => collect(corpusEvents(), (event) => eventThroughAdapter(rule, event)),
    });
  for (const rule of RULES)
    sections.push({
      name: `corpus events through the handler: ${rule.meta.id}`,
      kind: 'whole',
      records: () => {
        const invoke = handlerFor(rule);
        return collect(corpusEvents(), (event) => invoke(event, BENCH_CONTEXT));
      },
    });
  for (const rule of RULES)
    sections.push({
      name: `generated through the adapter: ${rule.meta.id}`,
      kind: 'hashed',
      records: () =>
        collect(itemStream(rule.meta.id, GENERATED, SEED), (item) => generatedThroughAdapter(rule, item)),
    });
  for (const rule of RULES)
    sections.push({
      name: `generated through the handler: ${rule.meta.id}`,
      kind: 'hashed',
      records: () => {
        const invoke = handlerFor(rule);
        return collect(itemStream(rule.meta.id, THROUGH_HANDLER, SEED), (item) => {
          const { event, snapshot } = generatedEvent(rule, item);
          return invoke(event, snapshot as EvaluationSnapshot);
        });
      },
    });
  for (const rule of RULES) {
    if (edgeCases(rule.meta.id, 1, SEED).length === 0) continue;
    sections.push({
      name: `edge cases through the adapter: ${rule.meta.id}`,
      kind: 'hashed',
      records: () => collect(edgeCases(rule.meta.id, EDGE, SEED), (edge) => edgeThroughAdapter(rule, edge)),
    });
    sections.push({
      name: `edge cases through the handler: ${rule.meta.id}`,
      kind: 'hashed',
      records: () => {
        const invoke = handlerFor(rule);
        return collect(edgeCases(rule.meta.id, THROUGH_HANDLER, SEED), (edge) =>
          invoke(changeEvent(edge.item, edge.parameters), edge.snapshot),
        );
      },
    });
  }
  return sections;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VERDICT_LETTERS = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'none'] as const;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The verdict a record carries: its first evaluation's (or, with none, `none`). */
export function recordVerdict(record: string): (typeof VERDICT_LETTERS)[number] {
  const parsed = JSON.parse(record) as {
    evaluations?: unknown[][];
    put?: { evaluations: unknown[][] }[];
  };
  const first = parsed.evaluations?.[0] ?? parsed.put?.[0]?.evaluations[0];
  const verdict = first?.[2];
  return VERDICT_LETTERS.includes(verdict as never) ? (verdict as (typeof VERDICT_LETTERS)[number]) : 'none';
}

/** One character per record: 16 × its verdict's position in {@link VERDICT_LETTERS} + four bits of its hash. */
export function recordCharacter(record: string): string {
  const verdict = VERDICT_LETTERS.indexOf(recordVerdict(record));
  return BASE64URL[verdict * 16 + Number.parseInt(sha256(record).slice(0, 1), 16)] as string;
}

/** The verdict a record character says. */
export function verdictOfCharacter(c: string): string {
  return VERDICT_LETTERS[Math.floor(BASE64URL.indexOf(c) / 16)] ?? '?';
}

/**
 * The blocks of a hashed section.
 * @example
 * hashBlocks(records)[0]?.sha256 // 16 hex digits of the SHA-256 of records 0–999 joined by newlines
 */
export function hashBlocks(records: readonly string[]): HashedBlock[] {
  const blocks: HashedBlock[] = [];
  for (let from = 0; from < records.length; from += BLOCK) {
    const block = records.slice(from, from + BLOCK);
    blocks.push({
      from,
      sha256: sha256(block.join('\n')).slice(0, 16),
      records: block.map(recordCharacter).join(''),
    });
  }
  return blocks;
}

/** Which rule a section is about, for messages. */
export function ruleOfSection(name: string): AnyRule | undefined {
  return findRule(name.split(': ').at(-1) ?? '');
}

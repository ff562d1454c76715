import {
  ConfigServiceClient,
  GetComplianceDetailsByConfigRuleCommand,
  GetResourceConfigHistoryCommand,
  PutEvaluationsCommand,
  type PutEvaluationsCommandInput,
} from '@aws-sdk/client-config-service';
import {
  DescribeSecurityGroupsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { rule as sgRule } from '../../rules/ec2-security-group-no-public-ingress/evaluate';
import { rule as accountBpaRule } from '../../rules/s3-account-public-access-blocked/evaluate';
import { rule as bucketRule } from '../../rules/s3-bucket-no-public-access/evaluate';
import { isWellFormedText, normaliseConfigurationItem } from '../../shared/config/configuration-item';
import { parseConfigRuleEvent } from '../../shared/config/event';
import type { Evaluation } from '../../shared/engine';
import { InvalidParametersError, RebaselineError } from '../../shared/errors';
import { createConfigRuleHandler } from '../../shared/lambda/config-rule';
import { parameterSchema, parseRuleParameters } from '../../shared/params';
import type { AnyRule } from '../../shared/rule';
import { fixture, recorded } from '../helpers/fixtures';
import { changeEvent, scheduledEvent } from '../helpers/rules';
import { apply, classOf, kindsFor, type Mutation, type Path, paths, pathText } from './mutate';
import { corpusEvents, type Outcome, POLICY_TEXT, ruleTargets, type Target } from './targets';

/** What the fuzzer counts; every figure but `cases` must be 0. */
export interface Figures {
  cases: number;
  /** A corruption turned a NON_COMPLIANT resource COMPLIANT. */
  flips: number;
  /** A corruption of a field the rule reads was reported COMPLIANT instead of refused. */
  failOpen: number;
  /** A spelling Config legitimately uses changed the verdict (or was refused). */
  encodingMismatches: number;
  /** An error that is not a RebaselineError escaped. */
  untypedErrors: number;
  /** An evaluation PutEvaluations would reject (identity, type, annotation length or UTF-16), or a bad shape. */
  malformedOutputs: number;
}

export interface Finding {
  target: string;
  what: keyof Omit<Figures, 'cases'>;
  detail: string;
}

const REPORTABLE = new Set(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE']);

/** Why an evaluation is not one PutEvaluations accepts (and rebaseline's style: annotations end with a period). */
export function malformed(e: Partial<Evaluation>): string | undefined {
  const text = (v: unknown, max: number) =>
    typeof v === 'string' && v.length >= 1 && v.length <= max && isWellFormedText(v);
  if (!text(e.complianceResourceType, 256))
    return `resource type ${JSON.stringify(e.complianceResourceType)}`;
  if (!text(e.complianceResourceId, 768))
    return `resource id ${JSON.stringify(e.complianceResourceId)?.slice(0, 80)}`;
  if (!REPORTABLE.has(e.complianceType as string)) return `compliance type ${e.complianceType}`;
  if (e.annotation !== undefined && !(text(e.annotation, 256) && /[.…]$/.test(e.annotation)))
    return `annotation ${JSON.stringify(e.annotation).slice(0, 80)}`;
  if (!(e.orderingTimestamp instanceof Date) || Number.isNaN(e.orderingTimestamp.getTime()))
    return 'ordering timestamp';
  return undefined;
}

const key = (e: Evaluation) => `${e.complianceResourceType}|${e.complianceResourceId}`;
const summary = (o: Outcome) =>
  JSON.stringify({
    evaluations: o.evaluations.map((e) => [key(e), e.complianceType, e.annotation]),
    errors: o.errors.length,
  });

/**
 * Judges one mutated run against the run of the seed it came from.
 * @returns what is wrong, if anything (an empty list when the case is fine).
 */
export function judge(
  target: Pick<Target, 'name' | 'reads' | 'configSpellings' | 'nullable' | 'optional'>,
  mutations: readonly Mutation[],
  base: Outcome,
  mutated: Outcome,
): Finding[] {
  const findings: Finding[] = [];
  const where = mutations.map((m) => `${m.kind} ${pathText(m.path)}`).join(' + ');
  const add = (what: Finding['what'], detail: string) =>
    findings.push({ target: target.name, what, detail: `${where}: ${detail}` });
  for (const error of mutated.errors)
    if (!(error instanceof RebaselineError))
      add(
        'untypedErrors',
        `${(error as Error)?.name}: ${String((error as Error)?.message ?? error).slice(0, 160)}`,
      );
  for (const e of mutated.evaluations) {
    const why = malformed(e);
    if (why) add('malformedOutputs', why);
  }
  const classes = new Set(
    mutations.map((m) => {
      const path = pathText(m.path).replace(/~/g, '');
      if (m.kind === 'null' && target.nullable?.test(path)) return 'value';
      if ((m.kind === 'delete' || m.kind === 'null') && target.optional?.test(path)) return 'value';
      // Inside a policy document JSON text is not Config's spelling: the document's own values, changed.
      if (classOf(m) === 'encode' && POLICY_TEXT.test(pathText(m.path))) return 'value';
      return classOf(m);
    }),
  );
  // A value change can make a resource compliant for real; only removal and corruption (and spellings) must not.
  if (classes.has('corrupt') && !classes.has('value')) {
    const before = new Map(base.evaluations.map((e) => [key(e), e.complianceType]));
    for (const e of mutated.evaluations)
      if (e.complianceType === 'COMPLIANT' && before.get(key(e)) === 'NON_COMPLIANT')
        add('flips', `${key(e)} NON_COMPLIANT → COMPLIANT (${e.annotation})`);
    const single = mutations.length === 1 ? mutations[0] : undefined;
    const path = single && pathText(single.path).replace(/~/g, '');
    if (single && path !== undefined && target.reads?.(path, single.kind))
      for (const e of mutated.evaluations)
        if (e.complianceType === 'COMPLIANT' && before.has(key(e)))
          add('failOpen', `${key(e)} COMPLIANT although a field it reads was corrupted (${e.annotation})`);
  }
  if (
    target.configSpellings &&
    classes.size === 1 &&
    classes.has('encode') &&
    base.errors.length === 0 &&
    summary(base) !== summary(mutated)
  )
    add('encodingMismatches', `${summary(base)} → ${summary(mutated)}`.slice(0, 400));
  return findings;
}

/** A mutation arbitrary over every place of one seed. */
function mutationsOf(seed: unknown): fc.Arbitrary<Mutation[]> {
  const places = paths(seed).flatMap(({ path, value, inArray }) =>
    kindsFor(value, inArray).map((kind) => ({
      path,
      kind,
      // A null given some value is a change of value, not data removed or corrupted.
      ...(value === null && kind === 'retype' ? { klass: 'value' as const } : {}),
    })),
  );
  if (places.length === 0) return fc.constant([]);
  const one = fc
    .tuple(fc.constantFrom(...places), fc.nat({ max: 1000 }))
    .map(([p, pick]): Mutation => ({ ...p, path: p.path as Path, pick }));
  // Mostly one mutation (the oracle can then tell what it touched), sometimes two at once.
  return fc.oneof(
    { weight: 4, arbitrary: one.map((m) => [m]) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(one, one)
        .filter(([a, b]) => pathText(a.path) !== pathText(b.path))
        .map(([a, b]) => [a, b]),
    },
  );
}

/** A generated case: which target, which seed, which mutations. */
export interface Case {
  target: number;
  seed: number;
  mutations: Mutation[];
}

/** Everything the fuzzer runs: the rule targets and the Lambda handler (Config, EC2, S3, S3 Control stubbed). */
export interface Fuzzer {
  targets: Target[];
  cases: fc.Arbitrary<Case>;
  check(c: Case): Promise<Finding[]>;
  /** fast-check properties beyond mutations: the parameter parser on arbitrary input. */
  parameterProperty: fc.IAsyncProperty<[AnyRule, Record<string, unknown>]>;
  restore(): void;
}

/** The handler target: whole Lambda events through `createConfigRuleHandler`, every AWS client stubbed. */
function handlerTarget(): { target: Target; restore: () => void } {
  const config = mockClient(ConfigServiceClient);
  const ec2 = mockClient(EC2Client);
  const s3 = mockClient(S3Client);
  const s3control = mockClient(S3ControlClient);
  const groups = recorded<{ SecurityGroups: SecurityGroup[] }>(
    'custodian_placebo/sg/test_asg_invalid_third_ami__ec2.DescribeSecurityGroups_1.json',
  ).SecurityGroups.slice(0, 4);
  const stub = () => {
    config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    config.on(GetComplianceDetailsByConfigRuleCommand).resolves({ EvaluationResults: [] });
    config.on(GetResourceConfigHistoryCommand).resolves({ configurationItems: [] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });
    ec2.on(GetManagedPrefixListEntriesCommand).resolves({ Entries: [{ Cidr: '10.0.0.0/8' }] });
    s3.on(ListBucketsCommand).resolves({ Buckets: [] });
    s3control.on(GetPublicAccessBlockCommand).resolves({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: false,
        IgnorePublicAcls: false,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
    });
  };
  stub();
  const handlers = new Map<AnyRule, ReturnType<typeof createConfigRuleHandler>>(
    [sgRule, bucketRule, accountBpaRule].map((r) => [
      r,
      createConfigRuleHandler(r, { putRetryDelayMs: 0, now: () => new Date('2026-11-01T00:00:00Z') }),
    ]),
  );
  const sgItem = fixture<Record<string, unknown>>('corpus/config_items/rdk_AWS_EC2_SecurityGroup.json');
  const bucketItem = fixture<Record<string, unknown>>('corpus/config_items/c7n__config__s3-website.json');
  const bpaItem = fixture<Record<string, unknown>>(
    'corpus/config_items/rdk_AWS_S3_AccountPublicAccessBlock.json',
  );
  const asEvent = (item: Record<string, unknown>) => {
    const { accountId, ...rest } = item;
    return changeEvent({ ...rest, awsAccountId: accountId ?? '123456789012' });
  };
  const seeds: { rule: AnyRule; event: unknown }[] = [
    { rule: sgRule, event: asEvent(sgItem) },
    {
      rule: sgRule,
      event: fixture('corpus/invoking_events/c7n__cwe__event-config-rule-security-group.json'),
    },
    { rule: sgRule, event: scheduledEvent({ authorizedTcpPorts: '443', allowIcmp: 'false' }) },
    { rule: bucketRule, event: asEvent(bucketItem) },
    { rule: bucketRule, event: fixture('corpus/invoking_events/c7n__config__s3-from-rule.json') },
    { rule: accountBpaRule, event: asEvent(bpaItem) },
    { rule: accountBpaRule, event: scheduledEvent() },
    // Config's documented oversized notification (an instance: NOT_APPLICABLE), and the same for a group (derived):
    // the item is fetched from the history, which the stub does not have.
    ...[false, true].map((group) => ({
      rule: sgRule,
      event: {
        ...scheduledEvent(),
        invokingEvent: fixture<{ invokingEvent: string }>(
          'corpus/invoking_events/awsdocs__config__example_OversizedConfigurationItemChangeNotification.json',
        ).invokingEvent.replace(
          'AWS::EC2::Instance',
          group ? 'AWS::EC2::SecurityGroup' : 'AWS::EC2::Instance',
        ),
      },
    })),
  ];
  const target: Target = {
    name: 'Lambda handler (createConfigRuleHandler), whole invoking events',
    configSpellings: true,
    seeds: seeds.map((s, i) => ({ seed: i, event: JSON.parse(JSON.stringify(s.event)) })),
    async run(value) {
      const v = value as { seed?: unknown; event?: unknown };
      const rule = seeds[typeof v?.seed === 'number' ? v.seed : 0]?.rule ?? sgRule;
      for (const m of [config, ec2, s3, s3control]) m.resetHistory();
      const errors: unknown[] = [];
      try {
        await (handlers.get(rule) as ReturnType<typeof createConfigRuleHandler>)(v?.event);
      } catch (error) {
        errors.push(error);
      }
      const evaluations: Evaluation[] = [];
      for (const call of config.commandCalls(PutEvaluationsCommand)) {
        const input = call.args[0].input as PutEvaluationsCommandInput;
        if (
          !Array.isArray(input.Evaluations) ||
          input.Evaluations.length > 100 ||
          typeof input.ResultToken !== 'string'
        )
          errors.push(new Error(`PutEvaluations input malformed: ${JSON.stringify(input).slice(0, 200)}`));
        for (const e of input.Evaluations ?? [])
          evaluations.push({
            complianceResourceType: e.ComplianceResourceType as string,
            complianceResourceId: e.ComplianceResourceId as string,
            complianceType: e.ComplianceType as Evaluation['complianceType'],
            ...(e.Annotation !== undefined ? { annotation: e.Annotation } : {}),
            orderingTimestamp: e.OrderingTimestamp as Date,
          });
      }
      return { evaluations, errors };
    },
  };
  // Mutating the seed number would only pick another seed; mutations stay inside the event.
  return {
    target,
    restore: () => {
      for (const m of [config, ec2, s3, s3control]) m.restore();
    },
  };
}

/** The event parser (and the configuration item it carries): only typed errors, and events it accepts are whole. */
function eventTarget(): Target {
  return {
    name: 'event parser (parseConfigRuleEvent, normaliseConfigurationItem)',
    configSpellings: true,
    seeds: corpusEvents(),
    async run(event) {
      try {
        const parsed = parseConfigRuleEvent(event);
        if (parsed.invokingEvent.messageType === 'ConfigurationItemChangeNotification')
          normaliseConfigurationItem(parsed.invokingEvent.configurationItem);
        return { evaluations: [], errors: [] };
      } catch (error) {
        return { evaluations: [], errors: [error] };
      }
    },
  };
}

const PARAMETER_VALUES = fc.oneof(
  fc.string(),
  fc.constantFrom('true', 'FALSE', '22', '80,443', '1020-1025', '-1', '1e3', '0x16', ' ', 'a,,b', '\uD800'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);

/** Builds the fuzzer: targets, the case arbitrary, the checker. Call `restore()` when done (it stubs SDK clients). */
export function buildFuzzer(): Fuzzer {
  const handler = handlerTarget();
  const targets = [...ruleTargets(), eventTarget(), handler.target];
  const baseOutcomes = new Map<string, Promise<Outcome>>();
  const base = (t: number, s: number) => {
    const k = `${t}/${s}`;
    let o = baseOutcomes.get(k);
    if (!o) {
      const target = targets[t] as Target;
      o = target.run(target.seeds[s]);
      baseOutcomes.set(k, o);
    }
    return o;
  };
  const perSeed = new Map<string, fc.Arbitrary<Mutation[]>>();
  const mutationArb = (t: number, s: number) => {
    const k = `${t}/${s}`;
    let a = perSeed.get(k);
    if (!a) {
      const seed = (targets[t] as Target).seeds[s];
      // The handler seeds carry which rule they are for: only the event is mutated.
      a = mutationsOf(t === targets.length - 1 ? (seed as { event: unknown }).event : seed).map((ms) =>
        t === targets.length - 1 ? ms.map((m) => ({ ...m, path: ['event', ...m.path] })) : ms,
      );
      perSeed.set(k, a);
    }
    return a;
  };
  const cases = fc
    .nat({ max: targets.length - 1 })
    .chain((t) => fc.nat({ max: (targets[t] as Target).seeds.length - 1 }).map((s) => ({ t, s })))
    .chain(({ t, s }) => mutationArb(t, s).map((mutations): Case => ({ target: t, seed: s, mutations })));
  const check = async (c: Case): Promise<Finding[]> => {
    const target = targets[c.target] as Target;
    let value = target.seeds[c.seed];
    for (const m of c.mutations) value = apply(value, m);
    // One after the other: the handler target's stubs hold one invocation's calls at a time.
    const before = await base(c.target, c.seed);
    const after = await target.run(value);
    return judge(target, c.mutations, before, after);
  };
  const parameterProperty = fc.asyncProperty(
    fc.constantFrom<AnyRule>(...[sgRule, bucketRule, accountBpaRule]),
    fc.dictionary(
      fc.oneof(
        fc.constantFrom(
          ...new Set(
            [sgRule, bucketRule, accountBpaRule].flatMap((r) =>
              Object.keys(parameterSchema(r.meta).properties),
            ),
          ),
        ),
        fc.string(),
      ),
      PARAMETER_VALUES,
      { maxKeys: 4 },
    ),
    async (rule, input) => {
      let params: Record<string, unknown>;
      try {
        params = parseRuleParameters<Record<string, unknown>>(rule.meta, input);
        rule.checkParameters?.(params);
      } catch (error) {
        if (error instanceof InvalidParametersError) return;
        throw error;
      }
      // Accepted: every value has its schema's type.
      for (const [name, schema] of Object.entries(parameterSchema(rule.meta).properties)) {
        const v = params[name];
        const ok =
          schema.type === 'array'
            ? Array.isArray(v) &&
              v.every((x) => typeof x === (schema.items?.type === 'integer' ? 'number' : 'string'))
            : schema.type === 'integer'
              ? Number.isInteger(v)
              : typeof v === schema.type;
        if (!ok)
          throw new Error(`parameter ${name} accepted as ${JSON.stringify(v)} from ${JSON.stringify(input)}`);
      }
    },
  );
  return { targets, cases, check, parameterProperty, restore: handler.restore };
}

/**
 * Runs `count` generated cases from `seed` and counts what went wrong.
 * @example
 * const { figures } = await fuzz(1000, 42); // figures.flips === 0
 */
export async function fuzz(
  count: number,
  seed: number,
  onProgress?: (done: number) => void,
): Promise<{ figures: Figures; findings: Finding[] }> {
  const fuzzer = buildFuzzer();
  const figures: Figures = {
    cases: 0,
    flips: 0,
    failOpen: 0,
    encodingMismatches: 0,
    untypedErrors: 0,
    malformedOutputs: 0,
  };
  const findings: Finding[] = [];
  try {
    // Generated in batches so a large run does not hold every case in memory.
    const batch = 1000;
    for (let done = 0; done < count; done += batch) {
      const n = Math.min(batch, count - done);
      for (const c of fc.sample(fuzzer.cases, { numRuns: n, seed: seed + done })) {
        for (const f of await fuzzer.check(c)) {
          figures[f.what]++;
          if (findings.length < 200) findings.push(f);
        }
        figures.cases++;
      }
      onProgress?.(figures.cases);
    }
    await fc.assert(fuzzer.parameterProperty, { numRuns: Math.max(100, Math.floor(count / 20)), seed });
  } finally {
    fuzzer.restore();
  }
  return { figures, findings };
}

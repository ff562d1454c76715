import { expect } from 'chai';
import { InMemoryAccount, InMemoryClients } from '../../bench/fake-aws';
import {
  BENCH_ACCOUNT,
  BENCH_CONTEXT,
  BENCH_NOW,
  GENERATORS,
  generateItems,
  generatorOf,
} from '../../bench/generate';
import { findRule, RULES } from '../../rules';
import { type EvaluationSnapshot, SnapshotReader } from '../../shared/collectors/snapshot-reader';
import { normaliseConfigurationItem } from '../../shared/config/configuration-item';
import { createConfigRuleHandler } from '../../shared/lambda/config-rule';
import { ruleParameters } from '../../shared/params';
import type { AnyRule, ResourceModel, Scope } from '../../shared/rule';

const scope = (accountId: string, region: string): Scope => ({
  accountId,
  region,
  partition: 'aws',
  now: BENCH_NOW,
});

/** The verdict of the pure path on one generated item (the benchmark's "pure evaluator" figure). */
async function pureVerdict(rule: AnyRule, item: unknown): Promise<string> {
  const params = ruleParameters(rule, GENERATORS[rule.meta.id]?.parameters ?? {});
  if (GENERATORS[rule.meta.id]?.kind === 'context') {
    const s = scope(BENCH_ACCOUNT, 'us-east-1');
    const reader = new SnapshotReader(item as EvaluationSnapshot, s.accountId, s.region);
    const [model] = (await rule.collect?.(reader, s, params)) ?? [];
    if (!model || model instanceof Error) throw model ?? new Error('nothing collected');
    return rule.evaluate(model, params, await rule.loadContext(reader, [model], s), s).complianceType;
  }
  const ci = normaliseConfigurationItem(item);
  const model: ResourceModel = rule.fromConfigurationItem?.(ci) as ResourceModel;
  const s = scope(ci.accountId, ci.awsRegion);
  const context = await rule.loadContext(
    new SnapshotReader(BENCH_CONTEXT, s.accountId, s.region),
    [model],
    s,
  );
  return rule.evaluate(model, params, context, s).complianceType;
}

describe('bench/generate', () => {
  it('has a generator for every rule in the registry', () => {
    for (const rule of RULES)
      expect(generatorOf(rule.meta.id).kind, rule.meta.id).to.be.oneOf(['context', 'configurationItem']);
  });

  for (const ruleId of Object.keys(GENERATORS)) {
    describe(ruleId, () => {
      const rule = findRule(ruleId) as AnyRule;

      it('gives the same items for the same seed, other items for another seed', () => {
        // Act
        const a = generateItems(ruleId, 50, 7);
        const b = generateItems(ruleId, 50, 7);
        const c = generateItems(ruleId, 50, 8);
        // Assess
        expect(JSON.stringify(a)).to.equal(JSON.stringify(b));
        expect(JSON.stringify(a)).not.to.equal(JSON.stringify(c));
      });

      it('gives the first k items of a larger run as a run of k', () => {
        expect(JSON.stringify(generateItems(ruleId, 200, 3).slice(0, 20))).to.equal(
          JSON.stringify(generateItems(ruleId, 20, 3)),
        );
      });

      it('gives items every path can evaluate, with both verdicts among them', async () => {
        // Prepare
        const items = generateItems(ruleId, 400, 1);
        // Act
        const verdicts = await Promise.all(items.map((item) => pureVerdict(rule, item)));
        // Assess
        expect(new Set(verdicts)).to.have.keys('COMPLIANT', 'NON_COMPLIANT');
      });

      it('gives the same verdicts through the Lambda handler and the in-memory AWS as the pure path, also as JSON text', async () => {
        // Prepare: through JSON text, as the benchmark passes items to its case processes (--write-cis / --cis).
        const items = generateItems(ruleId, 25, 5).map((item) => JSON.parse(JSON.stringify(item)) as unknown);
        const account = new InMemoryAccount();
        const handler = createConfigRuleHandler(rule, {
          clients: (region) => new InMemoryClients(account, { region }),
          now: () => BENCH_NOW,
          putRetryDelayMs: 0,
        });
        const periodic = GENERATORS[ruleId]?.kind === 'context';
        // Act
        const lambda: string[] = [];
        for (const item of items) {
          account.snapshot = periodic ? (item as EvaluationSnapshot) : BENCH_CONTEXT;
          const ci = item as { awsAccountId?: string };
          const result = await handler({
            invokingEvent: JSON.stringify(
              periodic
                ? { messageType: 'ScheduledNotification', notificationCreationTime: BENCH_NOW.toISOString() }
                : { messageType: 'ConfigurationItemChangeNotification', configurationItem: item },
            ),
            ruleParameters: JSON.stringify(GENERATORS[ruleId]?.parameters ?? {}),
            resultToken: 'token',
            accountId: periodic ? BENCH_ACCOUNT : ci.awsAccountId,
            configRuleName: ruleId,
            configRuleArn: `arn:aws:config:us-east-1:${BENCH_ACCOUNT}:config-rule/config-rule-bench01`,
          });
          expect(result.evaluations).to.equal(1);
          lambda.push(Object.keys(result.byCompliance)[0] as string);
        }
        // Assess
        expect(lambda).to.deep.equal(await Promise.all(items.map((item) => pureVerdict(rule, item))));
        expect(account.calls.get('config:PutEvaluations')).to.equal(items.length);
      });
    });
  }
});

import { findRule } from '../rules';
import { createConfigRuleHandler } from '../shared/config/adapter';
import { InMemoryAccount, InMemoryClients } from './fake-aws';
import { BENCH_CONTEXT, BENCH_NOW, generateItems, GENERATORS } from './generate';
(async () => {
  const rule = findRule('ec2-security-group-no-public-ingress')!;
  const items = generateItems(rule.meta.id, 1500, 1);
  const account = new InMemoryAccount(); account.snapshot = BENCH_CONTEXT;
  const events = items.map((ci) => JSON.stringify({ invokingEvent: JSON.stringify({ configurationItem: ci, messageType: 'ConfigurationItemChangeNotification', notificationCreationTime: BENCH_NOW.toISOString() }), ruleParameters: JSON.stringify(GENERATORS[rule.meta.id]!.parameters), resultToken: 'x'.repeat(400), accountId: (ci as any).awsAccountId, configRuleName: 'r', configRuleArn: 'arn:aws:config:us-east-1:111122223333:config-rule/x' }));
  const fresh = createConfigRuleHandler(rule, { clients: (region) => new InMemoryClients(account, { region }), now: () => BENCH_NOW });
  const cached = new InMemoryClients(account, { region: 'us-east-1' });
  const reuse = createConfigRuleHandler(rule, { clients: () => cached, now: () => BENCH_NOW });
  for (let round = 0; round < 3; round++) for (const [name, h] of [['fresh', fresh], ['reuse', reuse]] as const) {
    const t = performance.now();
    for (const e of events) await h(JSON.parse(e));
    console.log(name, ((performance.now() - t) / events.length).toFixed(3), 'ms/invocation');
  }
})();

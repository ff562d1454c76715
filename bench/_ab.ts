import { findRule } from '../rules';
import { SnapshotReader } from '../shared/collectors/snapshot-reader';
import { ruleParameters } from '../shared/config/adapter';
import { normaliseConfigurationItem } from '../shared/config/configuration-item';
import { BENCH_CONTEXT, BENCH_NOW, GENERATORS, generateItems } from './generate';
(async () => {
  const id = process.argv[2]!;
  const rule = findRule(id)!;
  const params = ruleParameters(rule, GENERATORS[id]!.parameters);
  const models = generateItems(id, 10000, 1).map((ci) => rule.fromConfigurationItem!(normaliseConfigurationItem(ci)));
  const scope = { accountId: '111122223333', region: 'us-east-1', partition: 'aws', now: BENCH_NOW };
  const ctx = await rule.loadContext(new SnapshotReader(BENCH_CONTEXT, scope.accountId, scope.region), models, scope);
  const out: number[] = [];
  for (let r = 0; r < 25; r++) {
    const c0 = process.cpuUsage();
    for (const m of models) rule.evaluate(m, params, ctx, scope);
    const c = process.cpuUsage(c0);
    out.push((c.user + c.system) / 1000);
  }
  out.sort((a, b) => a - b);
  console.log(id, 'cpu ms/pass median', out[12]!.toFixed(1), 'min', out[0]!.toFixed(1), '→ evals/cpu-s', Math.round(10000 / (out[12]! / 1000)));
})();

import { runThroughputCase } from './throughput';
(async () => {
  const r = await runThroughputCase({ ruleId: 'ec2-security-group-no-public-ingress', mode: 'lambda', n: 1500, seed: 1, iterations: 1, warmupIterations: 0 });
  console.log(JSON.stringify(r));
})();

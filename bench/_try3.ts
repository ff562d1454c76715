import { runThroughputCase } from './throughput';
(async () => {
  const id = process.argv[2]!;
  const r = await runThroughputCase({ ruleId: id, mode: 'pure', n: 10000, seed: 1, iterations: 30, timeMs: 0, warmupIterations: 2 });
  console.log(JSON.stringify(r));
})();

import { runThroughputCase } from './throughput';
(async () => {
  for (const ruleId of ['ec2-security-group-no-public-ingress','s3-bucket-no-public-access','s3-account-public-access-blocked','iam-root-access-keys-absent','cloudtrail-multi-region-logging'])
    for (const mode of ['pure','lambda'] as const) {
      const t = Date.now();
      const r = await runThroughputCase({ ruleId, mode, n: 2000, seed: 1, iterations: mode === 'pure' ? 5 : 1, timeMs: mode === 'pure' ? 0 : 2000, warmupIterations: mode === 'pure' ? 1 : 100 });
      console.log(JSON.stringify({...r, wall: Date.now()-t}));
    }
})().catch(e => { console.error(e); process.exit(1); });

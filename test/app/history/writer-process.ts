// A child process for the store's crash and concurrency tests (run with `node -r tsx/cjs`):
//   writer-process.ts <db> <tag> <batches> <rows-per-batch>
// Writes <batches> batches (0: until killed) of <rows-per-batch> evaluations, one transaction each, and prints
// "committed <n>" after each commit returns. Stdout to a pipe is synchronous on Linux, so a printed batch is a
// committed batch.
import { HistoryStore } from '../../../app/history/store';

const [db, tag, batchesArg, rowsArg] = process.argv.slice(2);
const batches = Number(batchesArg);
const rows = Number(rowsArg);

const store = HistoryStore.open(db);
const runId = store.beginRun({ kind: 'scan', account: '123456789012', region: 'us-east-1', args: [tag!] });
process.stdout.write(`run ${runId}\n`);
for (let b = 0; batches === 0 || b < batches; b++) {
  store.recordEvaluations(
    runId,
    Array.from({ length: rows }, (_, i) => ({
      ruleId: 'ec2-security-group-no-public-ingress',
      account: '123456789012',
      region: 'us-east-1',
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: `${tag}-${b}-${i}`,
      verdict: i % 2 ? ('COMPLIANT' as const) : ('NON_COMPLIANT' as const),
      annotation: `batch ${b} row ${i} of ${tag}.`,
      evaluatedAt: new Date(),
    })),
  );
  process.stdout.write(`committed ${b}\n`);
}
store.endRun(runId, 'succeeded');
store.close();

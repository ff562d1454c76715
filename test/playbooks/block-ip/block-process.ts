// A child process for block-ip's concurrency test (run with `node -r tsx/cjs`):
//   block-process.ts <endpoint> <instance-id> <addresses> <directions>
// Waits for "go" on stdin (so every process starts at once), runs block-ip with --apply semantics against the
// emulator, and prints the execution's status and failure message as one JSON line.
import { motoClients, runPlaybook } from '../helpers';

const [endpoint, instanceId, addresses, directions] = process.argv.slice(2);

process.stdin.once('data', async () => {
  const execution = await runPlaybook('block-ip', motoClients(endpoint as string), {
    IpAddresses: addresses,
    InstanceId: instanceId,
    Directions: directions,
    FindingId: 'concurrent',
  });
  process.stdout.write(
    `${JSON.stringify({ status: execution.status, failure: execution.failureMessage ?? null })}\n`,
  );
  process.exit(0);
});
process.stdout.write('ready\n');

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { HistoryStore, type RemediationRow } from '../../../app/history/store';
import { scanAccount } from '../../../app/scan';
import { RULES } from '../../../rules';
import { AwsClients } from '../../../shared/aws/clients';
import { populateAccount } from '../../helpers/accounts';
import { type FaultProxy, startFaultProxy } from '../../helpers/fault-proxy';
import { suiteLogWatch } from '../../helpers/log-secrets';
import { TEST_CREDENTIALS, useMoto } from '../../helpers/moto';

const ROOT = join(__dirname, '..', '..', '..');
const SG_RULE = RULES.filter((r) => r.meta.id === 'ec2-security-group-no-public-ingress');

/** A gate requests wait at while it is closed. */
function gate() {
  let open: () => void = () => undefined;
  let closed: Promise<void> | undefined;
  return {
    wait: () => closed,
    close() {
      closed = new Promise((resolve) => {
        open = resolve;
      });
    },
    open() {
      closed = undefined;
      open();
    },
  };
}

/** Reads the history file until `until` holds (the child writes it as it goes; WAL lets this process read). */
async function watch(db: string, until: (rows: RemediationRow[]) => boolean): Promise<RemediationRow[]> {
  for (;;) {
    try {
      const store = HistoryStore.open(db);
      try {
        const rows = store.remediations();
        if (until(rows)) return rows;
      } finally {
        store.close();
      }
    } catch {
      // Not created yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function remediateChild(endpoint: string, db: string): { child: ChildProcess; stderr: () => string } {
  const child = spawn(
    process.execPath,
    [
      'bin/rebaseline.js',
      'remediate',
      '--apply',
      '--endpoint-url',
      endpoint,
      '--rules',
      'ec2-security-group-no-public-ingress',
      '--db',
      db,
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'trace' } },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.once('exit', () => suiteLogWatch.readChildOutput(err, 'rebaseline remediate'));
  return { child, stderr: () => err };
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

describe('remediate --apply stopped by a signal', function () {
  this.timeout(120_000);
  const moto = useMoto();
  let dir: string;
  let proxy: FaultProxy | undefined;
  let openGroupIds: string[];
  let direct: AwsClients;
  const requests = gate();
  /** Requests stopped at the closed gate: the child is waiting on one, in the middle of a remediation. */
  let held = 0;
  const stalled = async () => {
    while (held === 0) await new Promise((r) => setTimeout(r, 20));
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-interrupt-'));
    direct = new AwsClients({ region: 'us-east-1', endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    ({ openGroupIds } = await populateAccount(direct, { groups: 24, buckets: 0 }));
    held = 0;
    proxy = await startFaultProxy({
      upstream: moto.endpoint,
      seed: 0,
      rate: 0,
      hold: () => {
        const closed = requests.wait();
        if (closed) held++;
        return closed;
      },
    });
  });
  afterEach(async () => {
    requests.open();
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** True when the rule, reading straight from the emulator, finds the group NON_COMPLIANT (still open to the world). */
  async function openToWorld(groupId: string): Promise<boolean> {
    const { findings } = await scanAccount({ rules: SG_RULE, clients: direct });
    return findings.some((f) => f.complianceResourceId === groupId && f.complianceType === 'NON_COMPLIANT');
  }

  it('finishes and records the change under way, touches nothing after it, and is recorded as interrupted (exit 130)', async () => {
    // Prepare: let the first remediation finish, then hold every request: the second is under way and stalled.
    const db = join(dir, 'history.db');
    const { child, stderr } = remediateChild(proxy!.endpoint, db);
    const exit = exited(child);
    await watch(db, (rows) => rows.some((r) => r.outcome === 'remediated'));
    requests.close();
    await stalled();
    await watch(db, (rows) => rows.some((r) => r.status === 'InProgress'));

    // Act: Ctrl-C while a change is under way; the change goes on once the child has said it will stop after it.
    child.kill('SIGINT');
    while (!/stopping after the change under way/.test(stderr())) await new Promise((r) => setTimeout(r, 20));
    requests.open();
    const { code } = await exit;

    // Assess
    expect(code, stderr()).to.equal(130);
    const store = HistoryStore.open(db);
    try {
      const [run] = store.runs();
      expect(run?.status).to.equal('interrupted');
      const rows = store.remediations();
      expect(rows.length).to.be.greaterThan(1).and.lessThan(openGroupIds.length);
      expect(rows.map((r) => r.outcome)).to.deep.equal(rows.map(() => 'remediated'));
      const recorded = new Set(rows.map((r) => r.resourceId));
      for (const id of openGroupIds) expect(await openToWorld(id), id).to.equal(!recorded.has(id));
    } finally {
      store.close();
    }
  });

  it('stops at once on a second signal, marking the change under way cancelled', async () => {
    const db = join(dir, 'twice.db');
    const { child, stderr } = remediateChild(proxy!.endpoint, db);
    const exit = exited(child);
    await watch(db, (rows) => rows.some((r) => r.outcome === 'remediated'));
    requests.close();
    await stalled();
    await watch(db, (rows) => rows.some((r) => r.status === 'InProgress'));

    child.kill('SIGTERM');
    while (!/stopping after the change under way/.test(stderr())) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const { code } = await exit;

    expect(code, stderr()).to.equal(143);
    const store = HistoryStore.open(db);
    try {
      expect(store.runs()[0]?.status).to.equal('interrupted');
      const rows = store.remediations();
      expect(rows.filter((r) => r.status === 'InProgress')).to.deep.equal([]);
      expect(rows.filter((r) => r.status === 'Cancelled')).to.have.length(1);
      expect(rows.filter((r) => r.status === 'Cancelled')[0]?.error).to.match(
        /may or may not have been applied/,
      );
    } finally {
      store.close();
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunRecorder } from '../../app/history/record';
import { HistoryStore } from '../../app/history/store';
import { type RemediationRecord, remediateAccount } from '../../app/remediate';
import { scanAccount } from '../../app/scan';
import { REMEDIATIONS } from '../../remediations';
import { RULES } from '../../rules';
import { AwsClients } from '../../shared/aws/clients';
import { populateAccount } from '../helpers/accounts';
import { FAST_RETRY, type FaultProxy, startFaultProxy, totalFaults } from '../helpers/fault-proxy';
import { TEST_CREDENTIALS, useMoto } from '../helpers/moto';

const SG_RULE = RULES.filter((r) => r.meta.id === 'ec2-security-group-no-public-ingress');
const BUCKET_RULE = RULES.filter((r) => r.meta.id === 's3-bucket-no-public-access');
const noWait = async () => undefined;

describe('remediate --apply under faults', function () {
  this.timeout(180_000);
  const moto = useMoto();
  let direct: AwsClients;
  let dir: string;
  let proxy: FaultProxy | undefined;

  beforeEach(() => {
    direct = new AwsClients({ region: 'us-east-1', endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-remediate-faults-'));
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const through = (p: FaultProxy) =>
    new AwsClients({
      region: 'us-east-1',
      endpoint: p.endpoint,
      credentials: TEST_CREDENTIALS,
      retry: FAST_RETRY,
    });

  /** True when the rule, reading straight from the emulator, finds the group NON_COMPLIANT (still open to the world). */
  async function openToWorld(groupId: string): Promise<boolean> {
    const { findings } = await scanAccount({ rules: SG_RULE, clients: direct });
    return findings.some((f) => f.complianceResourceId === groupId && f.complianceType === 'NON_COMPLIANT');
  }

  /** Remediates with the history written as it happens, as the CLI does. */
  async function remediate(clients: AwsClients, db: string, extra: { maxChanges?: number } = {}) {
    const store = HistoryStore.open(db);
    try {
      const recorder = new RunRecorder(store, { kind: 'remediate', args: ['remediate', '--apply'] });
      const result = await remediateAccount({
        rules: SG_RULE,
        remediations: REMEDIATIONS,
        clients,
        apply: true,
        maxChanges: extra.maxChanges ?? 100,
        sleep: noWait,
        journal: recorder,
      });
      recorder.finish({ dryRun: false, limitReached: result.limitReached });
      return result;
    } finally {
      store.close();
    }
  }

  it('ends every resource remediated-and-verified or failed-and-still-open, records each, and a rerun completes the rest', async () => {
    // Prepare: 20 world-open groups among 60.
    const { openGroupIds } = await populateAccount(direct, { groups: 60, buckets: 0 });
    // Two groups cannot be changed at all (their revoke is refused, as by an SCP), on top of the random faults.
    const refused = [openGroupIds[3], openGroupIds[12]] as string[];
    proxy = await startFaultProxy({
      upstream: moto.endpoint,
      seed: 11,
      rate: 0.2,
      script: (r) =>
        r.operation === 'RevokeSecurityGroupIngress' &&
        refused.some((id) => r.body.toString().includes(`GroupId=${id}`))
          ? {
              status: 403,
              code: 'UnauthorizedOperation',
              message: 'You are not authorized to perform this operation.',
            }
          : undefined,
    });
    const db = join(dir, 'history.db');

    // Act
    const first = await remediate(through(proxy), db);

    // Assess: every open group has one record; each is either fixed and verified live, or failed and still open.
    expect(totalFaults(proxy.injected)).to.be.greaterThan(20);
    expect(
      first.records
        .filter((r) => r.outcome === 'failed')
        .map((r) => r.resourceId)
        .sort(),
    ).to.deep.equal([...refused].sort());
    expect(first.records.map((r) => r.resourceId).sort()).to.deep.equal([...openGroupIds].sort());
    for (const r of first.records) {
      expect(['remediated', 'failed'], `${r.resourceId}: ${r.message}`).to.include(r.outcome);
      if (r.outcome === 'remediated') {
        expect(r.after?.complianceType, r.resourceId).to.equal('COMPLIANT');
        expect(await openToWorld(r.resourceId), r.resourceId).to.equal(false);
      } else expect(await openToWorld(r.resourceId), `${r.resourceId}: ${r.message}`).to.equal(true);
    }
    // The history has each outcome, none left in progress.
    const store = HistoryStore.open(db);
    try {
      const rows = store.remediations();
      expect(rows.map((r) => [r.resourceId, r.outcome]).sort()).to.deep.equal(
        first.records.map((r) => [r.resourceId, r.outcome]).sort(),
      );
      expect(rows.filter((r) => r.status === 'InProgress')).to.deep.equal([]);
      const verified = store
        .evaluations({ ruleId: SG_RULE[0]?.meta.id })
        .filter((e) => e.verdict === 'COMPLIANT' && openGroupIds.includes(e.resourceId));
      expect(verified.length).to.be.at.least(first.records.filter((r) => r.outcome === 'remediated').length);
    } finally {
      store.close();
    }

    // Act: the rerun, without faults.
    const second = await remediate(direct, db);

    // Assess: what the first run left is done now; nothing is open any more.
    const leftOver = first.records.filter((r) => r.outcome !== 'remediated').map((r) => r.resourceId);
    expect(second.records.map((r) => r.resourceId).sort()).to.deep.equal(leftOver.sort());
    expect(second.records.every((r: RemediationRecord) => r.outcome === 'remediated')).to.equal(true);
    for (const id of openGroupIds) expect(await openToWorld(id), id).to.equal(false);
    expect(second.after?.findings.filter((f) => f.complianceType === 'NON_COMPLIANT')).to.deep.equal([]);
  });

  it('a change whose answer was lost is verified live and counted as remediated', async () => {
    // Prepare: every RevokeSecurityGroupIngress is applied by the emulator, and its answer is lost once.
    const { openGroupIds } = await populateAccount(direct, { groups: 6, buckets: 0 });
    proxy = await startFaultProxy({
      upstream: moto.endpoint,
      seed: 'lost',
      rate: 1,
      weights: { 'lost-answer': 1, throttle: 0, 'server-error': 0, unavailable: 0, reset: 0, slow: 0 },
      shouldFault: (r) => r.operation === 'RevokeSecurityGroupIngress' && r.attempt === 1,
    });

    // Act
    const result = await remediate(through(proxy), join(dir, 'lost.db'));

    // Assess
    expect(proxy.injected['lost-answer']).to.equal(openGroupIds.length);
    for (const r of result.records) {
      expect(r.outcome, r.message).to.equal('remediated');
      expect(await openToWorld(r.resourceId)).to.equal(false);
    }
  });

  it('a read failure while verifying one resource fails that resource only; the run goes on and is recorded', async () => {
    // Prepare: once its ingress is revoked, group `target` can no longer be read (as if a policy changed).
    const { openGroupIds } = await populateAccount(direct, { groups: 9, buckets: 0 });
    const target = openGroupIds[1] as string;
    let revoked = false;
    proxy = await startFaultProxy({
      upstream: moto.endpoint,
      seed: 0,
      rate: 0,
      script: (r) => {
        const body = r.body.toString();
        if (r.operation === 'RevokeSecurityGroupIngress' && body.includes(`GroupId=${target}`))
          revoked = true;
        return revoked && r.operation === 'DescribeSecurityGroups' && body.includes(`GroupId.1=${target}`)
          ? {
              status: 403,
              code: 'UnauthorizedOperation',
              message: 'You are not authorized to perform this operation.',
            }
          : undefined;
      },
    });
    const db = join(dir, 'verify.db');

    // Act
    const result = await remediate(through(proxy), db);

    // Assess: the target failed (unverified), every other group was remediated, the history has them all.
    const byId = new Map(result.records.map((r) => [r.resourceId, r]));
    expect(byId.get(target)?.outcome).to.equal('failed');
    expect(byId.get(target)?.message).to.match(/could not be verified|UnauthorizedOperation|not authorized/i);
    for (const id of openGroupIds.filter((i) => i !== target))
      expect(byId.get(id)?.outcome, id).to.equal('remediated');
    const store = HistoryStore.open(db);
    try {
      expect(
        store
          .remediations()
          .map((r) => r.resourceId)
          .sort(),
      ).to.deep.equal([...openGroupIds].sort());
      expect(store.runs()[0]?.status).to.equal('failed');
    } finally {
      store.close();
    }
  });

  it('verifies each change by reading that resource only, not the whole account', async () => {
    // Prepare: count the account-wide list reads.
    await populateAccount(direct, { groups: 15, buckets: 12 });
    const listReads: string[] = [];
    proxy = await startFaultProxy({
      upstream: moto.endpoint,
      seed: 0,
      rate: 0,
      script: (r) => {
        if (r.operation === 'DescribeSecurityGroups' && !r.body.toString().includes('GroupId.1='))
          listReads.push('sg');
        if (r.service === 's3' && r.method === 'GET' && r.url.split('?')[0] === '/')
          listReads.push('buckets');
        return undefined;
      },
    });
    const store = HistoryStore.open(join(dir, 'reads.db'));
    try {
      const recorder = new RunRecorder(store, { kind: 'remediate' });
      // Act
      const result = await remediateAccount({
        rules: [...SG_RULE, ...BUCKET_RULE],
        remediations: REMEDIATIONS,
        clients: through(proxy),
        apply: true,
        maxChanges: 100,
        sleep: noWait,
        journal: recorder,
      });
      recorder.finish();
      // Assess: one list of each before and one after, however many resources were remediated.
      expect(result.records.filter((r) => r.outcome === 'remediated').length).to.be.greaterThan(5);
      expect(listReads.filter((r) => r === 'sg')).to.have.length(2);
      expect(listReads.filter((r) => r === 'buckets')).to.have.length(2);
    } finally {
      store.close();
    }
    const after = await scanAccount({ rules: [...SG_RULE, ...BUCKET_RULE], clients: direct });
    expect(after.findings.filter((f) => f.complianceType === 'NON_COMPLIANT')).to.deep.equal([]);
  });
});

import { GetRolePolicyCommand, TagRoleCommand } from '@aws-sdk/client-iam';
import { expect } from 'chai';
import { cutoffOf, REVOKE_POLICY } from '../../../playbooks/revoke-role-sessions/plan';
import type { AwsClients } from '../../../shared/aws/clients';
import { IAM } from '../../../shared/aws/services/iam';
import { useMoto } from '../../helpers/moto';
import { createWorkload, motoClients, runPlaybook } from '../helpers';

async function policyOf(aws: AwsClients, role: string): Promise<unknown> {
  const out = await aws
    .get(IAM)
    .send(new GetRolePolicyCommand({ RoleName: role, PolicyName: REVOKE_POLICY }))
    .catch(() => undefined);
  return out ? JSON.parse(decodeURIComponent(out.PolicyDocument!)) : undefined;
}

describe('playbook revoke-role-sessions (moto_server)', function () {
  this.timeout(120_000);
  const moto = useMoto();

  it("denies the instance role's sessions issued before now; a retry after detection changes nothing", async () => {
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws);
    const first = await runPlaybook(
      'revoke-role-sessions',
      aws,
      { InstanceId: w.instanceId, FindingId: 'exfil', DetectedAt: '2026-11-28T09:55:00.000Z' },
      { now: () => new Date('2026-11-28T10:00:00.000Z') },
    );
    expect(first.status, first.failureMessage).to.equal('Success');
    expect(await policyOf(aws, w.roleName)).to.deep.equal({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-11-28T10:00:00Z' } },
        },
      ],
    });
    const retry = await runPlaybook(
      'revoke-role-sessions',
      aws,
      { InstanceId: w.instanceId, FindingId: 'exfil', DetectedAt: '2026-11-28T09:55:00.000Z' },
      { now: () => new Date('2026-11-28T11:00:00.000Z') },
    );
    expect(retry.status, retry.failureMessage).to.equal('Success');
    expect(
      cutoffOf(await policyOf(aws, w.roleName))?.toISOString(),
      'the fresh sessions since are not cut',
    ).to.equal('2026-11-28T10:00:00.000Z');
  });

  it('a revocation older than the finding moves to now; the role named directly; dry-run changes nothing', async () => {
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws);
    await runPlaybook(
      'revoke-role-sessions',
      aws,
      { RoleName: w.roleName },
      { now: () => new Date('2026-11-01T00:00:00.000Z') },
    );
    const dry = await runPlaybook(
      'revoke-role-sessions',
      aws,
      { RoleName: w.roleName, DetectedAt: '2026-11-28T09:55:00.000Z' },
      { dryRun: true, now: () => new Date('2026-11-28T10:00:00.000Z') },
    );
    expect(dry.status, dry.failureMessage).to.equal('Success');
    expect(dry.plan.map((p) => `${p.service}:${p.api}`)).to.deep.equal(['iam:PutRolePolicy']);
    expect(cutoffOf(await policyOf(aws, w.roleName))?.toISOString()).to.equal('2026-11-01T00:00:00.000Z');
    await runPlaybook(
      'revoke-role-sessions',
      aws,
      { RoleName: w.roleName, DetectedAt: '2026-11-28T09:55:00.000Z' },
      { now: () => new Date('2026-11-28T10:00:00.000Z') },
    );
    expect(cutoffOf(await policyOf(aws, w.roleName))?.toISOString()).to.equal('2026-11-28T10:00:00.000Z');
  });

  it('the skip tag on the role: nothing is changed', async () => {
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws);
    await aws.get(IAM).send(
      new TagRoleCommand({
        RoleName: w.roleName,
        Tags: [{ Key: 'rebaseline:incident-response', Value: 'skip' }],
      }),
    );
    const execution = await runPlaybook('revoke-role-sessions', aws, { InstanceId: w.instanceId });
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(await policyOf(aws, w.roleName)).to.equal(undefined);
  });
});

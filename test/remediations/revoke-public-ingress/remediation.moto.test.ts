import {
  CreateTagsCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { expect } from 'chai';
import { REVOKED_INGRESS_TAG } from '../../../remediations/revoke-public-ingress/handler';
import type { AwsClients } from '../../../shared/aws/clients';
import { EC2 } from '../../../shared/aws/services/ec2';
import { useMoto } from '../../helpers/moto';
import {
  authorize,
  createGroup,
  createInsecureGroup,
  createVpc,
  describeGroup,
  type InsecureGroup,
  motoClients,
  mutations,
  runRemediation,
  sources,
  tagsOf,
} from '../helpers';

const ID = 'revoke-public-ingress';

/**
 * What the rule must leave: the 10.0.0.0/8 half of the mixed permission, the authorized 443, a group reference,
 * and, of the revoked "all traffic from 0.0.0.0/0", the ICMP the rule allows (allowIcmp defaults to true).
 */
const KEPT = (sg: InsecureGroup) => [
  'icmp -1--1 0.0.0.0/0',
  'tcp 22-22 10.0.0.0/8',
  'tcp 443-443 0.0.0.0/0',
  `tcp 5432-5432 ${sg.peerGroupId}`,
  'udp 53-53 192.168.0.0/16',
];

/** The steps of a run that changes something, in order. */
const CHANGING_STEPS = [
  'PlanRevocation:Success',
  'CheckAnythingToRevoke:Success',
  'AuthorizeKeptIngress:Success',
  'RevokePublicIngress:Success',
  'TagRevokedIngress:Success',
  'VerifyNoPublicIngress:Success',
];

async function allGroups(aws: AwsClients): Promise<SecurityGroup[]> {
  return (await aws.get(EC2).send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [];
}

/** Every group except `groupId`, with its ingress and tags, for "nothing else changed". */
async function otherGroups(aws: AwsClients, groupId: string) {
  return (await allGroups(aws))
    .filter((g) => g.GroupId !== groupId)
    .map((g) => ({ id: g.GroupId, ingress: sources(g), egress: g.IpPermissionsEgress, tags: tagsOf(g) }))
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

describe('remediation revoke-public-ingress (runner + moto_server)', () => {
  const moto = useMoto();
  let aws: AwsClients;
  let calls: string[];
  let sg: InsecureGroup;
  const run = (parameters: Record<string, unknown> = {}, dryRun = false) =>
    runRemediation(ID, aws, { GroupId: sg.groupId, AuthorizedTcpPorts: '443', ...parameters }, { dryRun });

  beforeEach(async () => {
    calls = [];
    aws = motoClients(moto.endpoint, calls);
    sg = await createInsecureGroup(aws);
    calls.length = 0;
  });

  it('revokes exactly the flagged world-open sources, tags the group, verifies, and changes nothing else', async () => {
    // Prepare
    const before = await describeGroup(aws, sg.groupId);
    const othersBefore = await otherGroups(aws, sg.groupId);

    // Act
    const execution = await run();

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal(CHANGING_STEPS);
    const after = await describeGroup(aws, sg.groupId);
    expect(sources(after)).to.deep.equal(KEPT(sg));
    expect(after.IpPermissionsEgress).to.deep.equal(before.IpPermissionsEgress);
    const tag = tagsOf(after)[REVOKED_INGRESS_TAG];
    expect(tag).to.equal(execution.outputs['PlanRevocation.TagValue']);
    expect(tag).to.match(new RegExp(`^revoked \\S+Z by ${execution.executionId}: `));
    for (const revoked of [
      'tcp:22=0.0.0.0/0',
      'tcp:3389=::/0',
      'all=0.0.0.0/0',
      `tcp:8080=${sg.worldPrefixListId}`,
    ])
      expect(tag).to.include(revoked);
    expect(await otherGroups(aws, sg.groupId)).to.deep.equal(othersBefore);
    expect(JSON.parse(String(execution.outputs['PlanRevocation.PreviousIngress']))).to.deep.equal(
      before.IpPermissions,
    );
    expect(execution.outputs['PlanRevocation.RevokeCount']).to.equal(4);
    expect(execution.outputs['VerifyNoPublicIngress.Compliant']).to.equal(true);
    expect(mutations(calls)).to.deep.equal([
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:RevokeSecurityGroupIngress',
      'ec2:CreateTags',
    ]);
  });

  it('tcp 20-30 from the world with 22 authorized: 22 stays open throughout, only 20-21 and 23-30 close', async () => {
    // Prepare
    const vpc = await createVpc(aws);
    const groupId = await createGroup(aws, vpc, 'ranges');
    await authorize(aws, groupId, [
      {
        IpProtocol: 'tcp',
        FromPort: 20,
        ToPort: 30,
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'legacy' }, { CidrIp: '10.0.0.0/8' }],
      },
    ]);
    const during: string[][] = [];
    calls.length = 0;

    // Act
    const execution = await runRemediation(
      ID,
      aws,
      { GroupId: groupId, AuthorizedTcpPorts: '22' },
      {
        onStep: async (step) => {
          if (step.name === 'AuthorizeKeptIngress' || step.name === 'RevokePublicIngress')
            during.push(sources(await describeGroup(aws, groupId)));
        },
      },
    );

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal(CHANGING_STEPS);
    const after = await describeGroup(aws, groupId);
    expect(sources(after)).to.deep.equal(['tcp 20-30 10.0.0.0/8', 'tcp 22-22 0.0.0.0/0']);
    const kept = after.IpPermissions?.find((p) => p.FromPort === 22 && p.ToPort === 22);
    expect(kept?.IpRanges, 'the kept source keeps its description').to.deep.equal([
      { CidrIp: '0.0.0.0/0', Description: 'legacy' },
    ]);
    for (const state of during) expect(state).to.include('tcp 22-22 0.0.0.0/0');
    expect(during[0]).to.include('tcp 20-30 0.0.0.0/0');
    expect(tagsOf(after)[REVOKED_INGRESS_TAG]).to.match(/: tcp:20-30=0\.0\.0\.0\/0$/);
    expect(JSON.parse(String(execution.outputs['PlanRevocation.KeptPermissions']))).to.deep.equal([
      {
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'legacy' }],
      },
    ]);
    expect(mutations(calls)).to.deep.equal([
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:RevokeSecurityGroupIngress',
      'ec2:CreateTags',
    ]);
  });

  it('authorizes what stays allowed first, and tags only after the revocation succeeded', async () => {
    const execution = await run();
    const index = (name: string) => execution.steps.findIndex((s) => s.name === name);
    expect(index('AuthorizeKeptIngress')).to.be.greaterThan(-1).and.lessThan(index('RevokePublicIngress'));
    expect(index('RevokePublicIngress')).to.be.lessThan(index('TagRevokedIngress'));
    expect(calls.indexOf('ec2:RevokeSecurityGroupIngress')).to.be.lessThan(calls.indexOf('ec2:CreateTags'));
  });

  it('a revocation that fails writes no tag: the group still open carries no "revoked" record', async () => {
    // Prepare: between the plan and the revoke, the planned rules go and another world-open one comes.
    const execution = await runRemediation(
      ID,
      aws,
      { GroupId: sg.groupId, AuthorizedTcpPorts: '443' },
      {
        onStep: async (step, current) => {
          if (step.name !== 'AuthorizeKeptIngress') return;
          const planned = current.steps.find((s) => s.name === 'PlanRevocation')?.outputs.IpPermissions;
          await aws
            .get(EC2)
            .send(
              new RevokeSecurityGroupIngressCommand({ GroupId: sg.groupId, IpPermissions: planned as never }),
            );
          await authorize(aws, sg.groupId, [
            { IpProtocol: 'tcp', FromPort: 23, ToPort: 23, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          ]);
        },
      },
    );

    // Assess
    expect(execution.status).to.equal('Failed');
    expect(execution.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal([
      'PlanRevocation:Success',
      'CheckAnythingToRevoke:Success',
      'AuthorizeKeptIngress:Success',
      'RevokePublicIngress:Failed',
      'VerifyNoPublicIngress:Failed',
    ]);
    const after = await describeGroup(aws, sg.groupId);
    expect(sources(after)).to.include('tcp 23-23 0.0.0.0/0');
    expect(tagsOf(after)).to.not.have.property(REVOKED_INGRESS_TAG);
  });

  it('a second run is a no-op: no API mutation, the tag not rewritten', async () => {
    // Prepare
    await run();
    const between = await describeGroup(aws, sg.groupId);
    calls.length = 0;

    // Act
    const second = await run();

    // Assess
    expect(second.status, second.failureMessage).to.equal('Success');
    expect(second.steps.map((s) => s.name)).to.deep.equal([
      'PlanRevocation',
      'CheckAnythingToRevoke',
      'VerifyNoPublicIngress',
    ]);
    expect(mutations(calls)).to.deep.equal([]);
    expect(second.outputs['PlanRevocation.RevokeCount']).to.equal(0);
    expect(second.outputs['PlanRevocation.Message']).to.match(/^Already compliant: /);
    const after = await describeGroup(aws, sg.groupId);
    expect(sources(after)).to.deep.equal(sources(between));
    expect(tagsOf(after)).to.deep.equal(tagsOf(between));
  });

  it('dry-run changes nothing and plans the exact calls', async () => {
    // Prepare
    const before = await describeGroup(aws, sg.groupId);

    // Act
    const execution = await run({}, true);

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(mutations(calls)).to.deep.equal([]);
    const after = await describeGroup(aws, sg.groupId);
    expect(sources(after)).to.deep.equal(sources(before));
    expect(tagsOf(after)).to.deep.equal({});
    const tagValue = execution.outputs['PlanRevocation.TagValue'];
    expect(
      execution.plan.map(({ step, service, api, inputs }) => ({ step, service, api, inputs })),
    ).to.deep.equal([
      {
        step: 'AuthorizeKeptIngress',
        service: 'ec2',
        api: 'AuthorizeSecurityGroupIngress',
        inputs: {
          GroupId: sg.groupId,
          IpPermissions: [
            { IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          ],
        },
      },
      {
        step: 'RevokePublicIngress',
        service: 'ec2',
        api: 'RevokeSecurityGroupIngress',
        inputs: {
          GroupId: sg.groupId,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            { IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
            {
              IpProtocol: 'tcp',
              FromPort: 8080,
              ToPort: 8080,
              PrefixListIds: [{ PrefixListId: sg.worldPrefixListId }],
            },
            { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          ],
        },
      },
      {
        step: 'TagRevokedIngress',
        service: 'ec2',
        api: 'CreateTags',
        inputs: { Resources: [sg.groupId], Tags: [{ Key: REVOKED_INGRESS_TAG, Value: tagValue }] },
      },
    ]);
    const verify = execution.steps.find((s) => s.name === 'VerifyNoPublicIngress');
    expect(verify?.status).to.equal('Success');
    expect(verify?.outputs.Message).to.match(/^Would verify that sg-\w+ is compliant; now: /);
    expect(execution.outputs['VerifyNoPublicIngress.Compliant']).to.equal(false);
  });

  it('already compliant → does nothing and says so', async () => {
    // Prepare
    const vpc = await createVpc(aws);
    const groupId = await createGroup(aws, vpc, 'internal');
    await authorize(aws, groupId, [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
    ]);
    const before = await describeGroup(aws, groupId);
    calls.length = 0;

    // Act
    const execution = await runRemediation(ID, aws, { GroupId: groupId });

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.steps.map((s) => s.name)).to.deep.equal([
      'PlanRevocation',
      'CheckAnythingToRevoke',
      'VerifyNoPublicIngress',
    ]);
    expect(execution.outputs['PlanRevocation.Message']).to.equal(
      `Already compliant: ${groupId} allows no unauthorized ingress from the internet; nothing revoked.`,
    );
    expect(mutations(calls)).to.deep.equal([]);
    const after = await describeGroup(aws, groupId);
    expect(sources(after)).to.deep.equal(sources(before));
    expect(tagsOf(after)).to.deep.equal({});
  });

  it('a rule already gone when the revoke runs is success (verification decides)', async () => {
    // Prepare: a concurrent run revokes the same sources between this run's plan and its revoke.
    let raced = false;

    // Act
    const execution = await runRemediation(
      ID,
      aws,
      { GroupId: sg.groupId, AuthorizedTcpPorts: '443' },
      {
        onStep: async (step, current) => {
          if (step.name !== 'AuthorizeKeptIngress') return;
          const planned = current.steps.find((s) => s.name === 'PlanRevocation')?.outputs.IpPermissions;
          await aws
            .get(EC2)
            .send(
              new RevokeSecurityGroupIngressCommand({ GroupId: sg.groupId, IpPermissions: planned as never }),
            );
          raced = true;
        },
      },
    );

    // Assess
    expect(raced).to.equal(true);
    expect(execution.status, execution.failureMessage).to.equal('Success');
    const revoke = execution.steps.find((s) => s.name === 'RevokePublicIngress');
    expect(revoke?.status).to.equal('Failed');
    expect(revoke?.failureMessage).to.include('InvalidPermission.NotFound');
    expect(execution.steps.map((s) => s.name)).to.not.include('TagRevokedIngress');
    expect(execution.steps.at(-1)).to.include({ name: 'VerifyNoPublicIngress', status: 'Success' });
    expect(sources(await describeGroup(aws, sg.groupId))).to.deep.equal(KEPT(sg));
  });

  it('an exempted group is never changed, and the verification says why it is compliant', async () => {
    // Prepare
    await aws
      .get(EC2)
      .send(
        new CreateTagsCommand({ Resources: [sg.groupId], Tags: [{ Key: 'exposure', Value: 'approved' }] }),
      );
    const before = await describeGroup(aws, sg.groupId);
    calls.length = 0;

    // Act
    const execution = await run({ ExemptTagKey: 'exposure', ExemptTagValue: 'approved' });

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(mutations(calls)).to.deep.equal([]);
    expect(execution.outputs['PlanRevocation.Message']).to.equal(
      'Exempted: tagged exposure=approved. Nothing revoked.',
    );
    expect(execution.outputs['VerifyNoPublicIngress.Message']).to.match(/compliant\. Exempted: tagged/);
    const after = await describeGroup(aws, sg.groupId);
    expect(sources(after)).to.deep.equal(sources(before));
    expect(tagsOf(after)).to.deep.equal(tagsOf(before));
  });

  it('a verification that still finds public ingress fails the execution', async () => {
    // Prepare: the revoke is stubbed out by authorizing the world again right after it.
    const execution = await runRemediation(
      ID,
      aws,
      { GroupId: sg.groupId, AuthorizedTcpPorts: '443' },
      {
        onStep: async (step) => {
          if (step.name === 'RevokePublicIngress')
            await authorize(aws, sg.groupId, [
              { IpProtocol: 'tcp', FromPort: 23, ToPort: 23, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            ]);
        },
      },
    );

    // Assess
    expect(execution.status).to.equal('Failed');
    expect(execution.failureMessage).to.match(
      /VerifyNoPublicIngress failed: .*RemediationVerificationError: sg-\w+ is still not compliant: Ingress tcp 23/,
    );
  });
});

import {
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateTagsCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { expect } from 'chai';
import type { AutomationExecution } from '../../../app/ssm/runner';
import type { AwsClients } from '../../../shared/aws/clients';
import { AutoScaling } from '../../../shared/aws/services/autoscaling';
import { EC2 } from '../../../shared/aws/services/ec2';
import { ELBv2 } from '../../../shared/aws/services/elbv2';
import type { CallRecord } from '../../../shared/incident/calls';
import { useMoto } from '../../helpers/moto';
import { createWorkload, motoClients, replaceGroupsLikeAws, runPlaybook, type Workload } from '../helpers';

const FINDING = '02be5693b63eea1d67e6f321c6aee4f3';

/** Every call the playbook's Lambda steps made (or planned), in order. */
function calls(execution: AutomationExecution): CallRecord[] {
  return execution.steps.flatMap(
    (s) => (s.outputs.Payload as { Calls?: CallRecord[] } | undefined)?.Calls ?? [],
  );
}

/** The end state read back from the emulator. */
async function readBack(aws: AwsClients, w: Workload) {
  const ec2 = aws.get(EC2);
  const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [w.instanceId] })))
    .Reservations![0]!.Instances![0]!;
  const enis = (
    await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'attachment.instance-id', Values: [w.instanceId] }],
      }),
    )
  ).NetworkInterfaces!;
  const snapshots = (
    await ec2.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [{ Name: 'tag:rebaseline:finding', Values: [FINDING] }],
      }),
    )
  ).Snapshots!;
  const protection = await ec2.send(
    new DescribeInstanceAttributeCommand({ InstanceId: w.instanceId, Attribute: 'disableApiTermination' }),
  );
  const shutdown = await ec2.send(
    new DescribeInstanceAttributeCommand({
      InstanceId: w.instanceId,
      Attribute: 'instanceInitiatedShutdownBehavior',
    }),
  );
  const profiles = (
    await ec2.send(
      new DescribeIamInstanceProfileAssociationsCommand({
        Filters: [{ Name: 'instance-id', Values: [w.instanceId] }],
      }),
    )
  ).IamInstanceProfileAssociations!.filter((a) => a.State === 'associated');
  const asg = (
    await aws.get(AutoScaling).send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [w.instanceId] }))
  ).AutoScalingInstances!;
  const targets = (
    await aws.get(ELBv2).send(new DescribeTargetHealthCommand({ TargetGroupArn: w.targetGroupArn }))
  ).TargetHealthDescriptions!;
  const isolation = (
    await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'group-name', Values: ['rebaseline-isolation'] },
          { Name: 'vpc-id', Values: [w.vpcId] },
        ],
      }),
    )
  ).SecurityGroups!;
  return {
    state: instance.State?.Name,
    tags: Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key, t.Value])),
    volumes: instance.BlockDeviceMappings ?? [],
    enis: enis.map((e) => ({ id: e.NetworkInterfaceId!, groups: e.Groups!.map((g) => g.GroupId!) })),
    snapshots,
    terminationProtection: protection.DisableApiTermination?.Value,
    shutdownBehavior: shutdown.InstanceInitiatedShutdownBehavior?.Value,
    profiles,
    asg,
    targets: targets.filter((t) => t.Target?.Id === w.instanceId),
    isolation,
  };
}

describe('playbook isolate-ec2-instance (moto_server)', function () {
  this.timeout(120_000);
  const moto = useMoto();
  const now = () => new Date('2026-11-28T10:00:00.000Z');

  it('dry-run: plans every stage with exact calls and changes nothing', async () => {
    const aws = replaceGroupsLikeAws(motoClients(moto.endpoint));
    const w = await createWorkload(aws);
    const before = await readBack(aws, w);
    const execution = await runPlaybook(
      'isolate-ec2-instance',
      aws,
      { InstanceId: w.instanceId, FindingId: FINDING },
      { dryRun: true, now },
    );
    expect(execution.status, execution.failureMessage).to.equal('Success');
    const apis = execution.plan.map((p) => `${p.service}:${p.api}`);
    expect(apis).to.include.members([
      'dynamodb:PutItem',
      'ec2:CreateTags',
      'ec2:ModifyInstanceAttribute',
      'ec2:CreateSnapshot',
      'autoscaling:DetachInstances',
      'elbv2:DeregisterTargets',
      'ec2:DisassociateIamInstanceProfile',
      'ec2:CreateSecurityGroup',
      'ec2:ModifyNetworkInterfaceAttribute',
    ]);
    expect(execution.plan.find((p) => p.api === 'CreateSnapshot')?.inputs).to.deep.include({
      VolumeId: w.volumeIds[0],
    });
    expect(await readBack(aws, w)).to.deep.equal(before);
  });

  it('isolates: evidence, out of service, no profile, only the isolation group; a second run changes nothing; release restores', async () => {
    const aws = replaceGroupsLikeAws(motoClients(moto.endpoint));
    const w = await createWorkload(aws);
    const first = await runPlaybook(
      'isolate-ec2-instance',
      aws,
      { InstanceId: w.instanceId, FindingId: FINDING },
      { now },
    );
    expect(first.status, first.failureMessage).to.equal('Success');

    const after = await readBack(aws, w);
    expect(after.state, 'the instance still exists').to.equal('running');
    expect(after.tags).to.include({
      'rebaseline:incident': FINDING,
      'rebaseline:isolated': '2026-11-28T10:00:00.000Z',
    });
    expect(after.snapshots.map((s) => s.VolumeId).sort()).to.deep.equal([...w.volumeIds].sort());
    for (const s of after.snapshots)
      expect(Object.fromEntries(s.Tags!.map((t) => [t.Key, t.Value]))).to.include({
        'rebaseline:finding': FINDING,
        'rebaseline:instance': w.instanceId,
      });
    expect(after.terminationProtection).to.equal(true);
    expect(after.shutdownBehavior).to.equal('stop');
    expect(after.volumes.every((v) => v.Ebs?.DeleteOnTermination === false)).to.equal(true);
    expect(after.profiles, 'no instance profile').to.deep.equal([]);
    expect(after.asg, 'out of the Auto Scaling group').to.deep.equal([]);
    expect(after.targets, 'out of the target group').to.deep.equal([]);
    expect(after.isolation).to.have.length(1);
    const isolationId = after.isolation[0]!.GroupId!;
    expect(after.isolation[0]!.IpPermissions, 'no inbound rule').to.deep.equal([]);
    expect(after.isolation[0]!.IpPermissionsEgress, 'no outbound rule').to.deep.equal([]);
    for (const eni of after.enis) expect(eni.groups, eni.id).to.deep.equal([isolationId]);
    const group = await aws
      .get(AutoScaling)
      .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [w.autoScalingGroup] }));
    expect(
      group.AutoScalingGroups![0]!.DesiredCapacity,
      'capacity kept: the group replaces the instance',
    ).to.equal(1);

    const second = await runPlaybook(
      'isolate-ec2-instance',
      aws,
      { InstanceId: w.instanceId, FindingId: FINDING },
      { now },
    );
    expect(second.status, second.failureMessage).to.equal('Success');
    expect(
      calls(second).filter((c) => c.outcome === 'done'),
      'the second run calls nothing',
    ).to.deep.equal([]);
    expect((await readBack(aws, w)).snapshots, 'no second snapshot').to.have.length(after.snapshots.length);

    const release = await runPlaybook(
      'isolate-ec2-instance',
      aws,
      { InstanceId: w.instanceId, FindingId: FINDING, Mode: 'release' },
      { now },
    );
    expect(release.status, release.failureMessage).to.equal('Success');
    const released = await readBack(aws, w);
    for (const eni of released.enis) expect(eni.groups, eni.id).to.deep.equal([w.appGroupId]);
    expect(released.profiles.map((p) => p.IamInstanceProfile?.Arn)).to.deep.equal([w.profileArn]);
    expect(released.targets.map((t) => t.Target?.Port)).to.deep.equal([8080]);
    expect(released.asg.map((a) => a.AutoScalingGroupName)).to.deep.equal([w.autoScalingGroup]);
    expect(released.terminationProtection).to.equal(false);
    expect(released.shutdownBehavior).to.equal('stop');
    expect(released.tags).to.not.have.property('rebaseline:isolated');
    expect(released.tags).to.include({ 'rebaseline:incident': FINDING });
    expect(released.snapshots, 'the evidence stays').to.have.length(after.snapshots.length);
  });

  it('the skip tag, read live: nothing is changed', async () => {
    const aws = replaceGroupsLikeAws(motoClients(moto.endpoint));
    const w = await createWorkload(aws);
    await aws.get(EC2).send(
      new CreateTagsCommand({
        Resources: [w.instanceId],
        Tags: [{ Key: 'rebaseline:incident-response', Value: 'skip' }],
      }),
    );
    const before = await readBack(aws, w);
    const execution = await runPlaybook(
      'isolate-ec2-instance',
      aws,
      { InstanceId: w.instanceId, FindingId: FINDING },
      { now },
    );
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.steps.map((s) => s.name)).to.deep.equal([
      'ChooseMode',
      'Plan',
      'CheckProceed',
      'VerifyIsolated',
    ]);
    expect(await readBack(aws, w)).to.deep.equal(before);
  });

  it('release without a recorded isolation refuses and changes nothing', async () => {
    const aws = replaceGroupsLikeAws(motoClients(moto.endpoint));
    const w = await createWorkload(aws);
    const execution = await runPlaybook(
      'isolate-ec2-instance',
      aws,
      { InstanceId: w.instanceId, FindingId: FINDING, Mode: 'release' },
      { now },
    );
    expect(execution.status).to.equal('Failed');
    expect(execution.failureMessage).to.contain(`No isolation of ${w.instanceId} is recorded`);
  });

  it('with RequireApproval: nothing changes until an approver says yes; a rejection stops everything', async () => {
    const aws = replaceGroupsLikeAws(motoClients(moto.endpoint));
    const w = await createWorkload(aws);
    const before = await readBack(aws, w);
    const approvers = ['arn:aws:iam::123456789012:role/SecurityLead'];
    const rejected = await runPlaybook(
      'isolate-ec2-instance',
      aws,
      { InstanceId: w.instanceId, FindingId: FINDING, RequireApproval: true, Approvers: approvers },
      { now, approve: async () => ({ approved: false, approver: 'lead', comment: 'false positive' }) },
    );
    expect(rejected.status).to.equal('Failed');
    expect(rejected.failureMessage).to.contain('rejected by lead: false positive');
    expect(await readBack(aws, w)).to.deep.equal(before);
    const asked: string[] = [];
    const approved = await runPlaybook(
      'isolate-ec2-instance',
      aws,
      { InstanceId: w.instanceId, FindingId: FINDING, RequireApproval: true, Approvers: approvers },
      {
        now,
        approve: async (r) => {
          asked.push(r.message ?? '');
          return { approved: true, approver: 'lead' };
        },
      },
    );
    expect(approved.status, approved.failureMessage).to.equal('Success');
    expect(asked[0]).to.contain(`Isolate ${w.instanceId} for finding ${FINDING}`);
    expect((await readBack(aws, w)).profiles).to.deep.equal([]);
  });
});

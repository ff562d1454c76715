import {
  AttachInstancesCommand,
  DescribeAutoScalingInstancesCommand,
  DetachInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AssociateIamInstanceProfileCommand,
  AttachNetworkInterfaceCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DetachNetworkInterfaceCommand,
  DisassociateIamInstanceProfileCommand,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceIamInstanceProfileAssociationCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../../shared/aws/clients';
import { AutoScaling } from '../../shared/aws/services/autoscaling';
import { DynamoDB } from '../../shared/aws/services/dynamodb';
import { EC2 } from '../../shared/aws/services/ec2';
import { ELBv2 } from '../../shared/aws/services/elbv2';
import { PlaybookRefusedError } from '../../shared/errors';
import { type CallRecord, type StepResult, stepResult } from '../../shared/incident/calls';
import { checkSkipTag, readInstance } from '../../shared/incident/instance';
import {
  BOOLEAN_FIELD,
  flagOf,
  type PlaybookInvocation,
  playbookLambda,
  runStage,
  sender,
  TEXT_FIELD,
  verified,
} from '../../shared/incident/playbook-lambda';
import {
  DEFAULT_STATE_TABLE,
  lostRace,
  readState,
  type Versioned,
  writeStateCall,
} from '../../shared/incident/state';
import { ACCOUNT_ID_FIELD, payloadParser } from '../../shared/remediation/payload';
import {
  ISOLATION_GROUP,
  type IsolationRecord,
  type IsolationSettings,
  type IsolationState,
  isolationProblems,
  type ManagedGroup,
  planDetach,
  planForensics,
  planGroups,
  planInterfaces,
  planProfile,
  planProtect,
  planRelease,
  planSnapshots,
  planTag,
  planTerminate,
  recordOf,
  releaseProblems,
  SNAPSHOT_FINDING_TAG,
  type TargetRegistration,
  UNTRACK_GROUP,
} from './plan';

export const PLAYBOOK_ID = 'isolate-ec2-instance';

const MODES = [
  'plan',
  'tag',
  'protect',
  'snapshot',
  'detach',
  'profile',
  'network',
  'forensics',
  'terminate',
  'verify',
  'release',
  'verify-release',
] as const;
type Mode = (typeof MODES)[number];

export interface IsolatePayload {
  Mode: Mode;
  AccountId: string;
  InstanceId: string;
  /** Required to isolate (it tags the instance and the snapshots); a release needs none. */
  FindingId?: string;
  StateTable?: string;
  IsolationGroupName?: string;
  ResetTrackedConnections?: string;
  DecrementDesiredCapacity?: string;
  ForensicsSubnetId?: string;
  ForensicsSecurityGroupId?: string;
  Terminate?: string;
  SkipTagKey?: string;
  SkipTagValue?: string;
  DryRun?: boolean;
}

export const parsePayload = payloadParser<IsolatePayload>(PLAYBOOK_ID, {
  type: 'object',
  required: ['Mode', 'AccountId', 'InstanceId'],
  properties: {
    Mode: { enum: [...MODES] },
    AccountId: ACCOUNT_ID_FIELD,
    InstanceId: { type: 'string', pattern: '^i-[0-9a-f]{8,17}$', description: 'an instance id' },
    FindingId: {
      type: ['string', 'null'],
      pattern: '^$|^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,255}$',
      default: '',
      description: 'a finding id',
    },
    StateTable: {
      type: ['string', 'null'],
      pattern: '^[A-Za-z0-9_.-]{3,255}$',
      default: DEFAULT_STATE_TABLE,
      description: 'a DynamoDB table name',
    },
    IsolationGroupName: {
      type: ['string', 'null'],
      pattern: '^[A-Za-z0-9 ._:/()#,@\\[\\]+=&;{}!$*-]{1,255}$',
      default: ISOLATION_GROUP,
      description: 'a security group name',
    },
    ResetTrackedConnections: { ...BOOLEAN_FIELD, default: 'true' },
    DecrementDesiredCapacity: { ...BOOLEAN_FIELD, default: 'false' },
    ForensicsSubnetId: {
      type: ['string', 'null'],
      pattern: '^$|^subnet-[0-9a-f]{8,17}$',
      description: 'a subnet id',
    },
    ForensicsSecurityGroupId: {
      type: ['string', 'null'],
      pattern: '^$|^sg-[0-9a-f]{8,17}$',
      description: 'a security group id',
    },
    Terminate: { ...BOOLEAN_FIELD, default: 'false' },
    SkipTagKey: { ...TEXT_FIELD, default: 'rebaseline:incident-response' },
    SkipTagValue: { ...TEXT_FIELD, default: 'skip' },
  },
});

function settingsOf(payload: IsolatePayload, now: Date): IsolationSettings {
  return {
    findingId: payload.FindingId ?? '',
    isolationGroupName: payload.IsolationGroupName || ISOLATION_GROUP,
    untrackGroupName: `${payload.IsolationGroupName || ISOLATION_GROUP}-untrack`.replace(
      `${ISOLATION_GROUP}-untrack`,
      UNTRACK_GROUP,
    ),
    resetTrackedConnections: flagOf(payload.ResetTrackedConnections ?? 'true'),
    decrementDesiredCapacity: flagOf(payload.DecrementDesiredCapacity),
    ...(payload.ForensicsSubnetId ? { forensicsSubnetId: payload.ForensicsSubnetId } : {}),
    ...(payload.ForensicsSecurityGroupId ? { forensicsGroupId: payload.ForensicsSecurityGroupId } : {}),
    terminate: flagOf(payload.Terminate),
    now,
  };
}

async function targetsOf(
  aws: AwsClients,
  instanceId: string,
  vpcId: string | undefined,
): Promise<TargetRegistration[]> {
  const elb = aws.get(ELBv2);
  const groups: string[] = [];
  let marker: string | undefined;
  do {
    const page = await elb.send(new DescribeTargetGroupsCommand({ Marker: marker, PageSize: 400 }));
    for (const g of page.TargetGroups ?? [])
      if ((g.TargetType ?? 'instance') === 'instance' && (!vpcId || g.VpcId === vpcId) && g.TargetGroupArn)
        groups.push(g.TargetGroupArn);
    marker = page.NextMarker;
  } while (marker);
  const out: TargetRegistration[] = [];
  for (const arn of groups) {
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    for (const d of health.TargetHealthDescriptions ?? [])
      if (d.Target?.Id === instanceId && d.TargetHealth?.State !== 'draining')
        out.push({
          targetGroupArn: arn,
          ...(d.Target.Port !== undefined ? { port: d.Target.Port } : {}),
          ...(d.Target.AvailabilityZone ? { availabilityZone: d.Target.AvailabilityZone } : {}),
        });
  }
  return out;
}

function managed(group: {
  GroupId?: string;
  IpPermissions?: object[];
  IpPermissionsEgress?: object[];
}): ManagedGroup {
  const clean = (rules: object[] | undefined) =>
    (rules ?? []).map((r) =>
      Object.fromEntries(
        Object.entries(r).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
      ),
    );
  return {
    groupId: group.GroupId ?? '',
    ingress: clean(group.IpPermissions),
    egress: clean(group.IpPermissionsEgress),
  };
}

const recordKey = (instanceId: string) => `isolation#${instanceId}`;

async function readIsolation(aws: AwsClients, payload: IsolatePayload, settings: IsolationSettings) {
  const instance = await readInstance(aws, payload.InstanceId);
  const vpcs = [...new Set(instance.interfaces.map((i) => i.vpcId).filter((v) => v !== ''))];
  const [asg, targets, snapshots, groups, stored] = await Promise.all([
    aws
      .get(AutoScaling)
      .send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instance.instanceId] })),
    targetsOf(aws, instance.instanceId, instance.vpcId),
    instance.volumes.length
      ? aws.get(EC2).send(
          new DescribeSnapshotsCommand({
            OwnerIds: ['self'],
            Filters: [
              { Name: `tag:${SNAPSHOT_FINDING_TAG}`, Values: [settings.findingId] },
              { Name: 'volume-id', Values: instance.volumes.map((v) => v.volumeId) },
            ],
          }),
        )
      : Promise.resolve({ Snapshots: [] }),
    vpcs.length
      ? aws.get(EC2).send(
          new DescribeSecurityGroupsCommand({
            Filters: [
              { Name: 'vpc-id', Values: vpcs },
              { Name: 'group-name', Values: [settings.isolationGroupName, settings.untrackGroupName] },
            ],
          }),
        )
      : Promise.resolve({ SecurityGroups: [] }),
    readState<IsolationRecord>(
      aws,
      payload.StateTable || 'rebaseline-incident-state',
      recordKey(instance.instanceId),
    ),
  ]);
  const membership = asg.AutoScalingInstances?.find((a) => a.InstanceId === instance.instanceId);
  const byVpc: IsolationState['groups'] = {};
  for (const g of groups.SecurityGroups ?? []) {
    if (!g.VpcId) continue;
    const entry = byVpc[g.VpcId] ?? {};
    byVpc[g.VpcId] = entry;
    if (g.GroupName === settings.isolationGroupName) entry.isolation = managed(g);
    if (g.GroupName === settings.untrackGroupName) entry.untrack = managed(g);
  }
  const state: IsolationState = {
    instance,
    ...(membership?.AutoScalingGroupName
      ? {
          autoScaling: {
            groupName: membership.AutoScalingGroupName,
            lifecycleState: membership.LifecycleState ?? 'InService',
          },
        }
      : {}),
    targets,
    snapshots: (snapshots.Snapshots ?? [])
      .filter((s) => s.SnapshotId && s.VolumeId && s.State !== 'error')
      .map((s) => ({ snapshotId: s.SnapshotId as string, volumeId: s.VolumeId as string })),
    groups: byVpc,
    ...(stored.data && !stored.data.releasedAt ? { record: stored.data } : {}),
  };
  return { state, stored };
}

export const SENDS = {
  'ec2:CreateTags': [EC2, CreateTagsCommand],
  'ec2:DeleteTags': [EC2, DeleteTagsCommand],
  'ec2:ModifyInstanceAttribute': [EC2, ModifyInstanceAttributeCommand],
  'ec2:CreateSnapshot': [EC2, CreateSnapshotCommand],
  'ec2:DisassociateIamInstanceProfile': [EC2, DisassociateIamInstanceProfileCommand],
  'ec2:AssociateIamInstanceProfile': [EC2, AssociateIamInstanceProfileCommand],
  'ec2:ReplaceIamInstanceProfileAssociation': [EC2, ReplaceIamInstanceProfileAssociationCommand],
  'ec2:CreateSecurityGroup': [EC2, CreateSecurityGroupCommand],
  'ec2:RevokeSecurityGroupIngress': [EC2, RevokeSecurityGroupIngressCommand],
  'ec2:RevokeSecurityGroupEgress': [EC2, RevokeSecurityGroupEgressCommand],
  'ec2:AuthorizeSecurityGroupIngress': [EC2, AuthorizeSecurityGroupIngressCommand],
  'ec2:AuthorizeSecurityGroupEgress': [EC2, AuthorizeSecurityGroupEgressCommand],
  'ec2:ModifyNetworkInterfaceAttribute': [EC2, ModifyNetworkInterfaceAttributeCommand],
  'ec2:CreateNetworkInterface': [EC2, CreateNetworkInterfaceCommand],
  'ec2:AttachNetworkInterface': [EC2, AttachNetworkInterfaceCommand],
  'ec2:DetachNetworkInterface': [EC2, DetachNetworkInterfaceCommand],
  'ec2:TerminateInstances': [EC2, TerminateInstancesCommand],
  'autoscaling:DetachInstances': [AutoScaling, DetachInstancesCommand],
  'autoscaling:AttachInstances': [AutoScaling, AttachInstancesCommand],
  'elbv2:DeregisterTargets': [ELBv2, DeregisterTargetsCommand],
  'elbv2:RegisterTargets': [ELBv2, RegisterTargetsCommand],
  'dynamodb:PutItem': [DynamoDB, PutItemCommand],
} as const;

/** Writes the isolation record before the first change; a concurrent run that wrote first wins, and its record is kept. */
async function recordIsolation(
  aws: AwsClients,
  payload: IsolatePayload,
  settings: IsolationSettings,
): Promise<CallRecord[]> {
  const table = payload.StateTable || 'rebaseline-incident-state';
  for (let attempt = 1; ; attempt++) {
    const { state, stored } = await readIsolation(aws, payload, settings);
    if (state.record?.findingIds.includes(settings.findingId)) return [];
    const record = recordOf(state, settings);
    const call = writeStateCall(
      table,
      recordKey(payload.InstanceId),
      stored as Versioned<unknown>,
      record,
      `Record what isolating ${payload.InstanceId} changes, before any change (for release).`,
      settings.now,
    );
    if (payload.DryRun) return [{ ...call, outcome: 'planned' }];
    try {
      await sender(aws, SENDS)(call);
      return [{ ...call, outcome: 'done' }];
    } catch (error) {
      if (!lostRace(error) || attempt >= 3) throw error;
    }
  }
}

async function ensureGroups(aws: AwsClients, payload: IsolatePayload, settings: IsolationSettings) {
  const send = sender(aws, SENDS);
  const records: CallRecord[] = [];
  const notes: string[] = [];
  // Creating a group adds its default outbound rule, which the next pass revokes: at most three passes.
  for (let pass = 0; pass < 3; pass++) {
    const { state } = await readIsolation(aws, payload, settings);
    const plan = planGroups(state, settings);
    if (plan.calls.length === 0) {
      if (pass === 0) notes.push(...plan.notes);
      return { state, records, notes };
    }
    const step = await runStage('network', payload.DryRun === true, plan, send, '', records);
    records.splice(0, records.length, ...step.Calls);
    if (payload.DryRun)
      return {
        state,
        records,
        notes: [...notes, 'The default outbound rule of a new isolation group is revoked once it exists.'],
      };
  }
  const { state } = await readIsolation(aws, payload, settings);
  return { state, records, notes };
}

async function network(
  aws: AwsClients,
  payload: IsolatePayload,
  settings: IsolationSettings,
): Promise<StepResult> {
  const { state, records, notes } = await ensureGroups(aws, payload, settings);
  const ids: Record<string, { isolation: string; untrack?: string }> = {};
  for (const vpc of new Set(state.instance.interfaces.map((i) => i.vpcId))) {
    const g = state.groups[vpc] ?? {};
    ids[vpc] = {
      isolation: g.isolation?.groupId ?? `<new ${settings.isolationGroupName} group in ${vpc}>`,
      ...(settings.resetTrackedConnections
        ? { untrack: g.untrack?.groupId ?? `<new ${settings.untrackGroupName} group in ${vpc}>` }
        : {}),
    };
  }
  const plan = planInterfaces(state, settings, ids);
  return runStage(
    'network',
    payload.DryRun === true,
    { calls: plan.calls, notes: [...notes, ...plan.notes] },
    sender(aws, SENDS),
    `Isolate the network of ${payload.InstanceId}.`,
    records,
  );
}

async function forensics(
  aws: AwsClients,
  payload: IsolatePayload,
  settings: IsolationSettings,
): Promise<StepResult> {
  const { state } = await readIsolation(aws, payload, settings);
  const plan = planForensics(state, settings);
  const send = sender(aws, SENDS);
  if (payload.DryRun || plan.calls.length === 0)
    return runStage(
      'forensics',
      payload.DryRun === true,
      plan,
      send,
      `Forensics interface of ${payload.InstanceId}.`,
    );
  const create = plan.calls[0]!;
  const created = (await send(create)) as { NetworkInterface?: { NetworkInterfaceId?: string } };
  const id = created.NetworkInterface?.NetworkInterfaceId ?? '';
  return runStage(
    'forensics',
    false,
    planForensics(state, settings, id),
    send,
    `Forensics interface ${id} of ${payload.InstanceId}.`,
    [{ ...create, outcome: 'done' }],
  );
}

async function stage(aws: AwsClients, payload: IsolatePayload, now: Date): Promise<StepResult> {
  if (!payload.FindingId && payload.Mode !== 'release' && payload.Mode !== 'verify-release')
    throw new PlaybookRefusedError(
      `isolate-ec2-instance: a FindingId is required to isolate ${payload.InstanceId} (it tags the instance and the snapshots); nothing was changed.`,
    );
  const settings = settingsOf(payload, now);
  const send = sender(aws, SENDS);
  const dryRun = payload.DryRun === true;
  const id = payload.InstanceId;
  const { state } = await readIsolation(aws, payload, settings);
  const skipped = checkSkipTag(state.instance, payload.SkipTagKey ?? '', payload.SkipTagValue ?? '');
  if (skipped && payload.Mode !== 'release' && payload.Mode !== 'verify-release')
    return {
      ...stepResult(payload.Mode, dryRun, [], [skipped], skipped),
      ...(payload.Mode === 'plan' ? { Proceed: false } : {}),
    };
  switch (payload.Mode) {
    case 'plan': {
      const stages = [
        planTag(state, settings),
        planProtect(state),
        planSnapshots(state, settings),
        planDetach(state, settings),
        planProfile(state),
      ];
      const count = stages.reduce((n, s) => n + s.calls.length, 0);
      return {
        ...stepResult(
          'plan',
          dryRun,
          [],
          stages.flatMap((s) => s.notes),
          `Isolating ${id}: ${count} change(s) before the network is cut; ${state.record ? `isolation recorded at ${state.record.isolatedAt}` : 'nothing recorded yet'}.`,
        ),
        Proceed: true,
      };
    }
    case 'tag': {
      const written = await recordIsolation(aws, payload, settings);
      return runStage('tag', dryRun, planTag(state, settings), send, `Tag ${id}.`, written);
    }
    case 'protect':
      return runStage('protect', dryRun, planProtect(state), send, `Protect ${id}.`);
    case 'snapshot':
      return runStage(
        'snapshot',
        dryRun,
        planSnapshots(state, settings),
        send,
        `Snapshot the volumes of ${id}.`,
      );
    case 'detach':
      return runStage('detach', dryRun, planDetach(state, settings), send, `Take ${id} out of service.`);
    case 'profile':
      return runStage('profile', dryRun, planProfile(state), send, `Remove the instance profile of ${id}.`);
    case 'network':
      return network(aws, payload, settings);
    case 'forensics':
      return forensics(aws, payload, settings);
    case 'terminate':
      return runStage(
        'terminate',
        dryRun,
        planTerminate(state, settings),
        send,
        `Terminate ${id} only if asked.`,
      );
    case 'verify':
      return verified(
        'verify',
        dryRun,
        isolationProblems(state, settings),
        `${id} is isolated`,
        settings.terminate ? [] : [`${id} still exists.`],
      );
    case 'release': {
      const stored = await readState<IsolationRecord>(
        aws,
        payload.StateTable || 'rebaseline-incident-state',
        recordKey(id),
      );
      if (!stored.data || stored.data.releasedAt)
        throw new PlaybookRefusedError(
          `No isolation of ${id} is recorded${stored.data?.releasedAt ? ` since its release at ${stored.data.releasedAt}` : ''} in ${payload.StateTable || 'rebaseline-incident-state'}: nothing to release, nothing was changed.`,
        );
      const plan = planRelease(state, stored.data, now);
      const done = await runStage('release', dryRun, plan, send, `Release ${id}.`);
      const mark = writeStateCall(
        payload.StateTable || 'rebaseline-incident-state',
        recordKey(id),
        stored as Versioned<unknown>,
        { ...stored.data, releasedAt: now.toISOString() },
        `Mark the isolation of ${id} released.`,
        now,
      );
      return runStage(
        'release',
        dryRun,
        { calls: [mark], notes: plan.notes },
        send,
        `Release ${id}.`,
        done.Calls,
      );
    }
    case 'verify-release': {
      const stored = await readState<IsolationRecord>(
        aws,
        payload.StateTable || 'rebaseline-incident-state',
        recordKey(id),
      );
      if (!stored.data)
        return verified(
          'verify-release',
          dryRun,
          [`no isolation of ${id} is recorded.`],
          `${id} is released`,
        );
      return verified(
        'verify-release',
        dryRun,
        releaseProblems(state, stored.data),
        `${id} is released as recorded`,
      );
    }
  }
}

/**
 * The Lambda of `isolate-ec2-instance`: one mode per document step. Every mode re-reads the instance and computes its
 * calls from what it finds (plan.ts), so each step is idempotent and a second run changes nothing.
 * @example
 * await createHandler(() => aws)({ Mode: 'snapshot', AccountId: '123456789012', InstanceId: 'i-0123456789abcdef0', FindingId: 'f1' });
 */
export function createHandler(
  clients?: (region: string) => AwsClients,
  options: { now?: () => Date } = {},
): (payload: unknown, context?: PlaybookInvocation) => Promise<StepResult> {
  const run = async (payload: IsolatePayload, aws: AwsClients) =>
    stage(aws, payload, options.now?.() ?? new Date());
  return playbookLambda({ id: PLAYBOOK_ID, parse: parsePayload, run }, clients);
}

export const handler = createHandler();

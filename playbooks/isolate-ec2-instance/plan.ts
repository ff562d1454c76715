import type { ApiCall } from '../../shared/incident/calls';
import type { LiveInstance } from '../../shared/incident/instance';

/**
 * isolate-ec2-instance, as pure functions of what was read: each stage's exact calls, the verification and the
 * release. Given/When/Then:
 * - Given an instance in an Auto Scaling group, behind target groups, with a profile: When isolated, Then it is
 *   tagged with the finding, protected (termination, shutdown = stop, volumes kept), every volume snapshotted and
 *   tagged, detached from the group (capacity kept: the group launches a replacement) and deregistered from every
 *   target group, its profile removed (recorded), and every interface moved to the VPC's isolation group, which has
 *   no rule in either direction (after an all-open group, so tracked connections become untracked and are cut).
 * - Given the same instance isolated before: When isolated again, Then nothing is called (no second snapshot).
 * - Given an isolated instance: When released, Then what the isolation recorded is put back.
 * - Given the skip tag: Then nothing is changed.
 */

export const ISOLATION_GROUP = 'rebaseline-isolation';
export const UNTRACK_GROUP = 'rebaseline-isolation-untrack';
export const FINDING_TAG = 'rebaseline:incident';
export const ISOLATED_TAG = 'rebaseline:isolated';
export const RELEASED_TAG = 'rebaseline:released';
export const FORENSICS_TAG = 'rebaseline:forensics';
export const SNAPSHOT_FINDING_TAG = 'rebaseline:finding';

/** A target group registration of the instance. */
export interface TargetRegistration {
  targetGroupArn: string;
  port?: number;
  availabilityZone?: string;
}

/** A security group rebaseline manages in a VPC (isolation or untrack), as EC2 reports it. */
export interface ManagedGroup {
  groupId: string;
  ingress: Record<string, unknown>[];
  egress: Record<string, unknown>[];
}

/** What isolation changed, recorded before the first change, so a person can release the instance. */
export interface IsolationRecord {
  instanceId: string;
  findingIds: string[];
  isolatedAt: string;
  interfaces: { networkInterfaceId: string; groupIds: string[] }[];
  profileArn?: string;
  autoScalingGroup?: string;
  targets: TargetRegistration[];
  terminationProtection: boolean;
  shutdownBehavior: string;
  deleteOnTermination: Record<string, boolean>;
  forensicsInterfaceId?: string;
  releasedAt?: string;
}

/** Everything the playbook reads before a stage. */
export interface IsolationState {
  instance: LiveInstance;
  autoScaling?: { groupName: string; lifecycleState: string };
  targets: TargetRegistration[];
  /** Snapshots tagged with this finding, by volume. */
  snapshots: { snapshotId: string; volumeId: string }[];
  /** By VPC id: the groups rebaseline uses there (absent: not created yet). */
  groups: Record<string, { isolation?: ManagedGroup; untrack?: ManagedGroup }>;
  /** The record of an isolation not yet released. */
  record?: IsolationRecord;
}

export interface IsolationSettings {
  findingId: string;
  isolationGroupName: string;
  untrackGroupName: string;
  resetTrackedConnections: boolean;
  decrementDesiredCapacity: boolean;
  forensicsSubnetId?: string;
  forensicsGroupId?: string;
  terminate: boolean;
  now: Date;
}

export interface StagePlan {
  calls: ApiCall[];
  notes: string[];
}

const ec2 = (api: string, resource: string, inputs: Record<string, unknown>, why: string): ApiCall => ({
  service: 'ec2',
  api,
  resource,
  inputs,
  why,
});
const tags = (pairs: Record<string, string>) => Object.entries(pairs).map(([Key, Value]) => ({ Key, Value }));

/** The record written before the first change (the state now), or the one already there. */
export function recordOf(state: IsolationState, settings: IsolationSettings): IsolationRecord {
  if (state.record)
    return { ...state.record, findingIds: [...new Set([...state.record.findingIds, settings.findingId])] };
  const { instance } = state;
  return {
    instanceId: instance.instanceId,
    findingIds: [settings.findingId],
    isolatedAt: settings.now.toISOString(),
    interfaces: instance.interfaces
      .filter((i) => i.tags[FORENSICS_TAG] === undefined)
      .map((i) => ({ networkInterfaceId: i.networkInterfaceId, groupIds: i.groupIds })),
    ...(instance.profile ? { profileArn: instance.profile.arn } : {}),
    ...(state.autoScaling ? { autoScalingGroup: state.autoScaling.groupName } : {}),
    targets: state.targets,
    terminationProtection: instance.terminationProtection,
    shutdownBehavior: instance.shutdownBehavior,
    deleteOnTermination: Object.fromEntries(
      instance.volumes.map((v) => [v.deviceName, v.deleteOnTermination]),
    ),
  };
}

/** Stage 1: tag the instance with the finding and when it was isolated (the record is written by the handler). */
export function planTag(state: IsolationState, settings: IsolationSettings): StagePlan {
  const { instance } = state;
  const wanted: Record<string, string> = {};
  if (instance.tags[FINDING_TAG] !== settings.findingId) wanted[FINDING_TAG] = settings.findingId;
  if (instance.tags[ISOLATED_TAG] === undefined) wanted[ISOLATED_TAG] = settings.now.toISOString();
  if (Object.keys(wanted).length === 0)
    return { calls: [], notes: [`${instance.instanceId} is already tagged with the finding.`] };
  return {
    calls: [
      ec2(
        'CreateTags',
        instance.instanceId,
        { Resources: [instance.instanceId], Tags: tags(wanted) },
        `Tag ${instance.instanceId} with the finding ${settings.findingId}.`,
      ),
    ],
    notes: [],
  };
}

/** Stage 2: termination protection, shutdown behaviour `stop`, `DeleteOnTermination=false` on every volume. */
export function planProtect(state: IsolationState): StagePlan {
  const { instance } = state;
  const calls: ApiCall[] = [];
  const notes: string[] = [];
  const id = instance.instanceId;
  if (!instance.terminationProtection)
    calls.push(
      ec2(
        'ModifyInstanceAttribute',
        id,
        { InstanceId: id, DisableApiTermination: { Value: true } },
        `Turn on termination protection of ${id}.`,
      ),
    );
  else notes.push(`${id} already has termination protection.`);
  if (instance.shutdownBehavior !== 'stop')
    calls.push(
      ec2(
        'ModifyInstanceAttribute',
        id,
        { InstanceId: id, InstanceInitiatedShutdownBehavior: { Value: 'stop' } },
        `Make a shutdown from inside ${id} stop it, not terminate it.`,
      ),
    );
  const deleting = instance.volumes.filter((v) => v.deleteOnTermination);
  if (deleting.length)
    calls.push(
      ec2(
        'ModifyInstanceAttribute',
        id,
        {
          InstanceId: id,
          BlockDeviceMappings: deleting.map((v) => ({
            DeviceName: v.deviceName,
            Ebs: { DeleteOnTermination: false },
          })),
        },
        `Keep ${deleting.map((v) => v.volumeId).join(', ')} if ${id} is terminated.`,
      ),
    );
  return { calls, notes };
}

/** Stage 3: one snapshot per attached volume, tagged with the finding; never a second one for the same finding. */
export function planSnapshots(state: IsolationState, settings: IsolationSettings): StagePlan {
  const calls: ApiCall[] = [];
  const notes: string[] = [];
  const id = state.instance.instanceId;
  for (const volume of state.instance.volumes) {
    const existing = state.snapshots.find((s) => s.volumeId === volume.volumeId);
    if (existing) {
      notes.push(
        `Snapshot ${existing.snapshotId} of ${volume.volumeId} for this finding exists: not taken again.`,
      );
      continue;
    }
    calls.push(
      ec2(
        'CreateSnapshot',
        volume.volumeId,
        {
          VolumeId: volume.volumeId,
          Description:
            `rebaseline evidence: ${volume.deviceName} of ${id}, finding ${settings.findingId}`.slice(0, 255),
          TagSpecifications: [
            {
              ResourceType: 'snapshot',
              Tags: tags({
                [SNAPSHOT_FINDING_TAG]: settings.findingId,
                'rebaseline:instance': id,
                'rebaseline:device': volume.deviceName,
                Name: `evidence-${id}-${volume.deviceName.replace(/^\/dev\//, '')}`,
              }),
            },
          ],
        },
        `Snapshot ${volume.volumeId} (${volume.deviceName}) as evidence.`,
      ),
    );
  }
  if (state.instance.volumes.length === 0) notes.push(`${id} has no EBS volume to snapshot.`);
  return { calls, notes };
}

/** Lifecycle states from which `DetachInstances` takes an instance out of its group. */
const DETACHABLE = ['InService', 'Standby', 'Pending', 'Pending:Wait', 'Pending:Proceed'];

/** Stage 4: out of the Auto Scaling group (before the network, so a failing health check cannot terminate it) and every target group. */
export function planDetach(state: IsolationState, settings: IsolationSettings): StagePlan {
  const calls: ApiCall[] = [];
  const notes: string[] = [];
  const id = state.instance.instanceId;
  const asg = state.autoScaling;
  if (asg && DETACHABLE.includes(asg.lifecycleState))
    calls.push({
      service: 'autoscaling',
      api: 'DetachInstances',
      resource: asg.groupName,
      inputs: {
        AutoScalingGroupName: asg.groupName,
        InstanceIds: [id],
        ShouldDecrementDesiredCapacity: settings.decrementDesiredCapacity,
      },
      why: settings.decrementDesiredCapacity
        ? `Detach ${id} from ${asg.groupName}, lowering its desired capacity by one (no replacement).`
        : `Detach ${id} from ${asg.groupName}; the group launches a replacement, so capacity is kept.`,
    });
  else if (asg) notes.push(`${id} is ${asg.lifecycleState} in ${asg.groupName}: it cannot be detached now.`);
  else notes.push(`${id} is in no Auto Scaling group.`);
  for (const t of state.targets)
    calls.push({
      service: 'elbv2',
      api: 'DeregisterTargets',
      resource: t.targetGroupArn,
      inputs: {
        TargetGroupArn: t.targetGroupArn,
        Targets: [
          {
            Id: id,
            ...(t.port !== undefined ? { Port: t.port } : {}),
            ...(t.availabilityZone ? { AvailabilityZone: t.availabilityZone } : {}),
          },
        ],
      },
      why: `Take ${id}${t.port !== undefined ? `:${t.port}` : ''} out of target group ${t.targetGroupArn.split('/').slice(-2, -1)[0] ?? t.targetGroupArn}.`,
    });
  if (state.targets.length === 0) notes.push(`${id} is registered in no target group.`);
  return { calls, notes };
}

/** Stage 5: the instance profile removed (the record keeps which). */
export function planProfile(state: IsolationState): StagePlan {
  const { instance } = state;
  if (!instance.profile) return { calls: [], notes: [`${instance.instanceId} has no instance profile.`] };
  return {
    calls: [
      ec2(
        'DisassociateIamInstanceProfile',
        instance.instanceId,
        { AssociationId: instance.profile.associationId },
        `Remove the instance profile ${instance.profile.arn} from ${instance.instanceId} (recorded for release).`,
      ),
    ],
    notes: [],
  };
}

function covers(rules: Record<string, unknown>[], cidr: string, kind: 'IpRanges' | 'Ipv6Ranges'): boolean {
  const key = kind === 'IpRanges' ? 'CidrIp' : 'CidrIpv6';
  return rules.some(
    (r) =>
      r.IpProtocol === '-1' &&
      ((r[kind] as Record<string, unknown>[] | undefined) ?? []).some((x) => x[key] === cidr),
  );
}

/** A rule list as the revoke APIs take it (only the sources each rule has). */
function revocable(rules: Record<string, unknown>[]): Record<string, unknown>[] {
  return rules.map((r) =>
    Object.fromEntries(
      Object.entries(r).filter(
        ([k, v]) =>
          !(Array.isArray(v) && v.length === 0) &&
          [
            'IpProtocol',
            'FromPort',
            'ToPort',
            'IpRanges',
            'Ipv6Ranges',
            'PrefixListIds',
            'UserIdGroupPairs',
          ].includes(k),
      ),
    ),
  );
}

/**
 * Stage 6a: the groups each VPC needs. A missing group is created (then, by the handler, its default egress
 * revoked); an isolation group someone added rules to has them revoked; an untrack group gets its all-open rules.
 */
export function planGroups(state: IsolationState, settings: IsolationSettings): StagePlan {
  const calls: ApiCall[] = [];
  const notes: string[] = [];
  const vpcs = [
    ...new Set(
      state.instance.interfaces.filter((i) => i.tags[FORENSICS_TAG] === undefined).map((i) => i.vpcId),
    ),
  ];
  for (const vpc of vpcs) {
    const groups = state.groups[vpc] ?? {};
    const wanted: ['isolation' | 'untrack', string][] = [['isolation', settings.isolationGroupName]];
    if (settings.resetTrackedConnections) wanted.push(['untrack', settings.untrackGroupName]);
    for (const [kind, name] of wanted) {
      const group = groups[kind];
      if (!group) {
        calls.push(
          ec2(
            'CreateSecurityGroup',
            vpc,
            {
              GroupName: name,
              VpcId: vpc,
              Description:
                kind === 'isolation'
                  ? 'rebaseline incident isolation: no inbound and no outbound rule. Do not add rules.'
                  : 'rebaseline incident isolation: all-open for an instant so tracked connections become untracked.',
              TagSpecifications: [
                { ResourceType: 'security-group', Tags: tags({ 'rebaseline:managed': kind }) },
              ],
            },
            `Create the ${kind} group ${name} in ${vpc} (one per VPC, reused by name).`,
          ),
        );
        continue;
      }
      if (kind === 'isolation') {
        if (group.ingress.length)
          calls.push(
            ec2(
              'RevokeSecurityGroupIngress',
              group.groupId,
              { GroupId: group.groupId, IpPermissions: revocable(group.ingress) },
              `Remove every inbound rule someone added to ${group.groupId}.`,
            ),
          );
        if (group.egress.length)
          calls.push(
            ec2(
              'RevokeSecurityGroupEgress',
              group.groupId,
              { GroupId: group.groupId, IpPermissions: revocable(group.egress) },
              `Remove every outbound rule of ${group.groupId}.`,
            ),
          );
      } else {
        for (const [action, rules, direction] of [
          ['AuthorizeSecurityGroupIngress', group.ingress, 'inbound'],
          ['AuthorizeSecurityGroupEgress', group.egress, 'outbound'],
        ] as const) {
          const v4 = covers(rules, '0.0.0.0/0', 'IpRanges');
          const v6 = covers(rules, '::/0', 'Ipv6Ranges');
          if (!v4 || !v6)
            calls.push(
              ec2(
                action,
                group.groupId,
                {
                  GroupId: group.groupId,
                  IpPermissions: [
                    {
                      IpProtocol: '-1',
                      ...(v4 ? {} : { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
                      ...(v6 ? {} : { Ipv6Ranges: [{ CidrIpv6: '::/0' }] }),
                    },
                  ],
                },
                `Allow all ${direction} traffic in ${group.groupId}, so existing flows become untracked.`,
              ),
            );
        }
      }
    }
  }
  if (calls.length === 0) notes.push('The isolation groups exist and are as they must be.');
  return { calls, notes };
}

/**
 * Stage 6b: every interface (a forensics interface excepted) to its VPC's isolation group alone, through the
 * untrack group first. `groupIds` are the groups' ids (a planned one in a dry-run: `<new … in vpc-…>`).
 */
export function planInterfaces(
  state: IsolationState,
  settings: IsolationSettings,
  groupIds: Record<string, { isolation: string; untrack?: string }>,
): StagePlan {
  const calls: ApiCall[] = [];
  const notes: string[] = [];
  for (const eni of state.instance.interfaces) {
    if (eni.tags[FORENSICS_TAG] !== undefined) {
      notes.push(`${eni.networkInterfaceId} is the forensics interface: left as it is.`);
      continue;
    }
    const ids = groupIds[eni.vpcId];
    if (!ids) continue;
    if (eni.groupIds.length === 1 && eni.groupIds[0] === ids.isolation) {
      notes.push(`${eni.networkInterfaceId} is already in the isolation group ${ids.isolation} alone.`);
      continue;
    }
    if (settings.resetTrackedConnections && ids.untrack)
      calls.push(
        ec2(
          'ModifyNetworkInterfaceAttribute',
          eni.networkInterfaceId,
          { NetworkInterfaceId: eni.networkInterfaceId, Groups: [ids.untrack] },
          `Move ${eni.networkInterfaceId} to the all-open group for an instant: its tracked connections become untracked.`,
        ),
      );
    calls.push(
      ec2(
        'ModifyNetworkInterfaceAttribute',
        eni.networkInterfaceId,
        { NetworkInterfaceId: eni.networkInterfaceId, Groups: [ids.isolation] },
        `Put ${eni.networkInterfaceId} in the isolation group alone: no traffic in or out${settings.resetTrackedConnections ? ', untracked flows cut at once' : ' (tracked connections last until they are idle)'}.`,
      ),
    );
  }
  return { calls, notes };
}

/** Stage 7 (optional): a forensics interface in the given subnet, attached at the next free device index. */
export function planForensics(
  state: IsolationState,
  settings: IsolationSettings,
  newInterfaceId?: string,
): StagePlan {
  if (!settings.forensicsSubnetId)
    return { calls: [], notes: ['No forensics subnet is configured: no forensics interface.'] };
  const attached = state.instance.interfaces.find((i) => i.tags[FORENSICS_TAG] !== undefined);
  if (attached)
    return { calls: [], notes: [`Forensics interface ${attached.networkInterfaceId} is attached.`] };
  const id = state.instance.instanceId;
  const index = Math.max(-1, ...state.instance.interfaces.map((i) => i.deviceIndex)) + 1;
  const eni = newInterfaceId ?? '{{ CreateNetworkInterface.NetworkInterfaceId }}';
  return {
    calls: [
      ...(newInterfaceId
        ? []
        : [
            ec2(
              'CreateNetworkInterface',
              settings.forensicsSubnetId,
              {
                SubnetId: settings.forensicsSubnetId,
                ...(settings.forensicsGroupId ? { Groups: [settings.forensicsGroupId] } : {}),
                Description: `rebaseline forensics interface of ${id}`,
                TagSpecifications: [
                  { ResourceType: 'network-interface', Tags: tags({ [FORENSICS_TAG]: id }) },
                ],
              },
              `Create a forensics interface for ${id} in ${settings.forensicsSubnetId}.`,
            ),
          ]),
      ec2(
        'AttachNetworkInterface',
        id,
        { NetworkInterfaceId: eni, InstanceId: id, DeviceIndex: index },
        `Attach the forensics interface to ${id} at device index ${index}.`,
      ),
    ],
    notes: [],
  };
}

/** Stage 8: terminate only when asked to (`Terminate=true`), after the snapshots exist. */
export function planTerminate(state: IsolationState, settings: IsolationSettings): StagePlan {
  const id = state.instance.instanceId;
  if (!settings.terminate) return { calls: [], notes: [`${id} is kept running (Terminate is false).`] };
  const missing = state.instance.volumes.filter(
    (v) => !state.snapshots.some((s) => s.volumeId === v.volumeId),
  );
  if (missing.length)
    return {
      calls: [],
      notes: [
        `${id} is not terminated: ${missing.map((v) => v.volumeId).join(', ')} has no snapshot for this finding.`,
      ],
    };
  return {
    calls: [
      ...(state.instance.terminationProtection
        ? [
            ec2(
              'ModifyInstanceAttribute',
              id,
              { InstanceId: id, DisableApiTermination: { Value: false } },
              `Lift termination protection of ${id} to terminate it.`,
            ),
          ]
        : []),
      ec2(
        'TerminateInstances',
        id,
        { InstanceIds: [id] },
        `Terminate ${id} (Terminate=true); its volumes are kept and snapshotted.`,
      ),
    ],
    notes: [],
  };
}

/** What is not isolated in the state read back (empty: isolated). */
export function isolationProblems(state: IsolationState, settings: IsolationSettings): string[] {
  const { instance } = state;
  const problems: string[] = [];
  if (settings.terminate) {
    if (!['shutting-down', 'terminated'].includes(instance.state))
      problems.push(`${instance.instanceId} is ${instance.state}, not terminated.`);
    return problems;
  }
  if (state.autoScaling && DETACHABLE.includes(state.autoScaling.lifecycleState))
    problems.push(
      `still in Auto Scaling group ${state.autoScaling.groupName} (${state.autoScaling.lifecycleState}).`,
    );
  for (const t of state.targets) problems.push(`still registered in target group ${t.targetGroupArn}.`);
  if (instance.profile) problems.push(`still has the instance profile ${instance.profile.arn}.`);
  for (const eni of instance.interfaces) {
    if (eni.tags[FORENSICS_TAG] !== undefined) continue;
    const isolation = state.groups[eni.vpcId]?.isolation;
    if (!isolation) problems.push(`no isolation group exists in ${eni.vpcId}.`);
    else if (eni.groupIds.length !== 1 || eni.groupIds[0] !== isolation.groupId)
      problems.push(
        `${eni.networkInterfaceId} is in ${eni.groupIds.join(', ') || 'no group'}, not in ${isolation.groupId} alone.`,
      );
  }
  for (const [vpc, g] of Object.entries(state.groups))
    if (g.isolation && (g.isolation.ingress.length || g.isolation.egress.length))
      problems.push(`the isolation group ${g.isolation.groupId} of ${vpc} has rules.`);
  if (!instance.terminationProtection) problems.push('termination protection is off.');
  if (instance.shutdownBehavior !== 'stop')
    problems.push(`shutdown behaviour is ${instance.shutdownBehavior}.`);
  for (const v of instance.volumes) {
    if (v.deleteOnTermination) problems.push(`${v.volumeId} would be deleted with the instance.`);
    if (!state.snapshots.some((s) => s.volumeId === v.volumeId))
      problems.push(`${v.volumeId} has no snapshot for this finding.`);
  }
  return problems;
}

/** The calls that put back what the isolation recorded (profile, groups, Auto Scaling group, target groups, attributes). */
export function planRelease(state: IsolationState, record: IsolationRecord, now: Date): StagePlan {
  const { instance } = state;
  const id = instance.instanceId;
  const calls: ApiCall[] = [];
  const notes: string[] = [];
  for (const recorded of record.interfaces) {
    const eni = instance.interfaces.find((i) => i.networkInterfaceId === recorded.networkInterfaceId);
    if (!eni)
      notes.push(`${recorded.networkInterfaceId} is no longer attached: its groups are not restored.`);
    else if (eni.groupIds.join(',') !== recorded.groupIds.join(','))
      calls.push(
        ec2(
          'ModifyNetworkInterfaceAttribute',
          eni.networkInterfaceId,
          { NetworkInterfaceId: eni.networkInterfaceId, Groups: recorded.groupIds },
          `Give ${eni.networkInterfaceId} back its groups ${recorded.groupIds.join(', ')}.`,
        ),
      );
  }
  if (record.profileArn && !instance.profile)
    calls.push(
      ec2(
        'AssociateIamInstanceProfile',
        id,
        { InstanceId: id, IamInstanceProfile: { Arn: record.profileArn } },
        `Give ${id} back its instance profile ${record.profileArn}.`,
      ),
    );
  else if (record.profileArn && instance.profile && instance.profile.arn !== record.profileArn)
    calls.push(
      ec2(
        'ReplaceIamInstanceProfileAssociation',
        id,
        { AssociationId: instance.profile.associationId, IamInstanceProfile: { Arn: record.profileArn } },
        `Replace the profile ${instance.profile.arn} of ${id} by the recorded ${record.profileArn}.`,
      ),
    );
  if (record.terminationProtection !== instance.terminationProtection)
    calls.push(
      ec2(
        'ModifyInstanceAttribute',
        id,
        { InstanceId: id, DisableApiTermination: { Value: record.terminationProtection } },
        `Put termination protection of ${id} back to ${record.terminationProtection}.`,
      ),
    );
  if (record.shutdownBehavior !== instance.shutdownBehavior)
    calls.push(
      ec2(
        'ModifyInstanceAttribute',
        id,
        { InstanceId: id, InstanceInitiatedShutdownBehavior: { Value: record.shutdownBehavior } },
        `Put the shutdown behaviour of ${id} back to ${record.shutdownBehavior}.`,
      ),
    );
  const restore = instance.volumes.filter(
    (v) => record.deleteOnTermination[v.deviceName] === true && !v.deleteOnTermination,
  );
  if (restore.length)
    calls.push(
      ec2(
        'ModifyInstanceAttribute',
        id,
        {
          InstanceId: id,
          BlockDeviceMappings: restore.map((v) => ({
            DeviceName: v.deviceName,
            Ebs: { DeleteOnTermination: true },
          })),
        },
        `Put DeleteOnTermination back on ${restore.map((v) => v.volumeId).join(', ')}.`,
      ),
    );
  for (const t of record.targets)
    if (!state.targets.some((c) => c.targetGroupArn === t.targetGroupArn && c.port === t.port))
      calls.push({
        service: 'elbv2',
        api: 'RegisterTargets',
        resource: t.targetGroupArn,
        inputs: {
          TargetGroupArn: t.targetGroupArn,
          Targets: [
            {
              Id: id,
              ...(t.port !== undefined ? { Port: t.port } : {}),
              ...(t.availabilityZone ? { AvailabilityZone: t.availabilityZone } : {}),
            },
          ],
        },
        why: `Register ${id} again in ${t.targetGroupArn}.`,
      });
  if (record.autoScalingGroup && !state.autoScaling)
    calls.push({
      service: 'autoscaling',
      api: 'AttachInstances',
      resource: record.autoScalingGroup,
      inputs: { AutoScalingGroupName: record.autoScalingGroup, InstanceIds: [id] },
      why: `Attach ${id} to ${record.autoScalingGroup} again (its desired capacity grows by one; the group may then scale in).`,
    });
  const forensics = instance.interfaces.find((i) => i.tags[FORENSICS_TAG] !== undefined);
  if (forensics?.attachmentId)
    calls.push(
      ec2(
        'DetachNetworkInterface',
        forensics.networkInterfaceId,
        { AttachmentId: forensics.attachmentId },
        `Detach the forensics interface ${forensics.networkInterfaceId} (delete it when the investigation is over).`,
      ),
    );
  if (instance.tags[ISOLATED_TAG] !== undefined)
    calls.push(
      ec2(
        'DeleteTags',
        id,
        { Resources: [id], Tags: [{ Key: ISOLATED_TAG }] },
        `Remove the ${ISOLATED_TAG} tag of ${id}.`,
      ),
    );
  calls.push(
    ec2(
      'CreateTags',
      id,
      { Resources: [id], Tags: tags({ [RELEASED_TAG]: now.toISOString() }) },
      `Tag ${id} with when it was released.`,
    ),
  );
  return { calls, notes };
}

/** What is not as the record says after a release (empty: released). */
export function releaseProblems(state: IsolationState, record: IsolationRecord): string[] {
  const problems: string[] = [];
  for (const recorded of record.interfaces) {
    const eni = state.instance.interfaces.find((i) => i.networkInterfaceId === recorded.networkInterfaceId);
    if (eni && [...eni.groupIds].sort().join(',') !== [...recorded.groupIds].sort().join(','))
      problems.push(
        `${eni.networkInterfaceId} is in ${eni.groupIds.join(', ')}, not ${recorded.groupIds.join(', ')}.`,
      );
  }
  if (record.profileArn && state.instance.profile?.arn !== record.profileArn)
    problems.push(`the instance profile is not ${record.profileArn}.`);
  for (const t of record.targets)
    if (!state.targets.some((c) => c.targetGroupArn === t.targetGroupArn))
      problems.push(`not registered in ${t.targetGroupArn}.`);
  if (record.autoScalingGroup && state.autoScaling?.groupName !== record.autoScalingGroup)
    problems.push(`not in ${record.autoScalingGroup}.`);
  return problems;
}

import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  type Instance,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../aws/clients';
import { EC2 } from '../aws/services/ec2';
import { awsErrorName, PlaybookRefusedError } from '../errors';

/** One network interface of the instance, as EC2 reports it now. */
export interface LiveInterface {
  networkInterfaceId: string;
  subnetId: string;
  vpcId: string;
  groupIds: string[];
  deviceIndex: number;
  attachmentId?: string;
  /** Tags of the interface (a forensics interface rebaseline attached carries `rebaseline:forensics`). */
  tags: Record<string, string>;
}

/** One EBS volume attached to the instance. */
export interface LiveVolume {
  deviceName: string;
  volumeId: string;
  deleteOnTermination: boolean;
}

/** The instance as EC2 reports it now: what the playbooks read before they change anything. */
export interface LiveInstance {
  instanceId: string;
  state: string;
  availabilityZone: string;
  vpcId?: string;
  tags: Record<string, string>;
  interfaces: LiveInterface[];
  volumes: LiveVolume[];
  terminationProtection: boolean;
  shutdownBehavior: string;
  /** The associated instance profile, and the association to remove. */
  profile?: { arn: string; associationId: string };
}

const tagMap = (tags: { Key?: string; Value?: string }[] | undefined) =>
  Object.fromEntries(
    (tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? '']),
  );

/**
 * Reads the instance, its interfaces (from DescribeNetworkInterfaces: the groups of each interface as EC2 holds them),
 * volumes, termination protection, shutdown behaviour and instance profile association.
 * @throws PlaybookRefusedError when the instance does not exist (or is terminated): nothing can be done to it.
 */
export async function readInstance(
  aws: AwsClients,
  instanceId: string,
  options: { attributes?: boolean } = {},
): Promise<LiveInstance> {
  const ec2 = aws.get(EC2);
  let found: Instance | undefined;
  try {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    found = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
  } catch (error) {
    if (
      awsErrorName(error) === 'InvalidInstanceID.NotFound' ||
      awsErrorName(error) === 'InvalidInstanceID.Malformed'
    )
      throw new PlaybookRefusedError(
        `Instance ${instanceId} does not exist in this account and region: nothing was changed.`,
        {
          cause: error,
        },
      );
    throw error;
  }
  if (!found || found.State?.Name === 'terminated')
    throw new PlaybookRefusedError(
      `Instance ${instanceId} does not exist (or is terminated): nothing was changed.`,
    );
  const eniIds = (found.NetworkInterfaces ?? [])
    .map((n) => n.NetworkInterfaceId)
    .filter((id): id is string => !!id);
  const enis = eniIds.length
    ? ((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: eniIds })))
        .NetworkInterfaces ?? [])
    : [];
  // A playbook that only needs the network (block-ip) reads no attribute and needs no permission for them.
  if (options.attributes === false)
    return {
      ...(await describe(found, eniIds, enis)),
      terminationProtection: false,
      shutdownBehavior: 'stop',
    };
  const [termination, shutdown, associations] = await Promise.all([
    ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'disableApiTermination' }),
    ),
    ec2.send(
      new DescribeInstanceAttributeCommand({
        InstanceId: instanceId,
        Attribute: 'instanceInitiatedShutdownBehavior',
      }),
    ),
    ec2.send(
      new DescribeIamInstanceProfileAssociationsCommand({
        Filters: [
          { Name: 'instance-id', Values: [instanceId] },
          { Name: 'state', Values: ['associating', 'associated'] },
        ],
      }),
    ),
  ]);
  const association = associations.IamInstanceProfileAssociations?.[0];
  return {
    ...(await describe(found, eniIds, enis)),
    terminationProtection: termination.DisableApiTermination?.Value === true,
    shutdownBehavior: shutdown.InstanceInitiatedShutdownBehavior?.Value ?? 'stop',
    profile:
      association?.IamInstanceProfile?.Arn && association.AssociationId
        ? { arn: association.IamInstanceProfile.Arn, associationId: association.AssociationId }
        : undefined,
  };
}

async function describe(
  found: Instance,
  eniIds: string[],
  enis: NetworkInterface[],
): Promise<Omit<LiveInstance, 'terminationProtection' | 'shutdownBehavior' | 'profile'>> {
  const instanceId = found.InstanceId as string;
  return {
    instanceId,
    state: found.State?.Name ?? 'unknown',
    availabilityZone: found.Placement?.AvailabilityZone ?? '',
    vpcId: found.VpcId,
    tags: tagMap(found.Tags),
    interfaces: eniIds.map((id) => {
      const eni = enis.find((e) => e.NetworkInterfaceId === id);
      const fromInstance = found.NetworkInterfaces?.find((n) => n.NetworkInterfaceId === id);
      return {
        networkInterfaceId: id,
        subnetId: eni?.SubnetId ?? fromInstance?.SubnetId ?? '',
        vpcId: eni?.VpcId ?? fromInstance?.VpcId ?? found.VpcId ?? '',
        groupIds: (eni?.Groups ?? fromInstance?.Groups ?? [])
          .map((g) => g.GroupId ?? '')
          .filter((g) => g !== ''),
        deviceIndex: eni?.Attachment?.DeviceIndex ?? fromInstance?.Attachment?.DeviceIndex ?? 0,
        attachmentId: eni?.Attachment?.AttachmentId ?? fromInstance?.Attachment?.AttachmentId,
        tags: tagMap(eni?.TagSet),
      };
    }),
    volumes: (found.BlockDeviceMappings ?? [])
      .filter((b) => b.Ebs?.VolumeId)
      .map((b) => ({
        deviceName: b.DeviceName ?? '',
        volumeId: b.Ebs?.VolumeId as string,
        deleteOnTermination: b.Ebs?.DeleteOnTermination === true,
      })),
  };
}

/** Refuses when the live instance carries the skip tag (checked in code, not by an event pattern). */
export function checkSkipTag(instance: LiveInstance, key: string, value: string): string | undefined {
  return key && instance.tags[key] === value
    ? `Instance ${instance.instanceId} is tagged ${key}=${value}: nothing is changed.`
    : undefined;
}

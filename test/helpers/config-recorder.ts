import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import type { Grant } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../shared/aws/clients';
import { LiveReader } from '../../shared/collectors/live-reader';
import type { BucketReadout } from '../../shared/collectors/reader';
import { ec2Reads } from '../../shared/collectors/reads/ec2';
import { s3Reads } from '../../shared/collectors/reads/s3';
import type { ConfigResponder, RecordedItem } from './config-responder';

/**
 * What AWS Config's recorder would hold for an emulated account: its security groups and buckets, read from
 * moto_server and written as configuration items in the spelling BatchGetResourceConfig returns (version 1.3,
 * `configuration` as JSON text, supplementary values as JSON text, the ACL encoded twice, no tags: the batch API
 * filters them out), following the recorded items in test/fixtures/corpus/config_items (c7n__config__s3*.json,
 * c7n__test_security_group_*__config.SelectResourceConfig_1.json). It lets a test scan the same account live and
 * from Config and compare the verdicts.
 */

const CAPTURED = '2026-11-28T09:00:00.000Z';

const ranges = (p: IpPermission) => ({
  ipProtocol: p.IpProtocol,
  ...(p.FromPort !== undefined ? { fromPort: p.FromPort } : {}),
  ...(p.ToPort !== undefined ? { toPort: p.ToPort } : {}),
  userIdGroupPairs: (p.UserIdGroupPairs ?? []).map((g) => ({
    ...(g.GroupId ? { groupId: g.GroupId } : {}),
    ...(g.UserId ? { userId: g.UserId } : {}),
  })),
  ipRanges: (p.IpRanges ?? []).map((r) => r.CidrIp),
  ipv4Ranges: (p.IpRanges ?? []).map((r) => ({ cidrIp: r.CidrIp })),
  ipv6Ranges: (p.Ipv6Ranges ?? []).map((r) => ({ cidrIpv6: r.CidrIpv6 })),
  prefixListIds: (p.PrefixListIds ?? []).map((l) => ({ prefixListId: l.PrefixListId })),
});

/** A security group's item, as Config records it. */
export function securityGroupItem(sg: SecurityGroup, accountId: string, region: string): RecordedItem {
  const id = sg.GroupId as string;
  return {
    version: '1.3',
    accountId,
    configurationItemCaptureTime: CAPTURED,
    configurationItemStatus: 'OK',
    configurationStateId: '1764320400000',
    arn: `arn:aws:ec2:${region}:${accountId}:security-group/${id}`,
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId: id,
    resourceName: sg.GroupName,
    awsRegion: region,
    availabilityZone: 'Not Applicable',
    configuration: JSON.stringify({
      description: sg.Description,
      groupName: sg.GroupName,
      ipPermissions: (sg.IpPermissions ?? []).map(ranges),
      ownerId: sg.OwnerId ?? accountId,
      groupId: id,
      ipPermissionsEgress: (sg.IpPermissionsEgress ?? []).map(ranges),
      tags: (sg.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
      vpcId: sg.VpcId,
    }),
    supplementaryConfiguration: {},
  };
}

/** Config's names for ACL permissions and group grantees. */
const PERMISSION: Record<string, string> = {
  READ: 'Read',
  WRITE: 'Write',
  READ_ACP: 'ReadAcp',
  WRITE_ACP: 'WriteAcp',
  FULL_CONTROL: 'FullControl',
};

function grantee(g: Grant): unknown {
  const group = g.Grantee?.URI?.split('/').pop();
  if (group) return group;
  if (g.Grantee?.EmailAddress) return g.Grantee.EmailAddress;
  return { id: g.Grantee?.ID, displayName: null };
}

/** A bucket's item, as Config records it (its ACL as text encoded twice, as the corpus items have it). */
export function bucketItem(readout: BucketReadout, accountId: string): RecordedItem {
  const owner = readout.grants?.find((g) => g.Grantee?.ID)?.Grantee?.ID ?? 'owner';
  const acl = {
    grantSet: null,
    grantList: (readout.grants ?? []).map((g) => ({
      grantee: grantee(g),
      permission: PERMISSION[g.Permission ?? ''] ?? g.Permission,
    })),
    owner: { displayName: null, id: owner },
    isRequesterCharged: false,
  };
  const bpa = readout.publicAccessBlock;
  const supplementary: Record<string, string> = {
    AccessControlList: JSON.stringify(JSON.stringify(acl)),
    BucketAccelerateConfiguration: JSON.stringify({ status: null }),
    BucketLoggingConfiguration: JSON.stringify({ destinationBucketName: null, logFilePrefix: null }),
    BucketNotificationConfiguration: JSON.stringify({ configurations: {} }),
    BucketPolicy: JSON.stringify({ policyText: readout.policy }),
    BucketVersioningConfiguration: JSON.stringify({ status: 'Off', isMfaDeleteEnabled: null }),
    IsRequesterPaysEnabled: 'false',
  };
  if (bpa)
    supplementary.PublicAccessBlockConfiguration = JSON.stringify({
      blockPublicAcls: bpa.BlockPublicAcls ?? false,
      ignorePublicAcls: bpa.IgnorePublicAcls ?? false,
      blockPublicPolicy: bpa.BlockPublicPolicy ?? false,
      restrictPublicBuckets: bpa.RestrictPublicBuckets ?? false,
    });
  if (readout.objectOwnership)
    supplementary.BucketOwnershipControls = JSON.stringify({
      bucketName: readout.name,
      ownershipControls: { rules: [{ objectOwnership: readout.objectOwnership }] },
    });
  return {
    version: '1.3',
    accountId,
    configurationItemCaptureTime: CAPTURED,
    configurationItemStatus: 'OK',
    configurationStateId: '1764320400000',
    arn: `arn:aws:s3:::${readout.name}`,
    resourceType: 'AWS::S3::Bucket',
    resourceId: readout.name,
    resourceName: readout.name,
    awsRegion: readout.region,
    availabilityZone: 'Regional',
    resourceCreationTime: '2026-11-01T00:00:00.000Z',
    configuration: JSON.stringify({
      name: readout.name,
      owner: { displayName: null, id: owner },
      creationDate: '2026-11-01T00:00:00.000Z',
    }),
    supplementaryConfiguration: supplementary,
  };
}

/**
 * Records an emulated account and region into the responder, as Config's recorder would: every security group and
 * every bucket of the region.
 * @returns how many items were recorded.
 * @example
 * await recordAccount(memberClients, '111122223333', responder);
 */
export async function recordAccount(
  aws: AwsClients,
  accountId: string,
  responder: ConfigResponder,
): Promise<number> {
  const reader = new LiveReader(aws, accountId, { ec2: ec2Reads, s3: s3Reads });
  let n = 0;
  for (const sg of await reader.describeSecurityGroups()) {
    responder.put(securityGroupItem(sg, accountId, aws.region));
    n++;
  }
  for (const name of await reader.listBucketNames()) {
    responder.put(bucketItem(await reader.readBucket(name), accountId));
    n++;
  }
  return n;
}

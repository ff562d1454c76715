import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateBucketCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import type { AwsClients } from '../../shared/aws/clients';
import { EC2 } from '../../shared/aws/services/ec2';
import { S3 } from '../../shared/aws/services/s3';

/** What {@link populateAccount} made. */
export interface PopulatedAccount {
  groupIds: string[];
  /** The groups open to the world (NON_COMPLIANT under the default parameters). */
  openGroupIds: string[];
  bucketNames: string[];
}

/**
 * Fills an emulated account with `groups` security groups and `buckets` buckets of varied shapes, so that a scan
 * makes every kind of read and every read ends in every kind of answer (a value or the expected 404):
 * every third group is open to the world (SSH, RDP or all traffic, IPv4 or IPv6), some are tagged; every fourth
 * bucket has a public-read ACL, every fifth a public policy, every sixth Block Public Access, every seventh tags.
 * @example
 * const { openGroupIds } = await populateAccount(aws, { groups: 100, buckets: 100 });
 */
export async function populateAccount(
  aws: AwsClients,
  counts: { groups: number; buckets: number; prefix?: string },
): Promise<PopulatedAccount> {
  const prefix = counts.prefix ?? 'fault';
  const ec2 = aws.get(EC2);
  const s3 = aws.get(S3);
  const out: PopulatedAccount = { groupIds: [], openGroupIds: [], bucketNames: [] };
  for (let i = 0; i < counts.groups; i++) {
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `${prefix}-${i}`, Description: `group ${i}` }),
    );
    const id = GroupId as string;
    out.groupIds.push(id);
    if (i % 3 === 0) {
      const open = [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        { IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      ][i % 9 === 0 ? 0 : i % 9 === 3 ? 1 : 2];
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: [open as never] }),
      );
      out.openGroupIds.push(id);
    } else if (i % 3 === 1) {
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: id,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
          ],
        }),
      );
    }
    if (i % 5 === 0)
      await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'team', Value: `t${i}` }] }));
  }
  for (let i = 0; i < counts.buckets; i++) {
    const Bucket = `${prefix}-bucket-${String(i).padStart(3, '0')}`;
    out.bucketNames.push(Bucket);
    await s3.send(new CreateBucketCommand({ Bucket }));
    if (i % 4 === 0) await s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' }));
    if (i % 5 === 0)
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket,
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: '*',
                Action: 's3:GetObject',
                Resource: `arn:aws:s3:::${Bucket}/*`,
              },
            ],
          }),
        }),
      );
    if (i % 6 === 0)
      await s3.send(
        new PutPublicAccessBlockCommand({
          Bucket,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: i % 12 === 0,
          },
        }),
      );
    if (i % 7 === 0)
      await s3.send(
        new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'owner', Value: `o${i}` }] } }),
      );
  }
  return out;
}

import { CreateTrailCommand, StartLoggingCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { CreateDetectorCommand } from '@aws-sdk/client-guardduty';
import { CreateBucketCommand, PutBucketAclCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { GuardDuty } from '../../rules/guardduty-enabled/reads.live';
import type { AwsClients } from '../../shared/aws/clients';
import { CloudTrail } from '../../shared/aws/services/cloudtrail';
import { EC2 } from '../../shared/aws/services/ec2';
import { S3 } from '../../shared/aws/services/s3';

/** What the demo made insecure in one account, and what must stay as it is. */
export interface InsecureAccount {
  accountId: string;
  securityGroups: Record<string, string>;
  buckets: { publicAcl: string; publicPolicy: string; vpceOnly: string };
  trailName: string;
  trailBucket: string;
  /** The GuardDuty detector the account was given, if any. */
  detectorId?: string;
  /** The VPC the account's groups are in (like the emulator's default VPC, it has no flow log). */
  vpcId: string;
  /** The bucket a person keeps flow logs in: enable-vpc-flow-logs' LogBucketName (stage parameter flowLogBucketName). */
  flowLogBucket: string;
}

/** How GuardDuty drifted in an account: turned on with its default frequency (SIX_HOURS), or never turned on. */
export type GuardDutyDrift = 'default-frequency' | 'never-enabled';

const world = (port: number, extra: Partial<IpPermission> = {}): IpPermission => ({
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  IpRanges: [{ CidrIp: '0.0.0.0/0' }],
  ...extra,
});

/**
 * Makes an account deliberately insecure, the way accounts drift: world-open SSH and RDP, an IPv6 ::/0 rule, a
 * permission mixing 0.0.0.0/0 with 10.0.0.0/8, a public-read bucket ACL, a public bucket policy, a policy restricted
 * to a VPC endpoint (which must stay compliant), no account-level Block Public Access, a stopped single-region trail,
 * GuardDuty either never turned on or turned on with its default finding publishing frequency (every six hours), and
 * VPCs without flow logs (an empty log bucket is there for them).
 */
export async function makeInsecureAccount(
  aws: AwsClients,
  accountId: string,
  guardDuty: GuardDutyDrift = 'default-frequency',
): Promise<InsecureAccount> {
  const ec2 = aws.get(EC2);
  const s3 = aws.get(S3);
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId as string;
  const groups: [string, IpPermission[]][] = [
    ['bastion-ssh', [world(22)]],
    ['windows-rdp', [world(3389)]],
    ['ipv6-admin', [{ IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }]],
    ['web-mixed', [world(443), world(22, { IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '10.0.0.0/8' }] })]],
    [
      'internal-only',
      [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }],
    ],
  ];
  const securityGroups: Record<string, string> = {};
  for (const [name, permissions] of groups) {
    const sg = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: name, Description: `demo ${name}`, VpcId: vpcId }),
    );
    const groupId = sg.GroupId as string;
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: permissions }),
    );
    securityGroups[name] = groupId;
  }
  const bucket = (suffix: string) => `demo-${suffix}-${accountId}`;
  const buckets = {
    publicAcl: bucket('public-acl'),
    publicPolicy: bucket('public-policy'),
    vpceOnly: bucket('vpce-only'),
  };
  for (const name of Object.values(buckets)) await s3.send(new CreateBucketCommand({ Bucket: name }));
  await s3.send(new PutBucketAclCommand({ Bucket: buckets.publicAcl, ACL: 'public-read' }));
  const policy = (name: string, statement: Record<string, unknown>) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${name}/*`,
          ...statement,
        },
      ],
    });
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: buckets.publicPolicy,
      Policy: policy(buckets.publicPolicy, { Sid: 'PublicRead' }),
    }),
  );
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: buckets.vpceOnly,
      Policy: policy(buckets.vpceOnly, {
        Sid: 'FromVpcEndpointOnly',
        Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } },
      }),
    }),
  );
  const trailBucket = bucket('trail-logs');
  await s3.send(new CreateBucketCommand({ Bucket: trailBucket }));
  const trailName = 'legacy-trail';
  const cloudtrail = aws.get(CloudTrail);
  await cloudtrail.send(
    new CreateTrailCommand({ Name: trailName, S3BucketName: trailBucket, IsMultiRegionTrail: false }),
  );
  await cloudtrail.send(new StartLoggingCommand({ Name: trailName }));
  await cloudtrail.send(new StopLoggingCommand({ Name: trailName }));
  const flowLogBucket = bucket('flow-logs');
  await s3.send(new CreateBucketCommand({ Bucket: flowLogBucket }));
  // No frequency given: GuardDuty's default, SIX_HOURS, is slower than guardduty-enabled accepts.
  const detectorId =
    guardDuty === 'default-frequency'
      ? (await aws.get(GuardDuty).send(new CreateDetectorCommand({ Enable: true }))).DetectorId
      : undefined;
  return {
    accountId,
    securityGroups,
    buckets,
    trailName,
    trailBucket,
    ...(detectorId ? { detectorId } : {}),
    vpcId,
    flowLogBucket,
  };
}

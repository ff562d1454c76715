import { join } from 'node:path';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateManagedPrefixListCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  type IpPermission,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import {
  CreateBucketCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import {
  GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand,
  PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand,
} from '@aws-sdk/client-s3-control';
import { type AutomationDocument, loadAutomationDocument } from '../../app/ssm/document';
import { type AutomationExecution, type RunAutomationOptions, runAutomation } from '../../app/ssm/runner';
import { findRemediation, remediationForFunction } from '../../remediations';
import { AwsClients } from '../../shared/aws/clients';
import { EC2 } from '../../shared/aws/services/ec2';
import { S3 } from '../../shared/aws/services/s3';
import { S3Control } from '../../shared/aws/services/s3control';
import { awsErrorName } from '../../shared/errors';
import { TEST_CREDENTIALS } from '../helpers/moto';

/** moto's default account. */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** Clients for moto_server, counting every operation sent. */
export function motoClients(endpoint: string, calls: string[] = []): AwsClients {
  return new AwsClients({
    region: REGION,
    endpoint,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
    onCall: (service, operation) => calls.push(`${service}:${operation}`),
  });
}

/** The validated document of a registered remediation. */
export function remediationDocument(id: string): AutomationDocument {
  const remediation = findRemediation(id);
  if (!remediation) throw new Error(`remediation ${id} is not registered`);
  return loadAutomationDocument(join(remediation.dir, 'document.yaml'));
}

/**
 * Runs a remediation's document with the local runner against `aws`, its Lambda steps resolved to the repository's
 * own handlers (talking to the same endpoint), as the CLI does. The Lambdas run with `aws` too, unless
 * `lambdaAws` gives them other credentials (a central account's Lambda serving a member's automation).
 * @example
 * const execution = await runRemediation('revoke-public-ingress', aws, { GroupId: 'sg-…' });
 */
export function runRemediation(
  id: string,
  aws: AwsClients,
  parameters: Record<string, unknown>,
  options: Omit<RunAutomationOptions, 'aws' | 'parameters' | 'lambdas'> & { lambdaAws?: AwsClients } = {},
): Promise<AutomationExecution> {
  const { lambdaAws = aws, ...runOptions } = options;
  return runAutomation(remediationDocument(id), {
    aws,
    parameters: { LambdaFunctionName: `rebaseline-test-${id}`, ...parameters },
    lambdas: (functionName) => {
      const handler = remediationForFunction(functionName)?.createHandler?.(() => lambdaAws);
      return handler && ((event, context) => handler(event, context));
    },
    ...runOptions,
  });
}

/** Mutating operations among counted calls (anything but Describe/Get/List/Head and STS GetCallerIdentity). */
export function mutations(calls: readonly string[]): string[] {
  return calls.filter((c) => !/:(Describe|Get|List|Head)[A-Z]/.test(c));
}

/** The world-open and the legitimate ingress of {@link createInsecureGroup}. */
export interface InsecureGroup {
  vpcId: string;
  groupId: string;
  /** A second group referenced by the first one's ingress (must be kept). */
  peerGroupId: string;
  /** A managed prefix list whose only entry is 0.0.0.0/0. */
  worldPrefixListId: string;
}

export async function createVpc(aws: AwsClients): Promise<string> {
  const vpc = await aws.get(EC2).send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  return vpc.Vpc?.VpcId ?? '';
}

export async function createGroup(aws: AwsClients, vpcId: string, name: string): Promise<string> {
  const sg = await aws
    .get(EC2)
    .send(new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: vpcId }));
  return sg.GroupId ?? '';
}

export async function authorize(
  aws: AwsClients,
  groupId: string,
  permissions: IpPermission[],
): Promise<void> {
  await aws
    .get(EC2)
    .send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: permissions }));
}

/**
 * A group with everything the rule flags and everything it must keep:
 * - tcp 22 from 0.0.0.0/0 **and** 10.0.0.0/8 (only the world range goes);
 * - tcp 3389 from ::/0; all traffic from 0.0.0.0/0; tcp 8080 from a prefix list holding 0.0.0.0/0;
 * - tcp 443 from 0.0.0.0/0 (authorized with `AuthorizedTcpPorts: "443"`);
 * - tcp 5432 from another security group, and udp 53 from 192.168.0.0/16 (not world-open).
 */
export async function createInsecureGroup(aws: AwsClients): Promise<InsecureGroup> {
  const vpcId = await createVpc(aws);
  const groupId = await createGroup(aws, vpcId, 'web');
  const peerGroupId = await createGroup(aws, vpcId, 'app');
  const list = await aws.get(EC2).send(
    new CreateManagedPrefixListCommand({
      PrefixListName: 'everyone',
      AddressFamily: 'IPv4',
      MaxEntries: 5,
      Entries: [{ Cidr: '0.0.0.0/0', Description: 'the internet' }],
    }),
  );
  const worldPrefixListId = list.PrefixList?.PrefixListId ?? '';
  await authorize(aws, groupId, [
    {
      IpProtocol: 'tcp',
      FromPort: 22,
      ToPort: 22,
      IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '10.0.0.0/8', Description: 'office' }],
    },
    { IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, PrefixListIds: [{ PrefixListId: worldPrefixListId }] },
    { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: peerGroupId }] },
    { IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '192.168.0.0/16' }] },
  ]);
  await authorize(aws, groupId, [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]);
  await authorize(aws, peerGroupId, [
    { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
  ]);
  return { vpcId, groupId, peerGroupId, worldPrefixListId };
}

export async function describeGroup(aws: AwsClients, groupId: string): Promise<SecurityGroup> {
  const out = await aws.get(EC2).send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
  const group = out.SecurityGroups?.[0];
  if (!group) throw new Error(`${groupId} not found`);
  return group;
}

/**
 * One line per (protocol, ports, source) of a group's ingress, sorted: how the end-state assertions compare
 * ingress whatever way EC2 (or moto) groups the sources into permissions.
 * @example
 * sources(group) // → ['tcp 22-22 10.0.0.0/8', 'tcp 5432-5432 sg-…', …]
 */
export function sources(group: SecurityGroup): string[] {
  return (group.IpPermissions ?? [])
    .flatMap((p) => {
      const head = `${p.IpProtocol} ${p.FromPort ?? ''}-${p.ToPort ?? ''}`;
      return [
        ...(p.IpRanges ?? []).map((r) => `${head} ${r.CidrIp}`),
        ...(p.Ipv6Ranges ?? []).map((r) => `${head} ${r.CidrIpv6}`),
        ...(p.PrefixListIds ?? []).map((r) => `${head} ${r.PrefixListId}`),
        ...(p.UserIdGroupPairs ?? []).map((r) => `${head} ${r.GroupId}`),
      ];
    })
    .sort();
}

export function tagsOf(group: SecurityGroup): Record<string, string> {
  return Object.fromEntries((group.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

/** A policy that lets anyone read every object. */
export function publicReadPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PublicRead',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${bucket}/*`,
      },
    ],
  });
}

/** A policy that allows everyone, but only through one VPC endpoint: not public. */
export function vpceOnlyPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ThroughEndpointOnly',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${bucket}/*`,
        Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-0123456789abcdef0' } },
      },
    ],
  });
}

export async function createBucket(
  aws: AwsClients,
  name: string,
  options: { acl?: 'public-read'; policy?: string; tags?: Record<string, string> } = {},
): Promise<void> {
  const s3 = aws.get(S3);
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  if (options.acl) await s3.send(new PutBucketAclCommand({ Bucket: name, ACL: options.acl }));
  if (options.policy) await s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: options.policy }));
  if (options.tags)
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: name,
        Tagging: { TagSet: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })) },
      }),
    );
}

export async function putBucketBlock(
  aws: AwsClients,
  name: string,
  config: PublicAccessBlockConfiguration,
): Promise<void> {
  await aws
    .get(S3)
    .send(new PutPublicAccessBlockCommand({ Bucket: name, PublicAccessBlockConfiguration: config }));
}

/** Everything about a bucket the remediation must not change, and the one thing it must: its BPA. */
export async function bucketState(aws: AwsClients, name: string) {
  const s3 = aws.get(S3);
  const acl = await s3.send(new GetBucketAclCommand({ Bucket: name }));
  let policy: string | null = null;
  try {
    policy = (await s3.send(new GetBucketPolicyCommand({ Bucket: name }))).Policy ?? null;
  } catch (error) {
    if (awsErrorName(error) !== 'NoSuchBucketPolicy') throw error;
  }
  let publicAccessBlock: PublicAccessBlockConfiguration | null = null;
  try {
    publicAccessBlock =
      (await s3.send(new GetPublicAccessBlockCommand({ Bucket: name }))).PublicAccessBlockConfiguration ??
      null;
  } catch (error) {
    if (awsErrorName(error) !== 'NoSuchPublicAccessBlockConfiguration') throw error;
  }
  return {
    grants: (acl.Grants ?? []).map((g) => ({
      grantee: g.Grantee?.URI ?? g.Grantee?.ID,
      permission: g.Permission,
    })),
    policy,
    publicAccessBlock,
  };
}

export async function accountBlock(aws: AwsClients): Promise<PublicAccessBlockConfiguration | null> {
  try {
    const out = await aws.get(S3Control).send(new GetAccountPublicAccessBlockCommand({ AccountId: ACCOUNT }));
    return out.PublicAccessBlockConfiguration ?? null;
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchPublicAccessBlockConfiguration') return null;
    throw error;
  }
}

export async function putAccountBlock(
  aws: AwsClients,
  config: PublicAccessBlockConfiguration,
): Promise<void> {
  await aws
    .get(S3Control)
    .send(
      new PutAccountPublicAccessBlockCommand({ AccountId: ACCOUNT, PublicAccessBlockConfiguration: config }),
    );
}

export const ALL_ON: PublicAccessBlockConfiguration = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

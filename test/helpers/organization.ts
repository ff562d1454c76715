import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { CreateBucketCommand, PutBucketAclCommand } from '@aws-sdk/client-s3';
import { PutPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import { assumeRole } from '../../shared/aws/assume-role';
import type { AwsClients } from '../../shared/aws/clients';
import { EC2 } from '../../shared/aws/services/ec2';
import { IAM } from '../../shared/aws/services/iam';
import { Organizations } from '../../shared/aws/services/organizations';
import { S3 } from '../../shared/aws/services/s3';
import { S3Control } from '../../shared/aws/services/s3control';

/** The organisation {@link createOrganization} made on the emulator. */
export interface EmulatedOrganization {
  management: string;
  members: string[];
  /** Members closed after they were created (SUSPENDED): never scanned. */
  suspended: string[];
}

/** The member role `conformance-packs/member-roles.yaml` creates (moto does not evaluate trust policies). */
export const MEMBER_ROLE = 'rebaseline-execution';

/**
 * An organisation on the emulator: the caller's account as management account, `members` ACTIVE member accounts
 * each with the member role, and `suspended` more accounts closed again.
 * @example
 * const org = await createOrganization(base, { members: 3, suspended: 1 });
 */
export async function createOrganization(
  base: AwsClients,
  counts: { members: number; suspended?: number },
): Promise<EmulatedOrganization> {
  const organizations = base.get(Organizations);
  const created = await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const management = created.Organization?.MasterAccountId as string;
  const make = async (name: string) => {
    const out = await organizations.send(
      new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
    );
    return out.CreateAccountStatus?.AccountId as string;
  };
  const members: string[] = [];
  for (let i = 0; i < counts.members; i++) {
    const id = await make(`member-${i}`);
    members.push(id);
    const member = await memberClients(base, id, base.region);
    await member.get(IAM).send(
      new CreateRoleCommand({
        RoleName: MEMBER_ROLE,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${management}:root` },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
  }
  const suspended: string[] = [];
  for (let i = 0; i < (counts.suspended ?? 0); i++) {
    const id = await make(`closed-${i}`);
    await organizations.send(new CloseAccountCommand({ AccountId: id }));
    suspended.push(id);
  }
  return { management, members, suspended };
}

/** Clients in a member account and region, through AssumeRole from `base` (how the setup reaches a member). */
export function memberClients(base: AwsClients, accountId: string, region: string): Promise<AwsClients> {
  return assumeRole(
    base.inRegion(region),
    `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`,
    'setup',
  );
}

/** What {@link furnishMember} made in one member and region. */
export interface Furnished {
  openGroupId: string;
  closedGroupId: string;
  bucket?: string;
}

/**
 * Resources in a member and region: a group open to the world on SSH, a group open only to a private range, and,
 * when `bucket` is given, a bucket with a public-read ACL; `accountBlock` turns on the account-level Block Public
 * Access (making the public ACL ignored, the account compliant).
 */
export async function furnishMember(
  member: AwsClients,
  accountId: string,
  options: { bucket?: string; accountBlock?: boolean },
): Promise<Furnished> {
  const ec2 = member.get(EC2);
  const group = async (name: string, cidr: string) => {
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: name, Description: name }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: cidr }] }],
      }),
    );
    return GroupId as string;
  };
  const out: Furnished = {
    openGroupId: await group('open-ssh', '0.0.0.0/0'),
    closedGroupId: await group('private-ssh', '10.0.0.0/8'),
  };
  if (options.bucket) {
    const s3 = member.get(S3);
    await s3.send(
      new CreateBucketCommand({
        Bucket: options.bucket,
        ...(member.region === 'us-east-1'
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: member.region as never } }),
      }),
    );
    await s3.send(new PutBucketAclCommand({ Bucket: options.bucket, ACL: 'public-read' }));
    out.bucket = options.bucket;
  }
  if (options.accountBlock)
    await member.get(S3Control).send(
      new PutPublicAccessBlockCommand({
        AccountId: accountId,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
  return out;
}

import {
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type GetTrailStatusResponse,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import {
  paginateDescribeSecurityGroups,
  paginateGetManagedPrefixListEntries,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import {
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
} from '@aws-sdk/client-iam';
import {
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  type PublicAccessBlockConfiguration,
} from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import type { AwsClients } from '../aws/clients';
import { awsErrorName, CollectionError, InsufficientDataError } from '../errors';
import { logger } from '../logger';
import type { BucketReadout, Reader, TrailSelectors } from './reader';

/** How long `credentialReport()` waits for IAM to generate the report. */
export interface CredentialReportWait {
  attempts: number;
  delayMs: number;
}

/**
 * `GetBucketLocation`'s answer as a region name (`null` means us-east-1, `EU` means eu-west-1).
 * @example
 * bucketRegionFromLocation('EU'); // → 'eu-west-1'
 */
export function bucketRegionFromLocation(constraint: string | undefined | null): string {
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

/** EC2 errors that mean a prefix list is not visible to this role, as opposed to a failed read. */
const PREFIX_LIST_UNREADABLE = new Set([
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidPrefixListID.NotFound',
  'InvalidPrefixListId.NotFound',
  'InvalidPrefixListID.Malformed',
  'InvalidPrefixListId.Malformed',
]);

async function orNull<T>(p: Promise<T>, missing: string[]): Promise<T | null> {
  try {
    return await p;
  } catch (error) {
    if (missing.includes(awsErrorName(error) ?? '')) return null;
    throw error;
  }
}

/**
 * Reads an account through SDK clients. One instance serves one invocation (or one scan): every answer is
 * cached, so a value needed by several resources (account-level BPA, a prefix list) is read once.
 */
export class LiveReader implements Reader {
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly homeRegions = new Map<string, AwsClients>();

  constructor(
    private readonly aws: AwsClients,
    readonly accountId: string,
    private readonly wait: CredentialReportWait = { attempts: 15, delayMs: 2000 },
  ) {}

  get region(): string {
    return this.aws.region;
  }

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      this.memo.set(key, p);
    }
    return p;
  }

  describeSecurityGroups(groupIds?: string[]): Promise<SecurityGroup[]> {
    return this.once(`sg:${groupIds?.join(',') ?? '*'}`, async () => {
      const groups: SecurityGroup[] = [];
      for await (const page of paginateDescribeSecurityGroups(
        { client: this.aws.get('ec2') },
        groupIds ? { GroupIds: groupIds } : {},
      ))
        groups.push(...(page.SecurityGroups ?? []));
      return groups;
    });
  }

  prefixListCidrs(prefixListId: string): Promise<string[] | undefined> {
    return this.once(`pl:${prefixListId}`, async () => {
      try {
        const cidrs: string[] = [];
        for await (const page of paginateGetManagedPrefixListEntries(
          { client: this.aws.get('ec2') },
          { PrefixListId: prefixListId },
        ))
          for (const e of page.Entries ?? []) if (e.Cidr) cidrs.push(e.Cidr);
        return cidrs;
      } catch (error) {
        // Only a list this role may not see (not shared, denied, gone) is "cannot be read". Throttling or a network
        // failure must fail the evaluation: treating the list as not the world would report the group COMPLIANT.
        if (!PREFIX_LIST_UNREADABLE.has(awsErrorName(error) ?? '')) throw error;
        logger.warn(
          { prefixListId, error: awsErrorName(error) },
          'prefix list entries unreadable; not treated as the world',
        );
        return undefined;
      }
    });
  }

  listBucketNames(): Promise<string[]> {
    return this.once('buckets', async () => {
      const s3 = this.aws.get('s3');
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListBucketsCommand({ ContinuationToken: token, MaxBuckets: 1000 }));
        for (const b of page.Buckets ?? []) {
          if (!b.Name) continue;
          const region =
            b.BucketRegion ??
            bucketRegionFromLocation(
              (await s3.send(new GetBucketLocationCommand({ Bucket: b.Name }))).LocationConstraint,
            );
          if (region === this.region) names.push(b.Name);
        }
        token = page.ContinuationToken;
      } while (token);
      return names;
    });
  }

  readBucket(name: string): Promise<BucketReadout> {
    return this.once(`bucket:${name}`, async () => {
      const s3 = this.aws.get('s3');
      try {
        const [acl, policy, bpa, ownership, tagging] = await Promise.all([
          s3.send(new GetBucketAclCommand({ Bucket: name })),
          orNull(s3.send(new GetBucketPolicyCommand({ Bucket: name })), ['NoSuchBucketPolicy']),
          orNull(s3.send(new GetPublicAccessBlockCommand({ Bucket: name })), [
            'NoSuchPublicAccessBlockConfiguration',
          ]),
          orNull(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: name })), [
            'OwnershipControlsNotFoundError',
          ]),
          orNull(s3.send(new GetBucketTaggingCommand({ Bucket: name })), ['NoSuchTagSet']),
        ]);
        return {
          name,
          region: this.region,
          grants: acl.Grants ?? [],
          policy: policy?.Policy ?? null,
          publicAccessBlock: bpa?.PublicAccessBlockConfiguration ?? null,
          objectOwnership: ownership?.OwnershipControls?.Rules?.[0]?.ObjectOwnership,
          tags: Object.fromEntries((tagging?.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        };
      } catch (cause) {
        throw new CollectionError('AWS::S3::Bucket', name, `${awsErrorName(cause) ?? 'error'}.`, { cause });
      }
    });
  }

  accountPublicAccessBlock(): Promise<PublicAccessBlockConfiguration | null> {
    return this.once('account-bpa', async () => {
      const out = await orNull(
        this.aws.get('s3control').send(new GetAccountPublicAccessBlockCommand({ AccountId: this.accountId })),
        ['NoSuchPublicAccessBlockConfiguration'],
      );
      return out?.PublicAccessBlockConfiguration ?? null;
    });
  }

  accountAccessKeysPresent(): Promise<number | undefined> {
    return this.once('account-summary', async () => {
      const out = await this.aws.get('iam').send(new GetAccountSummaryCommand({}));
      return out.SummaryMap?.AccountAccessKeysPresent;
    });
  }

  credentialReport(): Promise<string> {
    return this.once('credential-report', async () => {
      const iam = this.aws.get('iam');
      for (let attempt = 1; attempt <= this.wait.attempts; attempt++) {
        const generated = await iam.send(new GenerateCredentialReportCommand({}));
        if (generated.State === 'COMPLETE') {
          try {
            const report = await iam.send(new GetCredentialReportCommand({}));
            return new TextDecoder().decode(report.Content);
          } catch (error) {
            // Generated but not yet readable, or expired between the two calls: ask again.
            if (
              !['ReportInProgress', 'ReportNotPresent', 'ReportExpired'].includes(awsErrorName(error) ?? '')
            )
              throw error;
          }
        }
        if (attempt < this.wait.attempts) await new Promise((r) => setTimeout(r, this.wait.delayMs));
      }
      throw new InsufficientDataError(
        `The IAM credential report was not ready after ${this.wait.attempts} attempts; the invocation fails so Config retries.`,
      );
    });
  }

  describeTrails(): Promise<Trail[]> {
    return this.once('trails', async () => {
      const out = await this.aws
        .get('cloudtrail')
        .send(new DescribeTrailsCommand({ includeShadowTrails: true }));
      return out.trailList ?? [];
    });
  }

  /**
   * CloudTrail in the trail's home region. A multi-region trail seen from another region is a shadow trail, and
   * not every API answers for a shadow trail (GetEventSelectors: TrailNotFoundException); the home region always does.
   */
  private cloudtrailFor(trail: Trail) {
    const home = trail.HomeRegion;
    if (!home || home === this.aws.region) return this.aws.get('cloudtrail');
    let clients = this.homeRegions.get(home);
    if (!clients) {
      clients = this.aws.inRegion(home);
      this.homeRegions.set(home, clients);
    }
    return clients.get('cloudtrail');
  }

  trailStatus(trail: Trail): Promise<GetTrailStatusResponse> {
    const name = trail.TrailARN ?? trail.Name ?? '';
    return this.once(`trail-status:${name}`, () =>
      this.cloudtrailFor(trail).send(new GetTrailStatusCommand({ Name: name })),
    );
  }

  eventSelectors(trail: Trail): Promise<TrailSelectors> {
    const name = trail.TrailARN ?? trail.Name ?? '';
    return this.once(`trail-selectors:${name}`, () =>
      this.cloudtrailFor(trail).send(new GetEventSelectorsCommand({ TrailName: name })),
    );
  }
}

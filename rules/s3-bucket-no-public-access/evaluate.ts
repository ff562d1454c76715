import type { ReaderOf } from '../../shared/collectors/reader';
import { s3Reads } from '../../shared/collectors/reads/s3';
import { s3controlReads } from '../../shared/collectors/reads/s3control';
import { awsErrorName, CollectionError, UnreadableDependencyError } from '../../shared/errors';
import { ruleMetadata } from '../../shared/metadata';
import {
  type AclGrant,
  BUCKET,
  type BucketModel,
  bucketFromConfigurationItem,
  bucketFromReadout,
} from '../../shared/models/bucket';
import { isPublicStatement, type PublicStatement, publicStatements } from '../../shared/models/bucket-policy';
import { isUnreadable, type Unreadable, unreadableBecause } from '../../shared/models/decode';
import {
  decodePublicAccessBlock,
  type PublicAccessBlockFlags,
} from '../../shared/models/public-access-block';
import type { CommonParameters } from '../../shared/params';
import { ACCOUNT_RESOURCE_TYPE, defineRule, type Verdict } from '../../shared/rule';
import meta from './rule.json';

/**
 * Scenarios
 * - Given an ACL grant of any permission to AllUsers or AuthenticatedUsers and IgnorePublicAcls off at bucket and
 *   account level, then NON_COMPLIANT ("ACL grants READ to AllUsers.").
 * - Given a policy statement that allows * (or uses NotPrincipal) with no condition pinning it to fixed values of a
 *   restricting key, and RestrictPublicBuckets off at both levels, then NON_COMPLIANT.
 * - Given the same bucket with the matching flag on at the bucket or the account level, then COMPLIANT.
 * - Given object ownership BucketOwnerEnforced, then the ACL cannot make the bucket public.
 * - Given LogDelivery grants, Deny-only policies, or Allow-to-* pinned by aws:SourceVpce, then COMPLIANT.
 * - Given a bucket listed in excludedPublicBuckets, then COMPLIANT with an annotation saying it is meant to be public.
 * - Given an account level that cannot be read, then a public bucket is not evaluated (its verdict depends on it);
 *   a bucket with nothing public is COMPLIANT as before.
 * - Given an ACL, a policy, Block Public Access or object ownership that cannot be read, then the bucket is not
 *   evaluated (never COMPLIANT); a policy aws:SourceIp list covering all of IPv4 or IPv6 pins nothing.
 */
export interface Parameters extends CommonParameters {
  excludedPublicBuckets: string[];
}

export interface Context {
  /**
   * Account-level Block Public Access of the bucket's account; `null` when none is configured, {@link Unreadable}
   * when it could not be read (then a bucket whose verdict depends on it is not evaluated).
   */
  accountPublicAccessBlock: PublicAccessBlockFlags | null | Unreadable;
}

/** Grantee groups whose grants make a bucket public, whatever the permission. */
const PUBLIC_GROUPS = new Set<AclGrant['grantee']['kind']>(['AllUsers', 'AuthenticatedUsers']);

/** How many buckets the periodic path reads at once (five S3 calls each). */
const READ_CONCURRENCY = 8;

/**
 * Where a Block Public Access flag that applies to a bucket is on: the bucket level, the account level, or neither.
 * @example
 * effectiveFlag(model, { accountPublicAccessBlock: { ...flags, ignorePublicAcls: true } }, 'ignorePublicAcls')
 * // → 'account' (unless the bucket sets it itself: 'bucket')
 */
export function effectiveFlag(
  model: BucketModel,
  ctx: Context,
  flag: 'ignorePublicAcls' | 'restrictPublicBuckets',
): 'bucket' | 'account' | undefined {
  if (model.publicAccessBlock?.[flag]) return 'bucket';
  const account = ctx.accountPublicAccessBlock;
  if (account && !isUnreadable(account) && account[flag]) return 'account';
  return undefined;
}

/**
 * ACL grants that make the bucket public, one sentence per grantee (e.g. `ACL grants READ to AllUsers.`).
 * Empty when ACLs are disabled (`BucketOwnerEnforced`).
 * @example
 * publicAclFindings(model) // → ['ACL grants READ, WRITE to AllUsers.']
 */
export function publicAclFindings(model: BucketModel): string[] {
  if (!hasPublicAclGrant(model)) return [];
  const byGroup = new Map<string, string[]>();
  for (const g of model.grants) {
    if (!PUBLIC_GROUPS.has(g.grantee.kind)) continue;
    const permissions = byGroup.get(g.grantee.kind) ?? [];
    if (!permissions.includes(g.permission)) permissions.push(g.permission);
    byGroup.set(g.grantee.kind, permissions);
  }
  return [...byGroup].map(([group, permissions]) => `ACL grants ${permissions.join(', ')} to ${group}.`);
}

/** Whether an ACL grant makes the bucket public: {@link publicAclFindings} is not empty. */
function hasPublicAclGrant(model: BucketModel): boolean {
  if (model.objectOwnership === 'BucketOwnerEnforced') return false;
  for (const g of model.grants) if (PUBLIC_GROUPS.has(g.grantee.kind)) return true;
  return false;
}

/** What is public about a bucket, and what Block Public Access neutralises. */
export interface BucketExposure {
  acl: string[];
  policy: PublicStatement[];
  ignorePublicAcls?: 'bucket' | 'account';
  restrictPublicBuckets?: 'bucket' | 'account';
  /** The findings that are in effect (not neutralised by Block Public Access). */
  effective: string[];
}

/**
 * Everything public about a bucket, and which of it Block Public Access neutralises.
 * @example
 * bucketExposure(model, { accountPublicAccessBlock: null }).effective
 * // → ['ACL grants READ to AllUsers.', 'Policy statement Sid PublicRead allows * (s3:GetObject).']
 */
export function bucketExposure(model: BucketModel, ctx: Context): BucketExposure {
  const acl = publicAclFindings(model);
  const policy = model.policy ? publicStatements(model.policy) : [];
  const ignorePublicAcls = effectiveFlag(model, ctx, 'ignorePublicAcls');
  const restrictPublicBuckets = effectiveFlag(model, ctx, 'restrictPublicBuckets');
  return {
    acl,
    policy,
    ...(ignorePublicAcls ? { ignorePublicAcls } : {}),
    ...(restrictPublicBuckets ? { restrictPublicBuckets } : {}),
    effective: [
      ...(ignorePublicAcls ? [] : acl),
      ...(restrictPublicBuckets ? [] : policy.map((s) => s.reason)),
    ],
  };
}

/** What the annotation of a COMPLIANT bucket says: what is public, and where Block Public Access neutralises it. */
interface Neutralised {
  publicAcl: boolean;
  publicPolicy: boolean;
  ignorePublicAcls?: 'bucket' | 'account';
  restrictPublicBuckets?: 'bucket' | 'account';
}

function compliantAnnotation(model: BucketModel, exposure: Neutralised): string {
  const notes: string[] = [];
  if (exposure.publicAcl)
    notes.push(`The public ACL is ignored (IgnorePublicAcls at the ${exposure.ignorePublicAcls} level).`);
  if (exposure.publicPolicy)
    notes.push(
      `The public policy is restricted (RestrictPublicBuckets at the ${exposure.restrictPublicBuckets} level).`,
    );
  const enforced = model.objectOwnership === 'BucketOwnerEnforced';
  if (notes.length === 0)
    notes.push(
      enforced
        ? 'ACLs are disabled (BucketOwnerEnforced); no policy statement is public.'
        : 'No public ACL grant or policy statement.',
    );
  else if (enforced) notes.unshift('ACLs are disabled (BucketOwnerEnforced).');
  return notes.join(' ');
}

/**
 * The verdict on one bucket (pure).
 * @throws UnreadableDependencyError when the account level could not be read and something is public.
 * @example
 * evaluate(model, params, { accountPublicAccessBlock: null })
 * // → { complianceType: 'NON_COMPLIANT', annotation: 'ACL grants READ to AllUsers.' }
 */
export function evaluate(model: BucketModel, params: Parameters, ctx: Context): Verdict {
  // Decided first without a word of text: the findings are written only for a bucket whose annotation names them.
  const publicAcl = hasPublicAclGrant(model);
  const publicPolicy = model.policy?.Statement.some(isPublicStatement) === true;
  const ignorePublicAcls = publicAcl ? effectiveFlag(model, ctx, 'ignorePublicAcls') : undefined;
  const restrictPublicBuckets = publicPolicy ? effectiveFlag(model, ctx, 'restrictPublicBuckets') : undefined;
  const inEffect = (publicAcl && !ignorePublicAcls) || (publicPolicy && !restrictPublicBuckets);
  const excluded = params.excludedPublicBuckets.includes(model.name);
  const account = ctx.accountPublicAccessBlock;
  // Read as off, an unreadable account level decides nothing when nothing is public; otherwise it could neutralise
  // what is, and the verdict would be a guess.
  if (isUnreadable(account) && inEffect && !excluded)
    throw new UnreadableDependencyError(
      model.resourceType,
      model.resourceId,
      'the account-level S3 Block Public Access',
      account.unreadable,
    );
  if (!inEffect && !excluded)
    return {
      complianceType: 'COMPLIANT',
      annotation: compliantAnnotation(model, {
        publicAcl,
        publicPolicy,
        ignorePublicAcls,
        restrictPublicBuckets,
      }),
    };
  const exposure = bucketExposure(model, ctx);
  if (excluded)
    return {
      complianceType: 'COMPLIANT',
      annotation:
        exposure.effective.length > 0
          ? `Bucket ${model.name} is meant to be public (excludedPublicBuckets): ${exposure.effective.join(' ')}`
          : `Bucket ${model.name} is meant to be public (excludedPublicBuckets); it is not public now.`,
    };
  return { complianceType: 'NON_COMPLIANT', annotation: exposure.effective.join(' ') };
}

/** One bucket read through the reader; a failure becomes a {@link CollectionError}, never a dropped bucket. */
async function readBucketModel(reader: ReaderOf<'s3'>, name: string, accountId: string) {
  try {
    return bucketFromReadout(await reader.readBucket(name), accountId);
  } catch (error) {
    if (error instanceof CollectionError) return error;
    const reason = error instanceof Error ? error.message : `${awsErrorName(error) ?? 'error'}.`;
    return new CollectionError(BUCKET, name, reason, { cause: error });
  }
}

/**
 * Every bucket of the reader's region, read a few at a time so a large account does not flood S3; a bucket that
 * cannot be read is returned as a {@link CollectionError} in its place.
 * @example
 * await collectBuckets(new SnapshotReader({ buckets: [readout] }, '123456789012', 'us-east-1'), '123456789012')
 */
export async function collectBuckets(
  reader: ReaderOf<'s3'>,
  accountId: string,
): Promise<Array<BucketModel | CollectionError>> {
  const names = await reader.listBucketNames();
  const out: Array<BucketModel | CollectionError> = new Array(names.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < names.length; i = next++)
      out[i] = await readBucketModel(reader, names[i] as string, accountId);
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, names.length) }, worker));
  return out;
}

export const rule = defineRule<BucketModel, Parameters, Context, 's3' | 's3control'>({
  meta: ruleMetadata(meta),
  reads: { s3: s3Reads, s3control: s3controlReads },
  fromConfigurationItem: bucketFromConfigurationItem,
  collect: (reader, scope) => collectBuckets(reader, scope.accountId),
  loadContext: async (reader, _models, scope) => {
    try {
      return {
        accountPublicAccessBlock: decodePublicAccessBlock(
          await reader.accountPublicAccessBlock(),
          { resourceType: ACCOUNT_RESOURCE_TYPE, resourceId: scope.accountId },
          'PublicAccessBlockConfiguration',
        ),
      };
    } catch (error) {
      // Read once for every bucket: unreadable, it fails only the buckets whose verdict depends on it.
      return { accountPublicAccessBlock: unreadableBecause(error) };
    }
  },
  evaluate,
});

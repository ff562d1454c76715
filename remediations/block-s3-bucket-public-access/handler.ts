import {
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
} from '@aws-sdk/client-s3';
import { evaluate, type Parameters, rule } from '../../rules/s3-bucket-no-public-access/evaluate';
import type { AwsClients } from '../../shared/aws/clients';
import { S3 } from '../../shared/aws/services/s3';
import { LiveReader } from '../../shared/collectors/live-reader';
import { exemptionOf } from '../../shared/engine';
import { awsErrorName, CollectionError, RemediationVerificationError } from '../../shared/errors';
import { type AccountReach, remediationLambda } from '../../shared/lambda/remediation';
import { BUCKET, bucketFromReadout } from '../../shared/models/bucket';
import {
  flagName,
  PUBLIC_ACCESS_BLOCK_FLAGS,
  publicAccessBlockFlags,
} from '../../shared/models/public-access-block';
import { parseRuleParameters } from '../../shared/params';
import { ACCOUNT_ID_FIELD, payloadParser } from '../../shared/remediation/payload';

export const REMEDIATION_ID = 'block-s3-bucket-public-access';

/** What the document sends; list parameters may arrive as a StringList, a comma string, or both combined. */
export interface BlockBucketPayload {
  /** `plan`: decide from the live bucket. `verify`: re-read the bucket and re-evaluate it with the rule. */
  Mode: 'plan' | 'verify';
  /** The account the automation runs in (`{{ global:ACCOUNT_ID }}`), which owns the bucket. */
  AccountId: string;
  BucketName: string;
  ExcludedPublicBuckets?: string | string[];
  ExemptResourceIds?: string;
  ExemptTagKey?: string;
  ExemptTagValue?: string;
  /** Set by the runner's dry-run: return the plan, change nothing, do not fail verification. */
  DryRun?: boolean;
}

/**
 * - `BLOCK`: turn on all four settings.
 * - `ALREADY_BLOCKED`: all four are on; change nothing, verify.
 * - `EXCLUDED` / `EXEMPTED`: the bucket is meant to be public, or exempted from the rule; change nothing.
 */
export type BucketAction = 'BLOCK' | 'ALREADY_BLOCKED' | 'EXCLUDED' | 'EXEMPTED';

export interface BucketPlan {
  Mode: 'plan';
  BucketName: string;
  DryRun: boolean;
  Action: BucketAction;
  /** The bucket's Block Public Access before the change, as `GetPublicAccessBlock` returned it (`null`: none). */
  PreviousPublicAccessBlock: string;
  Message: string;
  /** Changes this Lambda makes itself (read by the runner's dry-run): none, the document makes them. */
  plan: [];
}

export interface BucketVerification {
  Mode: 'verify';
  BucketName: string;
  DryRun: boolean;
  /** The rule's verdict on the bucket as it is now. */
  Compliant: boolean;
  Annotation: string;
  Message: string;
  /** Changes this Lambda makes itself (read by the runner's dry-run): none, the document makes them. */
  plan: [];
}

export type BlockBucketResult = BucketPlan | BucketVerification;

/** A list parameter: a StringList, a comma string, or both combined. */
const LIST = {
  type: ['string', 'array', 'null'],
  items: { type: 'string' },
  description: 'a string or a list of strings',
} as const;

/**
 * The payload as the document sends it.
 * @throws RemediationInputError when a field is missing or malformed.
 * @example
 * parsePayload({ Mode: 'plan', AccountId: '123456789012', BucketName: 'my-bucket', ExcludedPublicBuckets: ['a', 'b'] }).ExcludedPublicBuckets // → 'a,b'
 */
export const parsePayload = payloadParser<BlockBucketPayload>(REMEDIATION_ID, {
  type: 'object',
  required: ['Mode', 'AccountId', 'BucketName'],
  properties: {
    Mode: { enum: ['plan', 'verify'] },
    AccountId: ACCOUNT_ID_FIELD,
    // S3's rules for bucket names, legacy us-east-1 names (capitals, underscores, up to 255) included.
    BucketName: { type: 'string', pattern: '^[A-Za-z0-9._-]{3,255}$', description: 'a bucket name' },
    ExcludedPublicBuckets: LIST,
    ExemptResourceIds: LIST,
    ExemptTagKey: LIST,
    ExemptTagValue: LIST,
  },
});

/**
 * The rule's parameters from the payload, parsed as the rule parses its own: `["a,b", "c"]` and `"a,b,c"` both
 * mean the three buckets a, b and c.
 * @example
 * ruleParametersOf({ Mode: 'plan', AccountId: '123456789012', BucketName: 'x', ExcludedPublicBuckets: ['site-a,site-b'] }).excludedPublicBuckets
 * // → ['site-a', 'site-b']
 */
export function ruleParametersOf(payload: BlockBucketPayload): Parameters {
  return parseRuleParameters<Parameters>(rule.meta, {
    excludedPublicBuckets: payload.ExcludedPublicBuckets,
    exemptResourceIds: payload.ExemptResourceIds,
    exemptTagKey: payload.ExemptTagKey,
    exemptTagValue: payload.ExemptTagValue,
  });
}

async function readOrNull<T>(read: Promise<T>, missing: string): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (awsErrorName(error) === missing) return null;
    throw error;
  }
}

async function readBucket(aws: AwsClients, bucket: string, withTags: boolean) {
  const s3 = aws.get(S3);
  try {
    const [bpa, tagging] = await Promise.all([
      readOrNull(
        s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })),
        'NoSuchPublicAccessBlockConfiguration',
      ),
      withTags ? readOrNull(s3.send(new GetBucketTaggingCommand({ Bucket: bucket })), 'NoSuchTagSet') : null,
    ]);
    return {
      publicAccessBlock: bpa?.PublicAccessBlockConfiguration ?? null,
      tags: Object.fromEntries((tagging?.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    };
  } catch (cause) {
    throw new CollectionError(BUCKET, bucket, `${awsErrorName(cause) ?? 'error'}.`, { cause });
  }
}

function describe(config: PublicAccessBlockConfiguration | null): string {
  const flags = publicAccessBlockFlags(config);
  if (!flags) return 'no Block Public Access configuration';
  const on = PUBLIC_ACCESS_BLOCK_FLAGS.filter((f) => flags[f]).map(flagName);
  return on.length > 0 ? `${on.join(', ')} on` : 'every Block Public Access setting off';
}

/** The account is reached only when the bucket must be read: an excluded bucket is never read. */
async function plan(payload: BlockBucketPayload, reach: AccountReach): Promise<BucketPlan> {
  const params = ruleParametersOf(payload);
  const bucket = payload.BucketName;
  const base = { Mode: 'plan' as const, BucketName: bucket, DryRun: payload.DryRun === true, plan: [] as [] };
  if (params.excludedPublicBuckets.includes(bucket))
    return {
      ...base,
      Action: 'EXCLUDED',
      PreviousPublicAccessBlock: 'not read',
      Message: `Bucket ${bucket} is listed in ExcludedPublicBuckets (meant to be public); nothing changed.`,
    };
  const { aws, accountId } = await reach();
  const current = await readBucket(aws, bucket, params.exemptTagKey !== '');
  const previous = JSON.stringify(current.publicAccessBlock);
  const exempted = exemptionOf(
    { resourceType: BUCKET, resourceId: bucket, accountId, tags: current.tags },
    params,
  );
  if (exempted)
    return {
      ...base,
      Action: 'EXEMPTED',
      PreviousPublicAccessBlock: previous,
      Message: `${exempted} Nothing changed.`,
    };
  const flags = publicAccessBlockFlags(current.publicAccessBlock);
  if (flags && PUBLIC_ACCESS_BLOCK_FLAGS.every((f) => flags[f]))
    return {
      ...base,
      Action: 'ALREADY_BLOCKED',
      PreviousPublicAccessBlock: previous,
      Message: `Already compliant: bucket ${bucket} has all four Block Public Access settings on; nothing changed.`,
    };
  return {
    ...base,
    Action: 'BLOCK',
    PreviousPublicAccessBlock: previous,
    Message: `${payload.DryRun ? 'Would turn' : 'Turning'} on all four Block Public Access settings of bucket ${bucket} (now: ${describe(
      current.publicAccessBlock,
    )}); its policy and ACL are kept.`,
  };
}

/** What the rule says about the bucket now: its ACL, policy and both levels of Block Public Access, read live. */
async function verify(payload: BlockBucketPayload, reach: AccountReach): Promise<BucketVerification> {
  const params = ruleParametersOf(payload);
  const bucket = payload.BucketName;
  const { aws, accountId, partition } = await reach();
  const reader = new LiveReader(aws, accountId, rule.reads);
  const model = bucketFromReadout(await reader.readBucket(bucket), accountId);
  const exempted = exemptionOf(model, params);
  const scope = { accountId, region: aws.region, partition, now: new Date() };
  const verdict = exempted
    ? { complianceType: 'COMPLIANT' as const, annotation: exempted }
    : evaluate(model, params, await rule.loadContext(reader, [model], scope));
  const compliant = verdict.complianceType === 'COMPLIANT';
  const annotation = verdict.annotation ?? '';
  if (!compliant && !payload.DryRun)
    throw new RemediationVerificationError(`Bucket ${bucket} is still public: ${annotation}`);
  return {
    Mode: 'verify',
    BucketName: bucket,
    DryRun: payload.DryRun === true,
    Compliant: compliant,
    Annotation: annotation,
    Message: compliant
      ? `Verified: bucket ${bucket} is compliant. ${annotation}`
      : `Would verify that bucket ${bucket} is compliant; now: ${annotation}`,
    plan: [],
  };
}

/**
 * The Lambda of `block-s3-bucket-public-access`: `plan` decides from the live bucket whether to block (and says why
 * not when it does not); `verify` re-evaluates the bucket with the rule. Both only read, in the account the
 * automation runs in (through the execution role when that is not the Lambda's own account); the document makes
 * the change with `aws:executeAwsApi`.
 * @example
 * const plan = await createHandler(() => aws)({ Mode: 'plan', AccountId: '123456789012', BucketName: 'my-bucket', ExcludedPublicBuckets: ['www.example.com'] });
 */
export function createHandler(
  clients?: (region: string) => AwsClients,
): (payload: unknown) => Promise<BlockBucketResult> {
  return remediationLambda<BlockBucketPayload, BlockBucketResult>(
    {
      id: REMEDIATION_ID,
      parse: parsePayload,
      modes: { plan, verify },
      reachAccount: 'onDemand',
      logFields: (result) => ({ bucket: result.BucketName }),
    },
    clients,
  );
}

export const handler = createHandler();

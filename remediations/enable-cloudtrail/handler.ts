import {
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { collectTrails, type Parameters, rule } from '../../rules/cloudtrail-multi-region-logging/evaluate';
import type { AwsClients } from '../../shared/aws/clients';
import { S3 } from '../../shared/aws/services/s3';
import type { TargetAccount } from '../../shared/aws/target-account';
import { LiveReader } from '../../shared/collectors/live-reader';
import { awsErrorName, RemediationInputError, RemediationVerificationError } from '../../shared/errors';
import { remediationLambda } from '../../shared/lambda/remediation';
import { remediationMetadata } from '../../shared/metadata';
import type { TrailFacts } from '../../shared/models/trail';
import { type Payload, payloadParserOf, ruleParametersOf } from '../../shared/remediation/payload';
import { verdictOf } from '../../shared/remediation/verdict';
import type { Scope } from '../../shared/rule';
import {
  type BucketState,
  defaultBucketName,
  type LogBucket,
  neededReads,
  type OwnTrail,
  planTrail,
  type TrailPlan,
} from './plan';
import json from './remediation.json';

export {
  ACL_CHECK_SID,
  cloudTrailStatements,
  defaultBucketName,
  fixedEventSelectors,
  MANAGEMENT_SELECTOR_NAME,
  mergeBucketPolicy,
  type TrailPlan,
  trailArn,
  WRITE_SID,
} from './plan';

const meta = remediationMetadata(json);
export const REMEDIATION_ID = meta.id;

const FIELDS = [
  'TrailName',
  'KmsKeyId',
  'CloudWatchLogsLogGroupArn',
  'CloudWatchLogsRoleArn',
  'Region',
] as const;
type TrailPayload = Payload<(typeof FIELDS)[number]>;

export interface TrailVerification {
  mode: 'verify';
  outcome: 'Verified' | 'WouldVerify';
  complianceType: string;
  annotation: string;
  message: string;
  plan?: [];
}

const parseFields = payloadParserOf(meta, FIELDS);

/**
 * Reads and checks the payload the document sends, against remediation.json.
 * @throws RemediationInputError naming the field that is wrong.
 * @example
 * parsePayload({ Mode: 'plan', AccountId: '123456789012', Region: 'us-east-1', TrailName: 'rebaseline-trail' }).S3BucketName
 * // → ''
 */
export function parsePayload(raw: unknown): TrailPayload {
  return checkCloudWatchPair(parseFields(raw));
}

function checkCloudWatchPair(payload: TrailPayload): TrailPayload {
  if (!payload.CloudWatchLogsLogGroupArn !== !payload.CloudWatchLogsRoleArn)
    throw new RemediationInputError(
      `${REMEDIATION_ID}: CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn go together (CloudTrail needs the role to write to the log group).`,
    );
  return payload;
}

const accountOfArn = (arn: string | undefined) => arn?.split(':')[4];

const NOT_FOUND = ['NotFound', 'NoSuchBucket', '404'];

async function bucketState(s3: S3Client, bucket: string, accountId: string): Promise<BucketState> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListBucketsCommand({ ContinuationToken: token, MaxBuckets: 1000 }));
    if ((page.Buckets ?? []).some((b) => b.Name === bucket)) return 'owned';
    token = page.ContinuationToken;
  } while (token);
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: accountId }));
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (NOT_FOUND.includes(awsErrorName(error) ?? '') || status === 404) return 'absent';
  }
  // It answers (or refuses: 403, another region's redirect) but is not among this account's buckets.
  return 'foreign';
}

async function orNull<T>(call: Promise<T>, missing: string): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if (awsErrorName(error) === missing) return null;
    throw error;
  }
}

/** rebaseline's log bucket: whether it exists and whose it is, and what it already has. */
async function logBucket(s3: S3Client, accountId: string, region: string): Promise<LogBucket> {
  const name = defaultBucketName(accountId, region);
  const state = await bucketState(s3, name, accountId);
  if (state !== 'owned') return { name, state, policy: null };
  const [bpa, policy] = await Promise.all([
    orNull(
      s3.send(new GetPublicAccessBlockCommand({ Bucket: name, ExpectedBucketOwner: accountId })),
      'NoSuchPublicAccessBlockConfiguration',
    ),
    orNull(
      s3.send(new GetBucketPolicyCommand({ Bucket: name, ExpectedBucketOwner: accountId })),
      'NoSuchBucketPolicy',
    ),
  ]);
  return {
    name,
    state,
    publicAccessBlock: bpa?.PublicAccessBlockConfiguration,
    policy: policy?.Policy ?? null,
  };
}

/** The trail named TrailName that this account owns, if any (by name or by the name in its ARN). */
function ownTrail(trails: readonly TrailFacts[], name: string, accountId: string): TrailFacts | undefined {
  return trails.find(
    (t) =>
      accountOfArn(t.arn) === accountId && (t.name === name || t.arn?.endsWith(`:trail/${name}`) === true),
  );
}

async function evaluateAccount(target: TargetAccount, params: Parameters) {
  const { aws, accountId, partition } = target;
  const reader = new LiveReader(aws, accountId, rule.reads);
  const scope: Scope = { accountId, region: aws.region, partition, now: new Date() };
  const model = await collectTrails(reader, scope);
  return { reader, model, verdict: await verdictOf(rule, model, params, reader, scope) };
}

/**
 * The smallest change that makes the account compliant through rebaseline's own trail, read-only: the rule's own
 * collector and evaluator (through the engine) decide whether anything is wrong; the plan ({@link planTrail})
 * decides from what was read.
 * @throws ManualActionRequiredError when a person must provide an input or run it in another region.
 * @throws RemediationDeniedError when the bucket name is owned by another account.
 * @example
 * (await planChange(target, parsePayload({ Mode: 'plan', AccountId, Region: 'us-east-1', TrailName: 'rebaseline-trail' }))).action // → 'Create'
 */
export async function planChange(target: TargetAccount, payload: TrailPayload): Promise<TrailPlan> {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  const { accountId, partition, aws } = target;
  const region = aws.region;
  const { reader, model, verdict } = await evaluateAccount(target, params);
  const base = {
    accountId,
    region,
    partition,
    params,
    trailName: payload.TrailName,
    kmsKeyId: payload.KmsKeyId,
    cloudWatchLogsLogGroupArn: payload.CloudWatchLogsLogGroupArn,
    dryRun: payload.DryRun,
    compliant: verdict.compliant,
    annotation: verdict.evaluation.annotation ?? '',
  };
  if (verdict.compliant) return planTrail(base);
  const facts = ownTrail(model.trails, payload.TrailName, accountId);
  const needs = neededReads(params, facts);
  const s3 = aws.get(S3);
  let own: OwnTrail | undefined;
  if (facts) {
    const trail = (await reader.describeTrails()).find(
      (t) => (t.TrailARN ?? t.Name) === (facts.arn ?? facts.name),
    );
    own = {
      facts,
      changeableHere: (facts.homeRegion ?? region) === region,
      ...(needs.selectors && trail ? { selectors: await reader.eventSelectors(trail) } : {}),
    };
  }
  return planTrail({
    ...base,
    ...(own ? { own } : {}),
    ...(needs.deliveryBucket
      ? { deliveryBucket: await bucketState(s3, params.s3BucketName, accountId) }
      : {}),
    ...(needs.logBucket ? { logBucket: await logBucket(s3, accountId, region) } : {}),
  });
}

/**
 * Re-reads every trail and evaluates the account with the rule.
 * @throws RemediationVerificationError when the account is still NON_COMPLIANT (not in a dry run).
 * @example
 * (await verifyCompliant(target, parsePayload({ Mode: 'verify', AccountId, Region, TrailName }))).outcome // → 'Verified'
 */
export async function verifyCompliant(
  target: TargetAccount,
  payload: TrailPayload,
): Promise<TrailVerification> {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  let verdict: { complianceType: string; annotation?: string };
  try {
    verdict = (await evaluateAccount(target, params)).verdict.evaluation;
  } catch (error) {
    if (!payload.DryRun) throw error;
    verdict = { complianceType: 'INSUFFICIENT_DATA', annotation: (error as Error).message };
  }
  const annotation = verdict.annotation ?? '';
  if (payload.DryRun)
    return {
      mode: 'verify',
      outcome: 'WouldVerify',
      complianceType: verdict.complianceType,
      annotation,
      message: `Would verify that account ${target.accountId} complies with ${rule.meta.id}; before any change it is ${verdict.complianceType}: ${annotation}`,
      plan: [],
    };
  if (verdict.complianceType !== 'COMPLIANT')
    throw new RemediationVerificationError(
      `Account ${target.accountId} is still ${verdict.complianceType} for ${rule.meta.id} after the remediation: ${annotation}`,
    );
  return {
    mode: 'verify',
    outcome: 'Verified',
    complianceType: verdict.complianceType,
    annotation,
    message: `Verified: ${annotation}`,
  };
}

/**
 * The Lambda of `enable-cloudtrail`, for given clients (tests and the local runner pass theirs; the deployed Lambda
 * uses the default credential chain). It reads only, in the account the invocation is entitled to and the
 * automation's region: the changes are the document's `aws:executeAwsApi` steps.
 * @example
 * const run = createHandler(() => new AwsClients({ region: 'us-east-1' }));
 * const plan = await run({ Mode: 'plan', AccountId: '123456789012', Region: 'us-east-1', TrailName: 'rebaseline-trail' });
 */
export function createHandler(clients?: (region: string) => AwsClients) {
  return remediationLambda<(typeof FIELDS)[number], TrailPlan | TrailVerification>(
    {
      meta,
      fields: FIELDS,
      modes: {
        plan: (payload, target) => planChange(target, checkCloudWatchPair(payload)),
        verify: (payload, target) => verifyCompliant(target, checkCloudWatchPair(payload)),
      },
    },
    clients,
  );
}

export const handler = createHandler();

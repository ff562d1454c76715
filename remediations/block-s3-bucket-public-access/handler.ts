import { type Parameters, rule } from '../../rules/s3-bucket-no-public-access/evaluate';
import type { AwsClients } from '../../shared/aws/clients';
import type { TargetAccount } from '../../shared/aws/target-account';
import { LiveReader } from '../../shared/collectors/live-reader';
import { RemediationVerificationError } from '../../shared/errors';
import { remediationLambda } from '../../shared/lambda/remediation';
import { remediationMetadata } from '../../shared/metadata';
import { bucketFromReadout } from '../../shared/models/bucket';
import { type Payload, payloadParserOf, ruleParametersOf } from '../../shared/remediation/payload';
import { verdictOf } from '../../shared/remediation/verdict';
import { type BucketAction, bucketAction, describeBlock } from './plan';
import json from './remediation.json';

export type { BucketAction } from './plan';

const meta = remediationMetadata(json);
export const REMEDIATION_ID = meta.id;

const FIELDS = ['BucketName'] as const;
type BucketPayload = Payload<(typeof FIELDS)[number]>;

/**
 * The payload as the document sends it, checked against remediation.json; list parameters may arrive as a
 * StringList, a comma string, or both combined.
 * @throws RemediationInputError when a field is missing or malformed.
 * @example
 * parsePayload({ Mode: 'plan', AccountId: '123456789012', BucketName: 'my-bucket', ExcludedPublicBuckets: ['a', 'b'] }).ExcludedPublicBuckets // → 'a,b'
 */
export const parsePayload = payloadParserOf(meta, FIELDS);

export interface BucketPlan {
  Mode: 'plan';
  BucketName: string;
  DryRun: boolean;
  Action: BucketAction;
  /** The bucket's Block Public Access before the change, as `GetPublicAccessBlock` returned it (`null`: none). */
  PreviousPublicAccessBlock: string;
  /** The rule's annotation before any change. */
  Annotation: string;
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

/** The bucket read live (ACL, policy, ownership, tags, both levels of Block Public Access) and the rule's verdict. */
async function readBucket(
  { aws, accountId, partition }: TargetAccount,
  payload: BucketPayload,
  params: Parameters,
) {
  const reader = new LiveReader(aws, accountId, rule.reads);
  const readout = await reader.readBucket(payload.BucketName);
  const model = bucketFromReadout(readout, accountId);
  const scope = { accountId, region: aws.region, partition, now: new Date() };
  return { readout, verdict: await verdictOf(rule, model, params, reader, scope) };
}

async function plan(target: TargetAccount, payload: BucketPayload): Promise<BucketPlan> {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  const bucket = payload.BucketName;
  const { readout, verdict } = await readBucket(target, payload, params);
  const action = bucketAction(bucket, params, verdict);
  const annotation = verdict.evaluation.annotation ?? '';
  const messages: Record<BucketAction, string> = {
    BLOCK: `${payload.DryRun ? 'Would turn' : 'Turning'} on all four Block Public Access settings of bucket ${bucket} (now: ${describeBlock(
      readout.publicAccessBlock,
    )}); its policy and ACL are kept. ${annotation}`,
    ALREADY_COMPLIANT: `Already compliant: ${annotation} Nothing changed.`,
    EXCLUDED: `Bucket ${bucket} is listed in ExcludedPublicBuckets (meant to be public); nothing changed.`,
    EXEMPTED: `${verdict.exemption} Nothing changed.`,
  };
  return {
    Mode: 'plan',
    BucketName: bucket,
    DryRun: payload.DryRun,
    Action: action,
    PreviousPublicAccessBlock: JSON.stringify(readout.publicAccessBlock),
    Annotation: annotation,
    Message: messages[action],
    plan: [],
  };
}

/** What the rule says about the bucket now: its ACL, policy and both levels of Block Public Access, read live. */
async function verify(target: TargetAccount, payload: BucketPayload): Promise<BucketVerification> {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  const bucket = payload.BucketName;
  const { verdict } = await readBucket(target, payload, params);
  const annotation = verdict.evaluation.annotation ?? '';
  if (!verdict.compliant && !payload.DryRun)
    throw new RemediationVerificationError(`Bucket ${bucket} is still public: ${annotation}`);
  return {
    Mode: 'verify',
    BucketName: bucket,
    DryRun: payload.DryRun,
    Compliant: verdict.compliant,
    Annotation: annotation,
    Message: verdict.compliant
      ? `Verified: bucket ${bucket} is compliant. ${annotation}`
      : `Would verify that bucket ${bucket} is compliant; now: ${annotation}`,
    plan: [],
  };
}

/**
 * The Lambda of `block-s3-bucket-public-access`: `plan` decides from the rule's verdict on the live bucket whether
 * to block (and says why not when it does not); `verify` re-evaluates the bucket with the rule. Both only read, in
 * the account the invocation is entitled to; the document makes the change with `aws:executeAwsApi`.
 * @example
 * const plan = await createHandler(() => aws)({ Mode: 'plan', AccountId: '123456789012', BucketName: 'my-bucket', ExcludedPublicBuckets: ['www.example.com'] });
 */
export function createHandler(clients?: (region: string) => AwsClients) {
  return remediationLambda<(typeof FIELDS)[number], BlockBucketResult>(
    {
      meta,
      fields: FIELDS,
      modes: {
        plan: (payload, target) => plan(target, payload),
        verify: (payload, target) => verify(target, payload),
      },
      logFields: (result) => ({ bucket: result.BucketName }),
    },
    clients,
  );
}

export const handler = createHandler();

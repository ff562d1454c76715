import type { AdvancedEventSelector, EventSelector } from '@aws-sdk/client-cloudtrail';
import type { PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import type { Parameters } from '../../rules/cloudtrail-multi-region-logging/evaluate';
import type { TrailSelectors } from '../../shared/collectors/reader';
import {
  InsufficientDataError,
  ManualActionRequiredError,
  RemediationDeniedError,
} from '../../shared/errors';
import type { TrailFacts } from '../../shared/models/trail';

/**
 * Scenarios
 * - Given the rule says the account is compliant, then nothing changes and the plan says so.
 * - Given rebaseline's own trail (TrailName, default rebaseline-trail, or the trail that parameter names) exists
 *   in this region, then only what it lacks: StartLogging, UpdateTrail (multi-region, log file validation when
 *   required), PutEventSelectors (read+write management events, data selectors kept), the bucket, KMS key or
 *   CloudWatch Logs the rule requires. Its bucket and every other trail are left alone.
 * - Given any other trail of the account, however close to compliant (a stopped single-region trail, say), then it
 *   is never touched: rebaseline creates or fixes only its own trail.
 * - Given no such trail, then create the bucket `rebaseline-cloudtrail-<account>-<region>` (Block Public Access,
 *   the CloudTrail bucket policy pinned to the trail), a multi-region trail with log file validation, and start
 *   logging. A bucket of that name owned by another account stops everything.
 * - Given the rule requires KMS or CloudWatch Logs and the trail lacks it, then the key (or log group and role)
 *   must be given as parameters; otherwise the plan fails saying what a person must provide.
 * - Given rebaseline's trail lives in another home region, then the plan fails saying where to run it.
 */

/** The CloudTrail statements' Sids, as the CloudTrail console writes them. */
export const ACL_CHECK_SID = 'AWSCloudTrailAclCheck20150319';
export const WRITE_SID = 'AWSCloudTrailWrite20150319';

/** Name of the selector that carries all management events after a fix. */
export const MANAGEMENT_SELECTOR_NAME = 'Management events, read and write (rebaseline)';

type YesNo = 'yes' | 'no';

/** The plan, as the document's steps read it (`$.Payload.<field>`); every field is always present. */
export interface TrailPlan {
  mode: 'plan';
  /** `None`: compliant, verify only. `Update`: fix rebaseline's trail. `Create`: bucket + new trail. */
  action: 'None' | 'Update' | 'Create';
  message: string;
  /** The rule's annotation before any change. */
  annotation: string;
  trailName: string;
  trailArn: string;
  bucketName: string;
  /** `us-east-1` and `regional` differ only in CreateBucketConfiguration (us-east-1 must not have one). */
  createBucket: 'us-east-1' | 'regional' | 'no';
  blockBucketPublicAccess: YesNo;
  putBucketPolicy: YesNo;
  /** The complete bucket policy to put (statements of other Sids kept), or empty. */
  bucketPolicy: string;
  createTrail: YesNo;
  updateTrail: YesNo;
  /** The value UpdateTrail sets: on when the rule requires it or when it is on now. */
  enableLogFileValidation: boolean;
  /** Which PutEventSelectors form replaces the selectors, if any. */
  eventSelectors: 'basic' | 'advanced' | 'no';
  basicEventSelectors: EventSelector[];
  advancedEventSelectors: AdvancedEventSelector[];
  setDeliveryBucket: YesNo;
  setKmsKey: YesNo;
  setCloudWatchLogs: YesNo;
  startLogging: YesNo;
  /** In a dry run: the Lambda itself changes nothing (the changes are the document's own API steps). */
  plan?: [];
}

/** Whether a bucket name is this account's, free, or someone else's. */
export type BucketState = 'owned' | 'absent' | 'foreign';

/** rebaseline's log bucket as read before a trail is created (only what decides the calls). */
export interface LogBucket {
  name: string;
  state: BucketState;
  /** Its Block Public Access (owned buckets only). */
  publicAccessBlock?: PublicAccessBlockConfiguration;
  /** Its policy text (owned buckets only), `null` when it has none. */
  policy: string | null;
}

/** rebaseline's own trail, when it exists: its facts as the rule read them, and where it can be changed. */
export interface OwnTrail {
  facts: TrailFacts;
  /** This account's trail whose home region is the automation's region. */
  changeableHere: boolean;
  /** Its event selectors, read when management events are not both read and write. */
  selectors?: TrailSelectors;
}

/** Everything the plan is decided from, read beforehand: the plan itself makes no call. */
export interface TrailPlanInputs {
  accountId: string;
  region: string;
  partition: string;
  params: Parameters;
  trailName: string;
  kmsKeyId: string;
  cloudWatchLogsLogGroupArn: string;
  dryRun: boolean;
  /** The rule's verdict on the account before any change. */
  compliant: boolean;
  annotation: string;
  own?: OwnTrail;
  /** The bucket the rule names (s3BucketName), when the trail must be pointed at it. */
  deliveryBucket?: BucketState;
  /** rebaseline's log bucket, when a trail is created and the rule names no bucket. */
  logBucket?: LogBucket;
}

/** Which reads the plan needs beyond the trails: what the handler must gather before calling {@link planTrail}. */
export function neededReads(
  params: Parameters,
  own: TrailFacts | undefined,
): { selectors: boolean; deliveryBucket: boolean; logBucket: boolean } {
  const m = own?.managementEvents;
  return {
    selectors: own !== undefined && m !== undefined && !(m.read && m.write),
    deliveryBucket: params.s3BucketName !== '' && own?.s3BucketName !== params.s3BucketName,
    logBucket: own === undefined && params.s3BucketName === '',
  };
}

/**
 * `rebaseline-cloudtrail-<account>-<region>`: unique per account and region, so a name owned elsewhere is a red flag.
 * @example
 * defaultBucketName('123456789012', 'eu-west-1') // → 'rebaseline-cloudtrail-123456789012-eu-west-1'
 */
export function defaultBucketName(accountId: string, region: string): string {
  return `rebaseline-cloudtrail-${accountId}-${region}`;
}

/**
 * The ARN a trail has (or will have) in its home region.
 * @example
 * trailArn('aws', 'us-east-1', '123456789012', 't') // → 'arn:aws:cloudtrail:us-east-1:123456789012:trail/t'
 */
export function trailArn(partition: string, region: string, accountId: string, name: string): string {
  return `arn:${partition}:cloudtrail:${region}:${accountId}:trail/${name}`;
}

interface PolicyStatement {
  Sid?: string;
  [key: string]: unknown;
}

/**
 * The two statements CloudTrail needs on its bucket (AWS CloudTrail User Guide, "Amazon S3 bucket policy for
 * CloudTrail"), pinned to this trail with `aws:SourceArn` and to this account with `aws:SourceAccount`, so no other
 * trail (or account) can have CloudTrail write here.
 * @example
 * cloudTrailStatements('aws', 'my-bucket', '123456789012', 'arn:aws:cloudtrail:us-east-1:123456789012:trail/t')[1].Resource
 * // → 'arn:aws:s3:::my-bucket/AWSLogs/123456789012/*'
 */
export function cloudTrailStatements(
  partition: string,
  bucket: string,
  accountId: string,
  arn: string,
): PolicyStatement[] {
  const source = { 'aws:SourceArn': arn, 'aws:SourceAccount': accountId };
  return [
    {
      Sid: ACL_CHECK_SID,
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:GetBucketAcl',
      Resource: `arn:${partition}:s3:::${bucket}`,
      Condition: { StringEquals: source },
    },
    {
      Sid: WRITE_SID,
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `arn:${partition}:s3:::${bucket}/AWSLogs/${accountId}/*`,
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', ...source } },
    },
  ];
}

/** Key order does not make two statements different. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/**
 * The bucket policy with the CloudTrail statements: statements with other Sids are kept as they are, ours replaced.
 * `undefined` when the current policy already holds exactly these statements.
 * @example
 * mergeBucketPolicy(null, statements) // → '{"Version":"2012-10-17","Statement":[…the two statements…]}'
 */
export function mergeBucketPolicy(current: string | null, statements: PolicyStatement[]): string | undefined {
  const doc = current ? (JSON.parse(current) as { Version?: string; Statement?: unknown }) : {};
  const existing = (
    Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : []
  ) as PolicyStatement[];
  const ours = new Set(statements.map((s) => s.Sid));
  const present = existing.filter((s) => ours.has(s.Sid));
  if (
    present.length === statements.length &&
    statements.every((s) => present.some((p) => canonical(p) === canonical(s)))
  )
    return undefined;
  return JSON.stringify({
    Version: doc.Version ?? '2012-10-17',
    Statement: [...existing.filter((s) => !ours.has(s.Sid)), ...statements],
  });
}

const lower = (values: string[] | undefined) => (values ?? []).map((v) => v.toLowerCase());
const isManagementSelector = (s: AdvancedEventSelector) =>
  (s.FieldSelectors ?? []).some((f) => f.Field === 'eventCategory' && lower(f.Equals).includes('management'));

/**
 * Selectors that log all read and write management events and keep every data event selector as it is: basic
 * selectors keep their data resources (and read/write type, which then only applies to data events) with
 * management events moved to one selector that excludes nothing; advanced selectors keep every non-management
 * selector, the management ones being replaced by one that logs all management events.
 * @example
 * fixedEventSelectors({ EventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }] })
 * // → { kind: 'basic', basic: [{ ReadWriteType: 'All', IncludeManagementEvents: true }], advanced: [] }
 */
export function fixedEventSelectors(current: TrailSelectors): {
  kind: 'basic' | 'advanced';
  basic: EventSelector[];
  advanced: AdvancedEventSelector[];
} {
  if ((current.AdvancedEventSelectors ?? []).length > 0 && (current.EventSelectors ?? []).length === 0)
    return {
      kind: 'advanced',
      basic: [],
      advanced: [
        ...(current.AdvancedEventSelectors ?? []).filter((s) => !isManagementSelector(s)),
        {
          Name: MANAGEMENT_SELECTOR_NAME,
          FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }],
        },
      ],
    };
  const dataOnly = (current.EventSelectors ?? [])
    .filter((s) => (s.DataResources ?? []).length > 0)
    .map(({ ExcludeManagementEventSources: _excluded, ...s }) => ({ ...s, IncludeManagementEvents: false }));
  return {
    kind: 'basic',
    basic: [...dataOnly, { ReadWriteType: 'All', IncludeManagementEvents: true }],
    advanced: [],
  };
}

const joinAnd = (parts: readonly string[]) =>
  parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;

function emptyPlan(inputs: TrailPlanInputs): TrailPlan {
  return {
    mode: 'plan',
    action: 'None',
    message: '',
    annotation: inputs.annotation,
    trailName: '',
    trailArn: '',
    bucketName: '',
    createBucket: 'no',
    blockBucketPublicAccess: 'no',
    putBucketPolicy: 'no',
    bucketPolicy: '',
    createTrail: 'no',
    updateTrail: 'no',
    enableLogFileValidation: false,
    eventSelectors: 'no',
    basicEventSelectors: [],
    advancedEventSelectors: [],
    setDeliveryBucket: 'no',
    setKmsKey: 'no',
    setCloudWatchLogs: 'no',
    startLogging: 'no',
    ...(inputs.dryRun ? { plan: [] as [] } : {}),
  };
}

/** What the rule requires that only a person can provide (a key policy, a log group and its role). */
function requireInputs(inputs: TrailPlanInputs, trail: TrailFacts | undefined): void {
  const missing: string[] = [];
  if (inputs.params.requireKmsEncryption && !trail?.kmsKeyId && !inputs.kmsKeyId)
    missing.push(
      'KmsKeyId: a KMS key whose key policy lets cloudtrail.amazonaws.com encrypt log files for this trail (kms:GenerateDataKey* with the condition kms:EncryptionContext:aws:cloudtrail:arn) — rebaseline does not write key policies',
    );
  if (
    inputs.params.requireCloudWatchLogs &&
    !trail?.cloudWatchLogsLogGroupArn &&
    !inputs.cloudWatchLogsLogGroupArn
  )
    missing.push(
      'CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn: a log group and a role CloudTrail can assume to write to it (logs:CreateLogStream, logs:PutLogEvents)',
    );
  if (missing.length > 0)
    throw new ManualActionRequiredError(
      inputs.accountId,
      'inputs missing',
      `Account ${inputs.accountId} cannot be made compliant without input from a person (${inputs.annotation}): give this remediation ${missing.join('; and ')}. Nothing was changed.`,
    );
}

function deliveryBucketMustExist(inputs: TrailPlanInputs): void {
  if (inputs.deliveryBucket === 'absent')
    throw new ManualActionRequiredError(
      inputs.accountId,
      'bucket missing',
      `The rule requires delivery to bucket ${inputs.params.s3BucketName} (s3BucketName), which does not exist: create it with the CloudTrail bucket policy first. Nothing was changed.`,
    );
}

function planUpdate(inputs: TrailPlanInputs, own: OwnTrail): TrailPlan {
  const { facts } = own;
  requireInputs(inputs, facts);
  const { params } = inputs;
  const plan = emptyPlan(inputs);
  const changes: string[] = [];
  plan.action = 'Update';
  plan.trailName = facts.name;
  plan.trailArn = facts.arn ?? '';
  plan.bucketName = facts.s3BucketName ?? '';
  const validation = facts.logFileValidation || params.requireLogFileValidation;
  if (!facts.isMultiRegion || validation !== facts.logFileValidation) {
    plan.updateTrail = 'yes';
    plan.enableLogFileValidation = validation;
    changes.push(
      `UpdateTrail (${joinAnd([
        ...(facts.isMultiRegion ? [] : ['multi-region']),
        ...(validation !== facts.logFileValidation ? ['log file validation'] : []),
      ])})`,
    );
  }
  if (own.selectors) {
    const fixed = fixedEventSelectors(own.selectors);
    plan.eventSelectors = fixed.kind;
    plan.basicEventSelectors = fixed.basic;
    plan.advancedEventSelectors = fixed.advanced;
    changes.push('PutEventSelectors (all read and write management events; data event selectors kept)');
  }
  if (params.s3BucketName && facts.s3BucketName !== params.s3BucketName) {
    deliveryBucketMustExist(inputs);
    plan.setDeliveryBucket = 'yes';
    plan.bucketName = params.s3BucketName;
    changes.push(`UpdateTrail (deliver to ${params.s3BucketName})`);
  }
  if (params.requireKmsEncryption && !facts.kmsKeyId) {
    plan.setKmsKey = 'yes';
    changes.push(`UpdateTrail (KMS key ${inputs.kmsKeyId})`);
  }
  if (params.requireCloudWatchLogs && !facts.cloudWatchLogsLogGroupArn) {
    plan.setCloudWatchLogs = 'yes';
    changes.push(`UpdateTrail (CloudWatch Logs ${inputs.cloudWatchLogsLogGroupArn})`);
  }
  if (!facts.isLogging) {
    plan.startLogging = 'yes';
    changes.push('StartLogging');
  }
  plan.message =
    changes.length > 0
      ? `${inputs.annotation} Fix trail ${facts.name} (TrailName, ${inputs.region}) only: ${changes.join(', ')}. Its bucket and every other trail stay as they are.`
      : `${inputs.annotation} Trail ${facts.name} (TrailName) already has what the rule requires; nothing to change on it, and no other trail is touched.`;
  return plan;
}

function planCreate(inputs: TrailPlanInputs): TrailPlan {
  requireInputs(inputs, undefined);
  const { params, accountId, region, partition, trailName } = inputs;
  const plan = emptyPlan(inputs);
  const changes: string[] = [];
  plan.action = 'Create';
  plan.trailName = trailName;
  plan.trailArn = trailArn(partition, region, accountId, trailName);
  plan.createTrail = 'yes';
  if (params.s3BucketName) {
    deliveryBucketMustExist(inputs);
    plan.bucketName = params.s3BucketName;
  } else {
    const bucket = inputs.logBucket ?? {
      name: defaultBucketName(accountId, region),
      state: 'absent' as const,
      policy: null,
    };
    plan.bucketName = bucket.name;
    if (bucket.state === 'foreign')
      throw new RemediationDeniedError(
        `Bucket ${bucket.name} exists but is not owned by account ${accountId}: rebaseline never sends CloudTrail logs to a bucket another account owns. Nothing was changed. Find out who created it (its name was reserved for this account's logs), or set the rule parameter s3BucketName to a bucket you own that has the CloudTrail bucket policy.`,
      );
    if (bucket.state === 'absent') {
      plan.createBucket = region === 'us-east-1' ? 'us-east-1' : 'regional';
      changes.push(`CreateBucket ${bucket.name}`);
    }
    const bpa = bucket.publicAccessBlock;
    if (
      !(bpa?.BlockPublicAcls && bpa.IgnorePublicAcls && bpa.BlockPublicPolicy && bpa.RestrictPublicBuckets)
    ) {
      plan.blockBucketPublicAccess = 'yes';
      changes.push('PutPublicAccessBlock (all four settings)');
    }
    const policy = mergeBucketPolicy(
      bucket.policy,
      cloudTrailStatements(partition, bucket.name, accountId, plan.trailArn),
    );
    if (policy) {
      plan.putBucketPolicy = 'yes';
      plan.bucketPolicy = policy;
      changes.push('PutBucketPolicy (CloudTrail statements pinned to the trail)');
    }
  }
  changes.push(
    `CreateTrail ${trailName} (multi-region, log file validation, delivering to ${plan.bucketName})`,
  );
  if (params.requireKmsEncryption) {
    plan.setKmsKey = 'yes';
    changes.push(`UpdateTrail (KMS key ${inputs.kmsKeyId})`);
  }
  if (params.requireCloudWatchLogs) {
    plan.setCloudWatchLogs = 'yes';
    changes.push(`UpdateTrail (CloudWatch Logs ${inputs.cloudWatchLogsLogGroupArn})`);
  }
  plan.startLogging = 'yes';
  changes.push('StartLogging');
  plan.message = `${inputs.annotation} Trail ${trailName} (TrailName) does not exist in account ${accountId}: ${changes.join(', ')}. Every other trail stays as it is.`;
  return plan;
}

/**
 * The smallest change that makes the account compliant through rebaseline's own trail only, from facts read
 * beforehand (pure): nothing when the rule says compliant; else fix the trail named TrailName, or create it.
 * @throws ManualActionRequiredError when a person must provide an input or run it in another region.
 * @throws RemediationDeniedError when the log bucket name is owned by another account.
 * @throws InsufficientDataError when rebaseline's trail could not be read completely.
 * @example
 * planTrail({ …inputs, compliant: false, own: undefined }).action // → 'Create'
 */
export function planTrail(inputs: TrailPlanInputs): TrailPlan {
  if (inputs.compliant)
    return { ...emptyPlan(inputs), message: `Already compliant, nothing to change: ${inputs.annotation}` };
  const own = inputs.own;
  if (!own) return planCreate(inputs);
  if (own.facts.unreadable.length > 0)
    throw new InsufficientDataError(
      `Trail ${own.facts.name} could not be read (${own.facts.unreadable.join('; ')}): the smallest change cannot be planned. Nothing was changed.`,
    );
  if (!own.changeableHere)
    throw new ManualActionRequiredError(
      inputs.accountId,
      'other home region',
      `Trail ${own.facts.name} (TrailName) of account ${inputs.accountId} can only be changed in its home region ${own.facts.homeRegion} (${inputs.annotation}): run enable-cloudtrail there. Nothing was changed (a second trail of that name cannot exist).`,
    );
  return planUpdate(inputs, own);
}

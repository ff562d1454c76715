import type { AdvancedEventSelector, EventSelector, Trail } from '@aws-sdk/client-cloudtrail';
import {
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  assessTrail,
  collectTrails,
  evaluate,
  type Parameters,
  rule,
} from '../../rules/cloudtrail-multi-region-logging/evaluate';
import type { AwsClients } from '../../shared/aws/clients';
import { S3 } from '../../shared/aws/services/s3';
import { STS } from '../../shared/aws/services/sts';
import { LiveReader } from '../../shared/collectors/live-reader';
import type { TrailSelectors } from '../../shared/collectors/reader';
import {
  awsErrorName,
  InsufficientDataError,
  ManualActionRequiredError,
  RemediationDeniedError,
  RemediationInputError,
  RemediationVerificationError,
} from '../../shared/errors';
import { remediationLambda } from '../../shared/lambda/remediation';
import type { TrailFacts } from '../../shared/models/trail';
import { parseRuleParameters } from '../../shared/params';
import { ACCOUNT_ID_FIELD, payloadParser } from '../../shared/remediation/payload';
import type { Scope } from '../../shared/rule';

/**
 * Scenarios
 * - Given a trail that already satisfies the rule, then nothing changes and the plan says so.
 * - Given a trail of this account, in this region, that only lacks logging, then StartLogging on it.
 * - Given such a trail that also lacks multi-region, log file validation (when required) or read+write management
 *   events, then UpdateTrail / PutEventSelectors on it (only what it lacks), plus StartLogging if needed. Its bucket
 *   and every other trail are left alone.
 * - Given no trail this account can fix here, then create the bucket `rebaseline-cloudtrail-<account>-<region>`
 *   (Block Public Access, the CloudTrail bucket policy pinned to the trail), a multi-region trail with log file
 *   validation, and start logging. A bucket of that name owned by another account stops everything.
 * - Given the rule requires KMS or CloudWatch Logs and no trail has it, then the key (or log group and role) must be
 *   given as parameters; otherwise the plan fails saying what a person must provide.
 * - Given the closest own trail lives in another home region, then the plan fails saying where to run it (changing
 *   it here is impossible, and a second multi-region trail would pay twice for the same events).
 */

export const REMEDIATION_ID = 'enable-cloudtrail';

export type Mode = 'Plan' | 'Verify';

/** What the document sends (`InputPayload`); the runner adds `DryRun: true` in a dry run. */
export interface Payload {
  Mode: Mode;
  /** The account the automation runs in (`{{ global:ACCOUNT_ID }}`): where the trail is read. */
  AccountId: string;
  /** The automation's region (`{{ global:REGION }}`): where the trail is read and changed. */
  Region: string;
  /** The rule's parameters, in Config's string form. */
  RequireLogFileValidation: string;
  RequireKmsEncryption: string;
  RequireCloudWatchLogs: string;
  S3BucketName: string;
  /** Name of the trail created when there is none to fix. */
  TrailName: string;
  KmsKeyId: string;
  CloudWatchLogsLogGroupArn: string;
  CloudWatchLogsRoleArn: string;
  DryRun: boolean;
}

type YesNo = 'yes' | 'no';

/** The plan, as the document's steps read it (`$.Payload.<field>`); every field is always present. */
export interface TrailPlan {
  mode: 'Plan';
  /** `None`: compliant, verify only. `Update`: fix one existing trail. `Create`: bucket + new trail. */
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

export interface TrailVerification {
  mode: 'Verify';
  outcome: 'Verified' | 'WouldVerify';
  complianceType: string;
  annotation: string;
  message: string;
  plan?: [];
}

/** The CloudTrail statements' Sids, as the CloudTrail console writes them. */
export const ACL_CHECK_SID = 'AWSCloudTrailAclCheck20150319';
export const WRITE_SID = 'AWSCloudTrailWrite20150319';

/** Name of the selector that carries all management events after a fix. */
export const MANAGEMENT_SELECTOR_NAME = 'Management events, read and write (rebaseline)';

/** A boolean rule parameter in Config's string form, any case, or empty for the rule's default. */
const BOOLEAN_TEXT = {
  type: ['string', 'boolean', 'null'],
  pattern: '^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])?$',
  default: '',
  description: '"true" or "false"',
} as const;

/** An optional text field: empty, or matching `pattern`. */
const optionalText = (pattern: string, description: string) =>
  ({ type: ['string', 'null'], pattern: `^(${pattern})?$`, default: '', description }) as const;

const parseFields = payloadParser<Payload>(REMEDIATION_ID, {
  type: 'object',
  required: ['AccountId', 'TrailName'],
  properties: {
    Mode: { enum: ['Plan', 'Verify', null], default: 'Plan' },
    AccountId: ACCOUNT_ID_FIELD,
    Region: optionalText('[a-z]{2}(-[a-z]+)+-\\d', 'a region name'),
    RequireLogFileValidation: BOOLEAN_TEXT,
    RequireKmsEncryption: BOOLEAN_TEXT,
    RequireCloudWatchLogs: BOOLEAN_TEXT,
    S3BucketName: optionalText('[A-Za-z0-9._-]{3,255}', 'empty or a bucket name'),
    TrailName: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$', description: 'a trail name' },
    KmsKeyId: optionalText(
      'arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:(key|alias)/[\\w/-]+',
      'empty or a KMS key ARN',
    ),
    CloudWatchLogsLogGroupArn: optionalText(
      'arn:aws[a-z-]*:logs:[a-z0-9-]+:\\d{12}:log-group:[\\w./#-]+:\\*',
      'empty or a log group ARN ending in :*',
    ),
    CloudWatchLogsRoleArn: optionalText(
      'arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+',
      'empty or an IAM role ARN',
    ),
  },
});

/**
 * Reads and checks the payload the document sends.
 * @throws RemediationInputError naming the field that is wrong.
 * @example
 * parsePayload({ Mode: 'Plan', AccountId: '123456789012', Region: 'us-east-1', TrailName: 'rebaseline-trail' }).S3BucketName
 * // → ''
 */
export function parsePayload(raw: unknown): Payload {
  const payload = parseFields(raw);
  if (!payload.CloudWatchLogsLogGroupArn !== !payload.CloudWatchLogsRoleArn)
    throw new RemediationInputError(
      `${REMEDIATION_ID}: CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn go together (CloudTrail needs the role to write to the log group).`,
    );
  return payload;
}

/**
 * The rule's parameters from the payload, parsed as the rule parses its own (absent → the rule's default).
 * @example
 * ruleParametersOf(parsePayload({ AccountId, Region, TrailName, RequireKmsEncryption: 'true' })).requireKmsEncryption // → true
 */
export function ruleParametersOf(payload: Payload): Parameters {
  return parseRuleParameters<Parameters>(rule.meta, {
    requireLogFileValidation: payload.RequireLogFileValidation,
    requireKmsEncryption: payload.RequireKmsEncryption,
    requireCloudWatchLogs: payload.RequireCloudWatchLogs,
    s3BucketName: payload.S3BucketName,
  });
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

const accountOfArn = (arn: string | undefined) => arn?.split(':')[4];

/** A trail this account can change from this region: its own (not another account's organization trail), home here. */
function isChangeableHere(trail: Trail, accountId: string, region: string): boolean {
  return accountOfArn(trail.TrailARN) === accountId && (trail.HomeRegion ?? region) === region;
}

type BucketState = 'owned' | 'absent' | 'foreign';

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

interface Context {
  payload: Payload;
  params: Parameters;
  accountId: string;
  region: string;
  partition: string;
  reader: LiveReader;
  s3: S3Client;
}

const joinAnd = (parts: readonly string[]) =>
  parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;

function emptyPlan(ctx: Context, annotation: string): TrailPlan {
  return {
    mode: 'Plan',
    action: 'None',
    message: '',
    annotation,
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
    ...(ctx.payload.DryRun ? { plan: [] as [] } : {}),
  };
}

/** What the rule requires that only a person can provide (a key policy, a log group and its role). */
function missingInputs(ctx: Context, trail: TrailFacts | undefined): string[] {
  const missing: string[] = [];
  if (ctx.params.requireKmsEncryption && !trail?.kmsKeyId && !ctx.payload.KmsKeyId)
    missing.push(
      'KmsKeyId: a KMS key whose key policy lets cloudtrail.amazonaws.com encrypt log files for this trail (kms:GenerateDataKey* with the condition kms:EncryptionContext:aws:cloudtrail:arn) — rebaseline does not write key policies',
    );
  if (
    ctx.params.requireCloudWatchLogs &&
    !trail?.cloudWatchLogsLogGroupArn &&
    !ctx.payload.CloudWatchLogsLogGroupArn
  )
    missing.push(
      'CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn: a log group and a role CloudTrail can assume to write to it (logs:CreateLogStream, logs:PutLogEvents)',
    );
  return missing;
}

function requireInputs(ctx: Context, trail: TrailFacts | undefined, annotation: string): void {
  const missing = missingInputs(ctx, trail);
  if (missing.length > 0)
    throw new ManualActionRequiredError(
      ctx.accountId,
      'inputs missing',
      `Account ${ctx.accountId} cannot be made compliant without input from a person (${annotation}): give this remediation ${missing.join('; and ')}. Nothing was changed.`,
    );
}

async function deliveryBucketMustExist(ctx: Context, bucket: string): Promise<void> {
  if ((await bucketState(ctx.s3, bucket, ctx.accountId)) === 'absent')
    throw new ManualActionRequiredError(
      ctx.accountId,
      'bucket missing',
      `The rule requires delivery to bucket ${bucket} (s3BucketName), which does not exist: create it with the CloudTrail bucket policy first. Nothing was changed.`,
    );
}

async function planUpdate(
  ctx: Context,
  trail: Trail,
  facts: TrailFacts,
  annotation: string,
): Promise<TrailPlan> {
  requireInputs(ctx, facts, annotation);
  const { params, payload } = ctx;
  const plan = emptyPlan(ctx, annotation);
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
  const m = facts.managementEvents;
  if (m && !(m.read && m.write)) {
    const fixed = fixedEventSelectors(await ctx.reader.eventSelectors(trail));
    plan.eventSelectors = fixed.kind;
    plan.basicEventSelectors = fixed.basic;
    plan.advancedEventSelectors = fixed.advanced;
    changes.push('PutEventSelectors (all read and write management events; data event selectors kept)');
  }
  if (params.s3BucketName && facts.s3BucketName !== params.s3BucketName) {
    await deliveryBucketMustExist(ctx, params.s3BucketName);
    plan.setDeliveryBucket = 'yes';
    plan.bucketName = params.s3BucketName;
    changes.push(`UpdateTrail (deliver to ${params.s3BucketName})`);
  }
  if (params.requireKmsEncryption && !facts.kmsKeyId) {
    plan.setKmsKey = 'yes';
    changes.push(`UpdateTrail (KMS key ${payload.KmsKeyId})`);
  }
  if (params.requireCloudWatchLogs && !facts.cloudWatchLogsLogGroupArn) {
    plan.setCloudWatchLogs = 'yes';
    changes.push(`UpdateTrail (CloudWatch Logs ${payload.CloudWatchLogsLogGroupArn})`);
  }
  if (!facts.isLogging) {
    plan.startLogging = 'yes';
    changes.push('StartLogging');
  }
  plan.message = `${annotation} Fix trail ${facts.name} (${ctx.region}) only: ${changes.join(', ')}. Its bucket and every other trail stay as they are.`;
  return plan;
}

async function planCreate(ctx: Context, annotation: string): Promise<TrailPlan> {
  requireInputs(ctx, undefined, annotation);
  const { params, payload, accountId, region, partition } = ctx;
  const plan = emptyPlan(ctx, annotation);
  const changes: string[] = [];
  plan.action = 'Create';
  plan.trailName = payload.TrailName;
  plan.trailArn = trailArn(partition, region, accountId, payload.TrailName);
  plan.createTrail = 'yes';
  if (params.s3BucketName) {
    await deliveryBucketMustExist(ctx, params.s3BucketName);
    plan.bucketName = params.s3BucketName;
  } else {
    const bucket = defaultBucketName(accountId, region);
    plan.bucketName = bucket;
    const state = await bucketState(ctx.s3, bucket, accountId);
    if (state === 'foreign')
      throw new RemediationDeniedError(
        `Bucket ${bucket} exists but is not owned by account ${accountId}: rebaseline never sends CloudTrail logs to a bucket another account owns. Nothing was changed. Find out who created it (its name was reserved for this account's logs), or set the rule parameter s3BucketName to a bucket you own that has the CloudTrail bucket policy.`,
      );
    if (state === 'absent') {
      plan.createBucket = region === 'us-east-1' ? 'us-east-1' : 'regional';
      changes.push(`CreateBucket ${bucket}`);
    }
    const bpa =
      state === 'owned'
        ? await ctx.s3
            .send(new GetPublicAccessBlockCommand({ Bucket: bucket, ExpectedBucketOwner: accountId }))
            .then((r) => r.PublicAccessBlockConfiguration)
            .catch((error) => {
              if (awsErrorName(error) === 'NoSuchPublicAccessBlockConfiguration') return undefined;
              throw error;
            })
        : undefined;
    if (
      !(bpa?.BlockPublicAcls && bpa.IgnorePublicAcls && bpa.BlockPublicPolicy && bpa.RestrictPublicBuckets)
    ) {
      plan.blockBucketPublicAccess = 'yes';
      changes.push('PutPublicAccessBlock (all four settings)');
    }
    const current =
      state === 'owned'
        ? await ctx.s3
            .send(new GetBucketPolicyCommand({ Bucket: bucket, ExpectedBucketOwner: accountId }))
            .then((r) => r.Policy ?? null)
            .catch((error) => {
              if (awsErrorName(error) === 'NoSuchBucketPolicy') return null;
              throw error;
            })
        : null;
    const policy = mergeBucketPolicy(
      current,
      cloudTrailStatements(partition, bucket, accountId, plan.trailArn),
    );
    if (policy) {
      plan.putBucketPolicy = 'yes';
      plan.bucketPolicy = policy;
      changes.push('PutBucketPolicy (CloudTrail statements pinned to the trail)');
    }
  }
  changes.push(
    `CreateTrail ${payload.TrailName} (multi-region, log file validation, delivering to ${plan.bucketName})`,
  );
  if (params.requireKmsEncryption) {
    plan.setKmsKey = 'yes';
    changes.push(`UpdateTrail (KMS key ${payload.KmsKeyId})`);
  }
  if (params.requireCloudWatchLogs) {
    plan.setCloudWatchLogs = 'yes';
    changes.push(`UpdateTrail (CloudWatch Logs ${payload.CloudWatchLogsLogGroupArn})`);
  }
  plan.startLogging = 'yes';
  changes.push('StartLogging');
  plan.message = `${annotation} No trail of account ${accountId} can be fixed in ${region}: ${changes.join(', ')}.`;
  return plan;
}

async function context(aws: AwsClients, payload: Payload): Promise<Context> {
  const identity = await aws.get(STS).send(new GetCallerIdentityCommand({}));
  if (identity.Account !== payload.AccountId)
    throw new RemediationInputError(
      `${REMEDIATION_ID}: AccountId ${payload.AccountId} is not the account the Lambda runs in (${identity.Account}); the remediation only changes its own account.`,
    );
  return {
    payload,
    params: ruleParametersOf(payload),
    accountId: payload.AccountId,
    region: aws.region,
    partition: identity.Arn?.split(':')[1] || 'aws',
    reader: new LiveReader(aws, payload.AccountId, rule.reads),
    s3: aws.get(S3),
  };
}

const scopeOf = (ctx: Context): Scope => ({
  accountId: ctx.accountId,
  region: ctx.region,
  partition: ctx.partition,
  now: new Date(),
});

/**
 * The smallest change that makes the account compliant, read-only: the rule's own collector and evaluator decide
 * whether anything is wrong, and the trail to fix is the one the rule would call closest among those this account
 * can change here.
 * @throws ManualActionRequiredError when a person must provide an input or run it in another region.
 * @throws RemediationDeniedError when the bucket name is owned by another account.
 * @example
 * const plan = await planTrail(aws, parsePayload({ Mode: 'Plan', AccountId, Region: 'us-east-1', TrailName: 'rebaseline-trail' }));
 * plan.action // → 'Update' (plan.updateTrail, plan.startLogging, … say which steps run)
 */
export async function planTrail(aws: AwsClients, payload: Payload): Promise<TrailPlan> {
  const ctx = await context(aws, payload);
  const model = await collectTrails(ctx.reader, scopeOf(ctx));
  const verdict = evaluate(model, ctx.params);
  const annotation = verdict.annotation ?? '';
  if (verdict.complianceType === 'COMPLIANT')
    return { ...emptyPlan(ctx, annotation), message: `Already compliant, nothing to change: ${annotation}` };

  const trails = await ctx.reader.describeTrails();
  const own = model.trails
    .map((facts) => ({
      facts,
      trail: trails.find((t) => (t.TrailARN ?? t.Name) === (facts.arn ?? facts.name)) as Trail,
      ...assessTrail(facts, ctx.params),
    }))
    .filter((t) => accountOfArn(t.facts.arn) === ctx.accountId);
  const unknown = own.find((t) => t.unknown);
  if (unknown)
    throw new InsufficientDataError(
      `Trail ${unknown.facts.name} could not be read (${unknown.facts.unreadable.join('; ')}): the smallest change cannot be planned. Nothing was changed.`,
    );
  const closest = <T extends { lacks: string[] }>(list: T[]) =>
    list.reduce<T | undefined>(
      (best, t) => (!best || t.lacks.length < best.lacks.length ? t : best),
      undefined,
    );
  const here = closest(own.filter((t) => isChangeableHere(t.trail, ctx.accountId, ctx.region)));
  const elsewhere = closest(own.filter((t) => !isChangeableHere(t.trail, ctx.accountId, ctx.region)));
  if (elsewhere && (!here || elsewhere.lacks.length < here.lacks.length))
    throw new ManualActionRequiredError(
      ctx.accountId,
      'other home region',
      `Trail ${elsewhere.facts.name} of account ${ctx.accountId} is the one to fix (${annotation}), and it can only be changed in its home region ${elsewhere.facts.homeRegion}: run enable-cloudtrail there. Nothing was changed (a second multi-region trail here would log, and bill, the same events twice).`,
    );
  return here ? planUpdate(ctx, here.trail, here.facts, annotation) : planCreate(ctx, annotation);
}

/**
 * Re-reads every trail and evaluates the account with the rule.
 * @throws RemediationVerificationError when the account is still NON_COMPLIANT (not in a dry run).
 * @example
 * (await verifyCompliant(aws, parsePayload({ Mode: 'Verify', AccountId, Region, TrailName }))).outcome // → 'Verified'
 */
export async function verifyCompliant(aws: AwsClients, payload: Payload): Promise<TrailVerification> {
  const ctx = await context(aws, payload);
  let verdict: { complianceType: string; annotation?: string };
  try {
    verdict = evaluate(await collectTrails(ctx.reader, scopeOf(ctx)), ctx.params);
  } catch (error) {
    if (!payload.DryRun) throw error;
    verdict = { complianceType: 'INSUFFICIENT_DATA', annotation: (error as Error).message };
  }
  const annotation = verdict.annotation ?? '';
  if (payload.DryRun)
    return {
      mode: 'Verify',
      outcome: 'WouldVerify',
      complianceType: verdict.complianceType,
      annotation,
      message: `Would verify that account ${ctx.accountId} complies with ${rule.meta.id}; before any change it is ${verdict.complianceType}: ${annotation}`,
      plan: [],
    };
  if (verdict.complianceType !== 'COMPLIANT')
    throw new RemediationVerificationError(
      `Account ${ctx.accountId} is still ${verdict.complianceType} for ${rule.meta.id} after the remediation: ${annotation}`,
    );
  return {
    mode: 'Verify',
    outcome: 'Verified',
    complianceType: verdict.complianceType,
    annotation,
    message: `Verified: ${annotation}`,
  };
}

/**
 * The Lambda of `enable-cloudtrail`, for given clients (tests and the local runner pass theirs; the deployed Lambda
 * uses the default credential chain). It reads only, in the account the automation runs in (through the execution
 * role when that is not the Lambda's own account): the changes are the document's `aws:executeAwsApi` steps.
 * @example
 * const run = createHandler(() => new AwsClients({ region: 'us-east-1' }));
 * const plan = await run({ Mode: 'Plan', AccountId: '123456789012', Region: 'us-east-1', TrailName: 'rebaseline-trail' });
 */
export function createHandler(
  clients?: (region: string) => AwsClients,
): (raw: unknown) => Promise<TrailPlan | TrailVerification> {
  return remediationLambda<Payload, TrailPlan | TrailVerification>(
    {
      id: REMEDIATION_ID,
      parse: parsePayload,
      modes: {
        Plan: async (payload, account) => planTrail((await account()).aws, payload),
        Verify: async (payload, account) => verifyCompliant((await account()).aws, payload),
      },
      // The trail is read and changed in the automation's region, which may not be the Lambda's.
      region: (payload) => payload.Region,
    },
    clients,
  );
}

export const handler = createHandler();

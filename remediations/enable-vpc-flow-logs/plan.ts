import type {
  FlowLogFacts,
  Parameters,
  TrafficType,
  VpcFlowLogsModel,
} from '../../rules/vpc-flow-logs-enabled/evaluate';
import { ManualActionRequiredError } from '../../shared/errors';

/**
 * Scenarios
 * - Given the rule says the VPC is compliant, then nothing changes (ALREADY_COMPLIANT) and the VPC is verified.
 * - Given no flow log of the VPC captures the traffic required, then CREATE one flow log of the VPC to the log bucket
 *   (LogBucketName), capturing trafficType: REJECT, ACCEPT or ALL.
 * - Given trafficType ALL and a flow log that already captures one half (REJECT, say), then CREATE one capturing the
 *   other half (ACCEPT): together they capture ALL traffic, and the records already captured are not duplicated.
 * - Given existing flow logs that do not count (suspended delivery, another traffic type), then they are kept as
 *   they are: the new flow log is added beside them, never instead.
 * - Given no log bucket (LogBucketName empty), then nothing changes and a person is told which parameter to set.
 * - Given a flow log of the VPC that already sends its records to that bucket (and cannot deliver them, or captures
 *   other traffic), then nothing changes: EC2 refuses a second flow log to the same destination, and a person must
 *   fix that flow log's delivery (the bucket policy) or choose another bucket.
 */

/** What the document does next. */
export type FlowLogAction = 'CREATE' | 'ALREADY_COMPLIANT';

/** The change, as the document's CreateFlowLogs step takes it. */
export interface FlowLogChange {
  action: FlowLogAction;
  /** The traffic the new flow log captures (empty for ALREADY_COMPLIANT). */
  trafficType: TrafficType | '';
  /** The new flow log's LogDestination: the log bucket's ARN (empty for ALREADY_COMPLIANT). */
  logDestination: string;
  /** The VPC's flow logs before the change, recorded so a person sees what was there. */
  previous: { FlowLogId: string; TrafficType: string; LogDestination: string; Delivers: boolean | null }[];
  /** What the change does, in words. */
  what: string;
}

/** An S3 bucket name as S3 accepts new ones (3–63 characters of lower-case letters, digits, dots and hyphens). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The S3 ARN a flow log delivers to for a bucket name.
 * @example
 * bucketArn('aws', 'org-flow-logs') // → 'arn:aws:s3:::org-flow-logs'
 */
export function bucketArn(partition: string, bucket: string): string {
  return `arn:${partition}:s3:::${bucket}`;
}

/** The traffic the counted flow logs of the VPC capture already (what a new flow log need not capture again). */
function captured(flowLogs: readonly FlowLogFacts[]): Set<'ACCEPT' | 'REJECT'> {
  const out = new Set<'ACCEPT' | 'REJECT'>();
  for (const f of flowLogs)
    if (f.active === true && f.delivers === true && f.trafficType)
      for (const t of f.trafficType === 'ALL' ? (['ACCEPT', 'REJECT'] as const) : [f.trafficType]) out.add(t);
  return out;
}

/** Same destination: the same ARN, a trailing slash aside. */
const sameDestination = (a: string | undefined, b: string) => a?.replace(/\/$/, '') === b.replace(/\/$/, '');

/**
 * The one flow log that makes the VPC compliant, from the rule's model and verdict. Pure: model in, the exact
 * inputs of CreateFlowLogs out.
 * @throws ManualActionRequiredError without a log bucket, or when a flow log of the VPC already sends to it.
 * @example
 * planFlowLog(vpc, { trafficType: 'REJECT' }, false, { partition: 'aws', bucket: 'org-flow-logs' }).trafficType
 * // → 'REJECT'
 */
export function planFlowLog(
  model: VpcFlowLogsModel,
  params: Pick<Parameters, 'trafficType'>,
  compliant: boolean,
  where: { partition: string; bucket: string },
): FlowLogChange {
  const previous = model.flowLogs.map((f) => ({
    FlowLogId: f.id,
    TrafficType: f.trafficType ?? '',
    LogDestination: f.destination ?? '',
    Delivers: f.delivers ?? null,
  }));
  if (compliant)
    return {
      action: 'ALREADY_COMPLIANT',
      trafficType: '',
      logDestination: '',
      previous,
      what: 'change nothing',
    };
  const vpc = model.resourceId;
  if (!where.bucket)
    throw new ManualActionRequiredError(
      vpc,
      'no log bucket',
      `VPC ${vpc} needs a flow log, and no log bucket was given: set LogBucketName (the stage parameter flowLogBucketName; remediate --stage-params '{"flowLogBucketName":"<bucket>"}' locally) to a bucket whose policy lets delivery.logs.amazonaws.com write. Nothing was changed.`,
    );
  if (!BUCKET_NAME.test(where.bucket))
    throw new ManualActionRequiredError(
      vpc,
      'bad log bucket',
      `LogBucketName ${JSON.stringify(where.bucket)} is not an S3 bucket name. Nothing was changed.`,
    );
  const destination = bucketArn(where.partition, where.bucket);
  const there = model.flowLogs.find((f) => sameDestination(f.destination, destination));
  if (there)
    throw new ManualActionRequiredError(
      vpc,
      'destination in use',
      `Flow log ${there.id} of VPC ${vpc} already sends its records to ${destination}${there.delivers === false ? ` and cannot deliver them (${there.deliveryError})` : ` but does not capture ${params.trafficType} traffic`}: EC2 refuses a second flow log to the same destination. Fix that flow log (the bucket policy must let delivery.logs.amazonaws.com write), or give another LogBucketName. Nothing was changed.`,
    );
  const have = captured(model.flowLogs);
  const wanted = params.trafficType === 'ALL' ? (['ACCEPT', 'REJECT'] as const) : [params.trafficType];
  const missing = wanted.filter((t) => !have.has(t));
  const trafficType: TrafficType = missing.length === 1 ? (missing[0] as TrafficType) : params.trafficType;
  return {
    action: 'CREATE',
    trafficType,
    logDestination: destination,
    previous,
    what: `create a flow log of VPC ${vpc} capturing ${trafficType} traffic to ${destination}`,
  };
}

import type { FlowLog } from '@aws-sdk/client-ec2';
import type { ReaderOf } from '../../shared/collectors/reader';
import {
  awsErrorName,
  CollectionError,
  RebaselineError,
  UnreadableDependencyError,
} from '../../shared/errors';
import { ruleMetadata } from '../../shared/metadata';
import {
  array,
  optionalArray,
  optionalBoolean,
  optionalString,
  record,
  string,
  type Where,
} from '../../shared/models/decode';
import type { CommonParameters } from '../../shared/params';
import { defineRule, type ResourceModel, type Scope, type Verdict } from '../../shared/rule';
import { vpcFlowLogsEnabledReads } from './reads';
import meta from './rule.json';

/**
 * Scenarios
 * - Given a VPC of the account without any flow log, then NON_COMPLIANT "VPC <id> has no flow log."
 * - Given a VPC with an ACTIVE flow log capturing ALL traffic, then COMPLIANT whatever trafficType requires.
 * - Given trafficType REJECT (the default) and an ACTIVE flow log capturing REJECT, then COMPLIANT; one capturing
 *   only ACCEPT, then NON_COMPLIANT naming what it captures.
 * - Given trafficType ALL and an ACTIVE flow log capturing ACCEPT with another capturing REJECT, then COMPLIANT:
 *   together they capture all traffic; only one of them, then NON_COMPLIANT naming the traffic not captured.
 * - Given a flow log that is not ACTIVE or that cannot deliver its records (DeliverLogsStatus FAILED, or a
 *   DeliverLogsErrorMessage such as "Access error"), then it does not count and the annotation says why.
 * - Given flow logs of the VPC's subnets or network interfaces only, then the VPC is not covered (each sees part).
 * - Given a VPC another account owns and shares with this one, then it is not evaluated here (its owner's rule does).
 * - Given flow logs that cannot be listed, then no VPC is evaluated (never COMPLIANT); given a flow log whose
 *   TrafficType or FlowLogStatus EC2 does not define and which could decide the verdict, then the VPC is not
 *   evaluated and the invocation fails so Config retries.
 */
export interface Parameters extends CommonParameters {
  trafficType: TrafficType;
}

/** What a flow log captures, as EC2 names it. */
export const TRAFFIC_TYPES = ['ACCEPT', 'REJECT', 'ALL'] as const;
export type TrafficType = (typeof TRAFFIC_TYPES)[number];

/** The resource type of the rule's evaluations. */
export const VPC = 'AWS::EC2::VPC';

/** What the rule knows about one flow log of the VPC; `undefined` facts could not be read (see `unreadable`). */
export interface FlowLogFacts {
  id: string;
  /** Where its records go (LogDestination: an S3 bucket, log group or Firehose ARN), when EC2 says. */
  destination: string | undefined;
  trafficType: TrafficType | undefined;
  /** FlowLogStatus is ACTIVE (`undefined`: absent or a value EC2 does not define). */
  active: boolean | undefined;
  /** It delivers its records (`false`: DeliverLogsStatus FAILED or a DeliverLogsErrorMessage; `undefined`: unknown). */
  delivers: boolean | undefined;
  /** Why its records are not delivered, when they are not. */
  deliveryError: string | undefined;
  unreadable: string[];
}

/** One VPC the account owns, with the flow logs of the VPC itself. */
export interface VpcFlowLogsModel extends ResourceModel {
  region: string;
  isDefault: boolean;
  flowLogs: FlowLogFacts[];
}

/** The two kinds of traffic a flow log may capture; ALL is both. */
const captures = (t: TrafficType): readonly ('ACCEPT' | 'REJECT')[] =>
  t === 'ALL' ? ['ACCEPT', 'REJECT'] : [t];

/** A flow log that captures and delivers: it counts towards the requirement. */
function counts(f: FlowLogFacts): f is FlowLogFacts & { trafficType: TrafficType } {
  return f.active === true && f.delivers === true && f.trafficType !== undefined;
}

/** Why a flow log does not count, in words, or `undefined` when it counts or is unknown. */
function whyNot(f: FlowLogFacts): string | undefined {
  if (f.delivers === false) return `${f.id} cannot deliver its records (${f.deliveryError})`;
  if (f.active === false) return `${f.id} is not ACTIVE`;
  return undefined;
}

/** The smallest set of counted flow logs that captures every kind of traffic required. */
function covering(
  counted: readonly (FlowLogFacts & { trafficType: TrafficType })[],
  required: readonly ('ACCEPT' | 'REJECT')[],
) {
  const whole = counted.find((f) => required.every((t) => captures(f.trafficType).includes(t)));
  if (whole) return [whole];
  const each = required.map((t) => counted.find((f) => captures(f.trafficType).includes(t)));
  return each.every((f) => f !== undefined) ? (each as typeof counted) : undefined;
}

/**
 * COMPLIANT when the VPC's counted flow logs capture the traffic required (REJECT by default); otherwise
 * NON_COMPLIANT naming what is missing and why each flow log falls short.
 * @throws UnreadableDependencyError when no counted flow log covers the requirement but an unreadable one might.
 * @example
 * evaluate({ ...vpc, flowLogs: [] }, { trafficType: 'REJECT' }).annotation // → 'VPC vpc-1 has no flow log.'
 */
export function evaluate(model: VpcFlowLogsModel, params: Parameters): Verdict {
  const vpc = model.resourceId;
  if (model.flowLogs.length === 0)
    return { complianceType: 'NON_COMPLIANT', annotation: `VPC ${vpc} has no flow log.` };
  const required = captures(params.trafficType);
  const counted = model.flowLogs.filter(counts);
  const cover = covering(counted, required);
  if (cover) {
    const [only] = cover;
    return {
      complianceType: 'COMPLIANT',
      annotation:
        cover.length === 1 && only
          ? `VPC ${vpc} has ACTIVE flow log ${only.id} capturing ${only.trafficType} traffic.`
          : `VPC ${vpc}'s ACTIVE flow logs ${cover.map((f) => `${f.id} (${f.trafficType})`).join(' and ')} capture ALL traffic together.`,
    };
  }
  const unknown = model.flowLogs.find(
    (f) =>
      !counts(f) &&
      whyNot(f) === undefined &&
      (f.active === undefined || f.trafficType === undefined || f.delivers === undefined),
  );
  if (unknown)
    throw new UnreadableDependencyError(
      VPC,
      vpc,
      `flow log ${unknown.id} (${unknown.unreadable.join('; ') || 'unknown'})`,
      'no other flow log captures the traffic required',
    );
  const captured = new Set(counted.flatMap((f) => captures(f.trafficType)));
  const missing = required.filter((t) => !captured.has(t));
  const what =
    missing.length === required.length
      ? `${params.trafficType} traffic`
      : `${missing.join(', ')} traffic (trafficType ${params.trafficType})`;
  const facts = model.flowLogs.map((f) => whyNot(f) ?? `${f.id} captures only ${f.trafficType}`);
  return {
    complianceType: 'NON_COMPLIANT',
    annotation: `VPC ${vpc} has no ACTIVE flow log capturing ${what}: ${facts.join('; ')}.`,
  };
}

function describeError(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const name = error instanceof RebaselineError ? undefined : awsErrorName(error);
  return name && name !== message ? `${name}: ${message}` : message;
}

const FLOW_LOG_LIST: Where = { resourceType: VPC, resourceId: '(DescribeFlowLogs)' };

/**
 * One flow log as the rule reads it: a traffic type, status or delivery EC2 does not define is unknown (recorded in
 * `unreadable`), never a guess; an entry that is not an object, or without a string ResourceId, cannot be placed in
 * any VPC and fails the whole list.
 * @throws MalformedResourceError for an entry that cannot be placed.
 * @example
 * flowLogFacts({ FlowLogId: 'fl-1', TrafficType: 'ALL', FlowLogStatus: 'ACTIVE' }).trafficType // → 'ALL'
 */
export function flowLogFacts(raw: FlowLog, index = 0): FlowLogFacts & { resourceId: string } {
  const path = `FlowLogs[${index}]`;
  const f = record(raw, FLOW_LOG_LIST, path);
  const resourceId = string(f.ResourceId, FLOW_LOG_LIST, `${path}.ResourceId`);
  const unreadable: string[] = [];
  const id = typeof f.FlowLogId === 'string' && f.FlowLogId ? f.FlowLogId : `(${path}, without FlowLogId)`;
  const trafficType = (TRAFFIC_TYPES as readonly unknown[]).includes(f.TrafficType)
    ? (f.TrafficType as TrafficType)
    : undefined;
  if (trafficType === undefined)
    unreadable.push(
      `TrafficType is ${JSON.stringify(f.TrafficType)}, not one of ${TRAFFIC_TYPES.join(', ')}`,
    );
  const active = f.FlowLogStatus === 'ACTIVE' ? true : undefined;
  if (active === undefined)
    unreadable.push(`FlowLogStatus is ${JSON.stringify(f.FlowLogStatus)}, not ACTIVE`);
  const status = f.DeliverLogsStatus ?? undefined;
  const message = f.DeliverLogsErrorMessage ?? undefined;
  let delivers: boolean | undefined;
  let deliveryError: string | undefined;
  if (
    (status !== undefined && status !== 'SUCCESS' && status !== 'FAILED') ||
    (message !== undefined && typeof message !== 'string')
  ) {
    unreadable.push(
      `DeliverLogsStatus is ${JSON.stringify(status)}, DeliverLogsErrorMessage ${JSON.stringify(message)}`,
    );
  } else if (status === 'FAILED' || message) {
    delivers = false;
    deliveryError = [status === 'FAILED' ? 'DeliverLogsStatus FAILED' : '', message ?? '']
      .filter(Boolean)
      .join(': ');
  } else delivers = true;
  const destination = typeof f.LogDestination === 'string' && f.LogDestination ? f.LogDestination : undefined;
  return { resourceId, id, destination, trafficType, active, delivers, deliveryError, unreadable };
}

/** One VPC of the DescribeVpcs list, strictly: what the model needs, or MalformedResourceError naming the field. */
function vpcFacts(raw: unknown, index: number) {
  const list: Where = { resourceType: VPC, resourceId: '(DescribeVpcs)' };
  const v = record(raw, list, `Vpcs[${index}]`);
  const vpcId = string(v.VpcId, list, `Vpcs[${index}].VpcId`);
  const where: Where = { resourceType: VPC, resourceId: vpcId };
  const tags: Record<string, string> = {};
  (optionalArray(v.Tags, where, 'Tags') ?? []).forEach((t, i) => {
    const tag = record(t, where, `Tags[${i}]`);
    tags[string(tag.Key, where, `Tags[${i}].Key`)] = string(tag.Value, where, `Tags[${i}].Value`, true);
  });
  return {
    vpcId,
    ownerId: optionalString(v.OwnerId, where, 'OwnerId'),
    isDefault: optionalBoolean(v.IsDefault, where, 'IsDefault') ?? false,
    tags,
  };
}

/**
 * The models of the VPCs the account owns in the region, each with the flow logs of the VPC itself. A VPC list that
 * cannot be read (or decoded) fails the collection; a flow log list that cannot be read or decoded leaves every
 * VPC unevaluated (a CollectionError each): a flow log that cannot be placed might be any VPC's.
 * @throws CollectionError (MalformedResourceError) when the VPC list cannot be decoded.
 * @example
 * (await collectVpcs(new SnapshotReader({ vpcs: [], flowLogs: [] }, id, region, rule.reads), scope)) // → []
 */
export async function collectVpcs(
  reader: ReaderOf<'vpcFlowLogsEnabled'>,
  scope: Scope,
): Promise<Array<VpcFlowLogsModel | CollectionError>> {
  const listed = array(
    await reader.describeVpcs(),
    { resourceType: VPC, resourceId: '(DescribeVpcs)' },
    'Vpcs',
  );
  // A VPC shared with the account (its OwnerId another account's) is its owner's; an old answer without OwnerId is ours.
  const owned = listed
    .map((raw, i) => {
      try {
        return vpcFacts(raw, i);
      } catch (error) {
        if (error instanceof CollectionError) return error;
        throw error;
      }
    })
    .filter((v) => v instanceof CollectionError || v.ownerId === undefined || v.ownerId === scope.accountId);
  let flowLogs: ReturnType<typeof flowLogFacts>[];
  try {
    flowLogs = array(await reader.describeFlowLogs(), FLOW_LOG_LIST, 'FlowLogs').map((f, i) =>
      flowLogFacts(f as FlowLog, i),
    );
  } catch (error) {
    return owned.map((v) =>
      v instanceof CollectionError
        ? v
        : new CollectionError(VPC, v.vpcId, `flow logs: ${describeError(error)}.`, { cause: error }),
    );
  }
  // Grouped once by resource (a region can have hundreds of VPCs and thousands of flow logs), in listed order.
  const byResource = new Map<string, FlowLogFacts[]>();
  for (const { resourceId, ...facts } of flowLogs) {
    const list = byResource.get(resourceId);
    if (list) list.push(facts);
    else byResource.set(resourceId, [facts]);
  }
  return owned.map((v): VpcFlowLogsModel | CollectionError =>
    v instanceof CollectionError
      ? v
      : {
          resourceType: VPC,
          resourceId: v.vpcId,
          ...(v.tags.Name ? { resourceName: v.tags.Name } : {}),
          accountId: scope.accountId,
          region: scope.region,
          tags: v.tags,
          isDefault: v.isDefault,
          flowLogs: byResource.get(v.vpcId) ?? [],
        },
  );
}

export const rule = defineRule<VpcFlowLogsModel, Parameters, undefined, 'vpcFlowLogsEnabled'>({
  meta: ruleMetadata(meta),
  reads: { vpcFlowLogsEnabled: vpcFlowLogsEnabledReads },
  collect: async (reader, scope) => {
    try {
      return await collectVpcs(reader, scope);
    } catch (error) {
      // A VPC list that cannot be decoded is reported as such (the invocation fails), never as verdicts.
      if (error instanceof CollectionError) return [error];
      throw error;
    }
  },
  loadContext: async () => undefined,
  evaluate: (model, params) => evaluate(model, params),
});

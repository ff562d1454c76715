import {
  type Parameters,
  rule,
  VPC,
  type VpcFlowLogsModel,
} from '../../rules/vpc-flow-logs-enabled/evaluate';
import type { AwsClients } from '../../shared/aws/clients';
import type { TargetAccount } from '../../shared/aws/target-account';
import { LiveReader } from '../../shared/collectors/live-reader';
import { CollectionError, RemediationVerificationError } from '../../shared/errors';
import { remediationLambda } from '../../shared/lambda/remediation';
import { remediationMetadata } from '../../shared/metadata';
import { type Payload, payloadParserOf, ruleParametersOf } from '../../shared/remediation/payload';
import { verdictOf } from '../../shared/remediation/verdict';
import { type FlowLogAction, planFlowLog } from './plan';
import json from './remediation.json';

export { bucketArn, planFlowLog } from './plan';

const meta = remediationMetadata(json);
export const REMEDIATION_ID = meta.id;

const FIELDS = ['VpcId', 'LogBucketName'] as const;
type FlowLogPayload = Payload<(typeof FIELDS)[number]>;

/**
 * The payload as the document sends it, checked against remediation.json.
 * @throws RemediationInputError when a field is missing or malformed.
 * @example
 * parsePayload({ Mode: 'plan', AccountId: '123456789012', VpcId: 'vpc-0a1b2c3d' }).TrafficType // → 'REJECT'
 */
export const parsePayload = payloadParserOf(meta, FIELDS);

/** The plan, as the document's steps read it (`$.Payload.<field>`); every field is always present. */
export interface FlowLogPlan {
  Mode: 'plan';
  AccountId: string;
  VpcId: string;
  DryRun: boolean;
  /** `CREATE`: CreateFlowLogs. `ALREADY_COMPLIANT`: verify only. */
  Action: FlowLogAction;
  /** The traffic the new flow log captures (empty when nothing is created). */
  TrafficType: string;
  /** The new flow log's LogDestination, the log bucket's ARN (empty when nothing is created). */
  LogDestination: string;
  /** The VPC's flow logs before the change as JSON text, for the history. */
  PreviousFlowLogs: string;
  Message: string;
  /** Changes this Lambda makes itself (for the runner's dry-run): none, the document makes them. */
  plan: [];
}

export interface FlowLogVerification {
  Mode: 'verify';
  AccountId: string;
  VpcId: string;
  DryRun: boolean;
  /** The rule says COMPLIANT. */
  Compliant: boolean;
  Message: string;
  plan: [];
}

/** The VPC and its flow logs through the rule's reader, and the rule's verdict on it (through the engine). */
async function readVpc({ aws, accountId, partition }: TargetAccount, vpcId: string, params: Parameters) {
  const reader = new LiveReader(aws, accountId, rule.reads);
  const scope = { accountId, region: aws.region, partition, now: new Date() };
  const items = (await rule.collect?.(reader, scope, params)) ?? [];
  const found = items.find((m) => m.resourceId === vpcId);
  if (found instanceof CollectionError) throw found;
  if (!found) {
    // A list that could not be decoded names no VPC: its error is the reason, not "not found".
    const listError = items.find((m): m is CollectionError => m instanceof CollectionError);
    throw (
      listError ?? new CollectionError(VPC, vpcId, `not found in ${aws.region}, or owned by another account.`)
    );
  }
  const model = found as VpcFlowLogsModel;
  return { model, verdict: await verdictOf(rule, model, params, reader, scope) };
}

async function plan(target: TargetAccount, payload: FlowLogPayload): Promise<FlowLogPlan> {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  const { model, verdict } = await readVpc(target, payload.VpcId, params);
  const change = planFlowLog(model, params, verdict.compliant, {
    partition: target.partition,
    bucket: payload.LogBucketName ?? '',
  });
  const annotation = verdict.evaluation.annotation ?? '';
  return {
    Mode: 'plan',
    AccountId: target.accountId,
    VpcId: payload.VpcId,
    DryRun: payload.DryRun,
    Action: change.action,
    TrafficType: change.trafficType,
    LogDestination: change.logDestination,
    PreviousFlowLogs: JSON.stringify(change.previous),
    Message:
      change.action === 'ALREADY_COMPLIANT'
        ? `Already compliant: ${annotation} Nothing changed.`
        : `${payload.DryRun ? 'Would' : 'Will'} ${change.what}; the VPC's other flow logs are kept. Now: ${annotation}`,
    plan: [],
  };
}

/** Reads the VPC's flow logs back: the rule must say COMPLIANT. */
async function verify(target: TargetAccount, payload: FlowLogPayload): Promise<FlowLogVerification> {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  const { verdict } = await readVpc(target, payload.VpcId, params);
  const annotation = verdict.evaluation.annotation ?? '';
  if (!verdict.compliant && !payload.DryRun)
    throw new RemediationVerificationError(`VPC ${payload.VpcId} is not compliant: ${annotation}`);
  return {
    Mode: 'verify',
    AccountId: target.accountId,
    VpcId: payload.VpcId,
    DryRun: payload.DryRun,
    Compliant: verdict.compliant,
    Message: verdict.compliant
      ? `Verified: ${annotation}`
      : `Would verify VPC ${payload.VpcId}; now: ${annotation}`,
    plan: [],
  };
}

/**
 * The Lambda of `enable-vpc-flow-logs`: `plan` reads the VPC's flow logs and says which one to create; `verify`
 * reads them back. Both only read, in the account the invocation is entitled to; the document creates the flow log
 * with `aws:executeAwsApi`.
 * @example
 * const plan = await createHandler(() => aws)({ Mode: 'plan', AccountId: '123456789012', VpcId: 'vpc-0a1b2c3d', LogBucketName: 'org-flow-logs' });
 */
export function createHandler(clients?: (region: string) => AwsClients) {
  return remediationLambda<(typeof FIELDS)[number], FlowLogPlan | FlowLogVerification>(
    {
      meta,
      fields: FIELDS,
      modes: {
        plan: (payload, target) => plan(target, payload),
        verify: (payload, target) => verify(target, payload),
      },
      logFields: (result) => ({
        vpcId: result.VpcId,
        ...(result.Mode === 'plan' ? { action: result.Action } : {}),
      }),
    },
    clients,
  );
}

export const handler = createHandler();

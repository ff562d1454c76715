import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import {
  findPublicIngress,
  loadPrefixLists,
  type Parameters,
  rule,
} from '../../rules/ec2-security-group-no-public-ingress/evaluate';
import type { AwsClients } from '../../shared/aws/clients';
import type { TargetAccount } from '../../shared/aws/target-account';
import { LiveReader } from '../../shared/collectors/live-reader';
import { awsErrorName, CollectionError, RemediationVerificationError } from '../../shared/errors';
import { remediationLambda } from '../../shared/lambda/remediation';
import { remediationMetadata } from '../../shared/metadata';
import { SECURITY_GROUP, securityGroupFromApi } from '../../shared/models/security-group';
import { type Payload, payloadParserOf, ruleParametersOf } from '../../shared/remediation/payload';
import { verdictOf } from '../../shared/remediation/verdict';
import { describePermissions, planRevocation, REVOKED_INGRESS_TAG, tagValue } from './plan';
import json from './remediation.json';

export { REVOKED_INGRESS_TAG, tagValue } from './plan';

const meta = remediationMetadata(json);
export const REMEDIATION_ID = meta.id;

/** The payload fields this handler reads (declared in remediation.json). */
const FIELDS = ['GroupId', 'ExecutionId'] as const;
type RevokePayload = Payload<(typeof FIELDS)[number]>;

/**
 * The payload as the document sends it, checked against remediation.json.
 * @throws RemediationInputError when a field is missing or malformed.
 * @example
 * parsePayload({ Mode: 'plan', AccountId: '123456789012', GroupId: 'sg-0123456789abcdef0', AllowIcmp: false }).AllowIcmp // → 'false'
 */
export const parsePayload = payloadParserOf(meta, FIELDS);

/** The plan: the exact permissions the document's steps authorize and revoke, and the state before. */
export interface RevokePlan {
  Mode: 'plan';
  GroupId: string;
  DryRun: boolean;
  /** World-open sources to revoke; 0 means nothing to do (already compliant, or exempted). */
  RevokeCount: number;
  /** Each flagged permission with only its world-open sources, in the EC2 API's shape (RevokeSecurityGroupIngress). */
  IpPermissions: IpPermission[];
  /** `IpPermissions` as JSON, for the document's outputs. */
  RevokedPermissions: string;
  /** Permissions to authorize before revoking: what the rule allows of the revoked ones (AuthorizeSecurityGroupIngress). */
  AuthorizePermissions: IpPermission[];
  AuthorizeCount: number;
  /** `AuthorizePermissions` as JSON, for the document's outputs. */
  KeptPermissions: string;
  TagKey: string;
  /** Short reference to what is revoked (≤ 256 characters); empty when nothing is. */
  TagValue: string;
  /** Every ingress permission of the group before the change, as `DescribeSecurityGroups` returned them (JSON). */
  PreviousIngress: string;
  /** The rule's reason for each revoked source. */
  Findings: string[];
  Message: string;
  /** Changes this Lambda makes itself (read by the runner's dry-run): none, the document makes them. */
  plan: [];
}

export interface RevokeVerification {
  Mode: 'verify';
  GroupId: string;
  DryRun: boolean;
  /** The rule's verdict on the group as it is now. */
  Compliant: boolean;
  Annotation: string;
  Message: string;
  /** Changes this Lambda makes itself (read by the runner's dry-run): none, the document makes them. */
  plan: [];
}

export type RevokePublicIngressResult = RevokePlan | RevokeVerification;

/** The group as the API returns it, its model and the rule's verdict on it, read in the target account. */
async function readGroup(target: TargetAccount, payload: RevokePayload, params: Parameters, now: Date) {
  const { aws, accountId, partition } = target;
  const reader = new LiveReader(aws, accountId, rule.reads);
  let groups: SecurityGroup[];
  try {
    groups = await reader.describeSecurityGroups([payload.GroupId]);
  } catch (cause) {
    throw new CollectionError(SECURITY_GROUP, payload.GroupId, `${awsErrorName(cause) ?? 'error'}.`, {
      cause,
    });
  }
  const group = groups.find((g) => g.GroupId === payload.GroupId);
  if (!group)
    throw new CollectionError(SECURITY_GROUP, payload.GroupId, 'DescribeSecurityGroups did not return it.');
  const model = securityGroupFromApi(group, accountId, aws.region);
  const scope = { accountId, region: aws.region, partition, now };
  const verdict = await verdictOf(rule, model, params, reader, scope);
  return { group, model, reader, verdict };
}

async function plan(target: TargetAccount, payload: RevokePayload, now: Date): Promise<RevokePlan> {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  const { group, model, reader, verdict } = await readGroup(target, payload, params, now);
  const base = {
    Mode: 'plan' as const,
    GroupId: payload.GroupId,
    DryRun: payload.DryRun,
    TagKey: REVOKED_INGRESS_TAG,
    PreviousIngress: JSON.stringify(group.IpPermissions ?? []),
    plan: [] as [],
  };
  const annotation = verdict.evaluation.annotation ?? '';
  if (verdict.compliant)
    return {
      ...base,
      RevokeCount: 0,
      IpPermissions: [],
      RevokedPermissions: '[]',
      AuthorizePermissions: [],
      AuthorizeCount: 0,
      KeptPermissions: '[]',
      TagValue: '',
      Findings: [],
      Message: verdict.exemption
        ? `${verdict.exemption} Nothing revoked.`
        : `Already compliant: ${payload.GroupId} allows no unauthorized ingress from the internet; nothing revoked.`,
    };
  const findings = findPublicIngress(model, params, await loadPrefixLists(reader, [model]));
  const calls = planRevocation(group, model, findings, params);
  const kept =
    calls.authorize.length > 0
      ? ` First authorizing what the rule allows of it (${describePermissions(calls.authorize)}), so it stays open.`
      : '';
  return {
    ...base,
    RevokeCount: findings.length,
    IpPermissions: calls.revoke,
    RevokedPermissions: JSON.stringify(calls.revoke),
    AuthorizePermissions: calls.authorize,
    AuthorizeCount: calls.authorize.length,
    KeptPermissions: JSON.stringify(calls.authorize),
    TagValue: tagValue(calls.revoke, now, payload.ExecutionId || undefined),
    Findings: calls.reasons,
    Message: `${payload.DryRun ? 'Would revoke' : 'Revoking'} ${findings.length} world-open source(s) from ${
      payload.GroupId
    }: ${findings.length > 0 ? calls.reasons.join(' ') : annotation}${kept}`,
  };
}

async function verify(target: TargetAccount, payload: RevokePayload, now: Date): Promise<RevokeVerification> {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  const { verdict } = await readGroup(target, payload, params, now);
  const annotation = verdict.evaluation.annotation ?? '';
  if (!verdict.compliant && !payload.DryRun)
    throw new RemediationVerificationError(`${payload.GroupId} is still not compliant: ${annotation}`);
  return {
    Mode: 'verify',
    GroupId: payload.GroupId,
    DryRun: payload.DryRun,
    Compliant: verdict.compliant,
    Annotation: annotation,
    Message: verdict.compliant
      ? `Verified: ${payload.GroupId} is compliant. ${annotation}`
      : `Would verify that ${payload.GroupId} is compliant; now: ${annotation}`,
    plan: [],
  };
}

/**
 * The Lambda of `revoke-public-ingress`, built for a client factory (tests and the local runner pass one that
 * reaches the emulator). Both modes only read, in the account the invocation is entitled to (through the execution
 * role for a member's alias): the document makes the changes with `aws:executeAwsApi`.
 * @example
 * const plan = await createHandler(() => aws)({ Mode: 'plan', AccountId: '123456789012', GroupId: 'sg-0123456789abcdef0' });
 */
export function createHandler(clients?: (region: string) => AwsClients, options: { now?: () => Date } = {}) {
  const now = () => options.now?.() ?? new Date();
  return remediationLambda<(typeof FIELDS)[number], RevokePublicIngressResult>(
    {
      meta,
      fields: FIELDS,
      modes: {
        plan: (payload, target) => plan(target, payload, now()),
        verify: (payload, target) => verify(target, payload, now()),
      },
      logFields: (result) => ({ groupId: result.GroupId }),
    },
    clients,
  );
}

export const handler = createHandler();

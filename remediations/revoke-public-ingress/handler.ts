import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import {
  evaluate,
  findPublicIngress,
  loadPrefixLists,
  type Parameters,
  type PublicIngressFinding,
  rule,
} from '../../rules/ec2-security-group-no-public-ingress/evaluate';
import type { AwsClients } from '../../shared/aws/clients';
import type { TargetAccount } from '../../shared/aws/target-account';
import { LiveReader } from '../../shared/collectors/live-reader';
import { exemptionOf } from '../../shared/engine';
import { awsErrorName, CollectionError, RemediationVerificationError } from '../../shared/errors';
import { remediationLambda } from '../../shared/lambda/remediation';
import {
  normaliseProtocol,
  SECURITY_GROUP,
  type SecurityGroupModel,
  securityGroupFromApi,
} from '../../shared/models/security-group';
import { parseRuleParameters } from '../../shared/params';
import { ACCOUNT_ID_FIELD, payloadParser } from '../../shared/remediation/payload';

export const REMEDIATION_ID = 'revoke-public-ingress';

/** Tag written on the group before anything is revoked, so a person can find what was removed and restore it. */
export const REVOKED_INGRESS_TAG = 'rebaseline:revoked-ingress';

/** EC2 (like every AWS service) accepts at most 256 characters in a tag value. */
const MAX_TAG_VALUE = 256;

/**
 * What the document sends. Rule parameters arrive in Config's string form (`"80,443"`, `"true"`), exactly as the
 * paired rule receives them, so the remediation flags what the rule flags.
 */
export interface RevokePublicIngressPayload {
  /** `plan`: read the group, compute what to revoke. `verify`: re-read it and re-evaluate it with the rule. */
  Mode: 'plan' | 'verify';
  /** The account the automation runs in (`{{ global:ACCOUNT_ID }}`), where the group is. */
  AccountId: string;
  GroupId: string;
  AuthorizedTcpPorts?: string;
  AuthorizedUdpPorts?: string;
  AllowIcmp?: string | boolean;
  ExemptResourceIds?: string;
  ExemptTagKey?: string;
  ExemptTagValue?: string;
  /** The automation execution id, written into the tag so the full previous state can be found. */
  ExecutionId?: string;
  /** Set by the runner's dry-run: return the plan, change nothing, do not fail verification. */
  DryRun?: boolean;
}

/** The plan: the exact permissions `RevokeSecurityGroupIngress` receives, and the state before. */
export interface RevokePlan {
  Mode: 'plan';
  GroupId: string;
  DryRun: boolean;
  /** World-open sources to revoke; 0 means nothing to do (already compliant, or exempted). */
  RevokeCount: number;
  /** Each flagged permission with only its world-open sources, in the EC2 API's shape. */
  IpPermissions: IpPermission[];
  /** `IpPermissions` as JSON, for the document's outputs. */
  RevokedPermissions: string;
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

/** A rule parameter in Config's string form; the runner may pass a boolean or number unquoted. */
const CONFIG_STRING = { type: ['string', 'boolean', 'number', 'null'], description: 'a string' } as const;

/**
 * The payload as the document sends it.
 * @throws RemediationInputError when a field is missing or malformed.
 * @example
 * parsePayload({ Mode: 'plan', AccountId: '123456789012', GroupId: 'sg-0123456789abcdef0', AllowIcmp: false }).AllowIcmp // → 'false'
 */
export const parsePayload = payloadParser<RevokePublicIngressPayload>(REMEDIATION_ID, {
  type: 'object',
  required: ['Mode', 'AccountId', 'GroupId'],
  properties: {
    Mode: { enum: ['plan', 'verify'] },
    AccountId: ACCOUNT_ID_FIELD,
    GroupId: { type: 'string', pattern: '^sg-[0-9a-f]{8,17}$', description: 'a security group id' },
    AuthorizedTcpPorts: CONFIG_STRING,
    AuthorizedUdpPorts: CONFIG_STRING,
    AllowIcmp: CONFIG_STRING,
    ExemptResourceIds: CONFIG_STRING,
    ExemptTagKey: CONFIG_STRING,
    ExemptTagValue: CONFIG_STRING,
    ExecutionId: CONFIG_STRING,
  },
});

/**
 * The rule's parameters from the payload, parsed and checked exactly as the rule parses its own.
 * @throws InvalidParametersError naming the rule parameter (e.g. authorizedTcpPorts "22-10").
 * @example
 * ruleParametersOf({ Mode: 'plan', AccountId: '123456789012', GroupId: 'sg-0123456789abcdef0', AuthorizedTcpPorts: '80,443' }).authorizedTcpPorts
 * // → ['80', '443']
 */
export function ruleParametersOf(payload: RevokePublicIngressPayload): Parameters {
  const params = parseRuleParameters<Parameters>(rule.meta, {
    authorizedTcpPorts: payload.AuthorizedTcpPorts,
    authorizedUdpPorts: payload.AuthorizedUdpPorts,
    allowIcmp: payload.AllowIcmp,
    exemptResourceIds: payload.ExemptResourceIds,
    exemptTagKey: payload.ExemptTagKey,
    exemptTagValue: payload.ExemptTagValue,
  });
  rule.checkParameters?.(params);
  return params;
}

/**
 * For each permission the rule flags, the same permission (protocol and ports as EC2 returned them) with only its
 * world-open sources: other CIDRs, IPv6 ranges, prefix lists and group references stay out, so they are kept.
 * @example
 * revocations(sg, model, findings)
 * // tcp 22 from 0.0.0.0/0 and 10.0.0.0/8 → [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]
 */
export function revocations(
  group: SecurityGroup,
  model: SecurityGroupModel,
  findings: readonly PublicIngressFinding[],
): IpPermission[] {
  const raw = group.IpPermissions ?? [];
  const out: IpPermission[] = [];
  // The model lists the group's permissions in the API's order, so a finding's permission has the same index.
  model.ingress.forEach((permission, index) => {
    const sources = findings.filter((f) => f.permission === permission).map((f) => f.source);
    const original = raw[index];
    if (sources.length === 0 || !original) return;
    const has = (kind: PublicIngressFinding['source']['kind'], value: string | undefined) =>
      sources.some((s) => s.kind === kind && s.value === value);
    const ipv4 = (original.IpRanges ?? []).filter((r) => has('ipv4', r.CidrIp));
    const ipv6 = (original.Ipv6Ranges ?? []).filter((r) => has('ipv6', r.CidrIpv6));
    const lists = (original.PrefixListIds ?? []).filter((r) => has('prefixList', r.PrefixListId));
    out.push({
      IpProtocol: original.IpProtocol,
      ...(original.FromPort !== undefined ? { FromPort: original.FromPort } : {}),
      ...(original.ToPort !== undefined ? { ToPort: original.ToPort } : {}),
      ...(ipv4.length > 0 ? { IpRanges: ipv4 } : {}),
      ...(ipv6.length > 0 ? { Ipv6Ranges: ipv6 } : {}),
      ...(lists.length > 0 ? { PrefixListIds: lists } : {}),
    });
  });
  return out;
}

/** `tcp:22=0.0.0.0/0`, `all=::/0`, `icmp:8/-1=pl-0123…`: only characters every AWS tag value accepts. */
function sourceSpecs(permission: IpPermission): string[] {
  const protocol = normaliseProtocol(permission.IpProtocol);
  const { FromPort: from, ToPort: to } = permission;
  let ports = '';
  if (protocol === 'icmp' || protocol === 'icmpv6') ports = from === undefined ? '' : `:${from}/${to ?? -1}`;
  else if (protocol !== 'all' && from !== undefined) ports = from === to ? `:${from}` : `:${from}-${to}`;
  const values = [
    ...(permission.IpRanges ?? []).map((r) => r.CidrIp),
    ...(permission.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
    ...(permission.PrefixListIds ?? []).map((r) => r.PrefixListId),
  ];
  return values.map((v) => `${protocol}${ports}=${v}`);
}

/**
 * The tag value: when, which execution, and what was revoked, cut to 256 characters with a count of what did not
 * fit (the full list is in the execution's outputs).
 * @example
 * tagValue(perms, new Date('2026-11-01T00:00:00Z'), 'e1')
 * // → 'revoked 2026-11-01T00:00:00Z by e1: tcp:22=0.0.0.0/0 tcp:22=::/0'
 */
export function tagValue(permissions: readonly IpPermission[], at: Date, executionId?: string): string {
  const head = `revoked ${at.toISOString().replace(/\.\d{3}Z$/, 'Z')}${executionId ? ` by ${executionId}` : ''}:`;
  const specs = permissions.flatMap(sourceSpecs);
  let value = head;
  for (let i = 0; i < specs.length; i++) {
    const next = `${value} ${specs[i]}`;
    const rest = specs.length - i - 1;
    const suffix = rest > 0 ? ` +${rest} more` : '';
    if ((next + suffix).length > MAX_TAG_VALUE)
      return `${value} +${specs.length - i} more`.slice(0, MAX_TAG_VALUE);
    value = next;
  }
  return value;
}

async function readGroup({ aws, accountId }: TargetAccount, groupId: string) {
  const reader = new LiveReader(aws, accountId, rule.reads);
  let groups: SecurityGroup[];
  try {
    groups = await reader.describeSecurityGroups([groupId]);
  } catch (cause) {
    throw new CollectionError(SECURITY_GROUP, groupId, `${awsErrorName(cause) ?? 'error'}.`, { cause });
  }
  const group = groups.find((g) => g.GroupId === groupId);
  if (!group) throw new CollectionError(SECURITY_GROUP, groupId, 'DescribeSecurityGroups did not return it.');
  const model = securityGroupFromApi(group, accountId, aws.region);
  return { group, model, context: await loadPrefixLists(reader, [model]) };
}

async function plan(
  target: TargetAccount,
  payload: RevokePublicIngressPayload,
  now: Date,
): Promise<RevokePlan> {
  const params = ruleParametersOf(payload);
  const { group, model, context } = await readGroup(target, payload.GroupId);
  const base = {
    Mode: 'plan' as const,
    GroupId: payload.GroupId,
    DryRun: payload.DryRun === true,
    TagKey: REVOKED_INGRESS_TAG,
    PreviousIngress: JSON.stringify(group.IpPermissions ?? []),
    plan: [] as [],
  };
  const nothing = { RevokeCount: 0, IpPermissions: [], RevokedPermissions: '[]', TagValue: '', Findings: [] };
  const exempted = exemptionOf(model, params);
  if (exempted) return { ...base, ...nothing, Message: `${exempted} Nothing revoked.` };
  const findings = findPublicIngress(model, params, context);
  if (findings.length === 0)
    return {
      ...base,
      ...nothing,
      Message: `Already compliant: ${payload.GroupId} allows no unauthorized ingress from the internet; nothing revoked.`,
    };
  const permissions = revocations(group, model, findings);
  return {
    ...base,
    RevokeCount: findings.length,
    IpPermissions: permissions,
    RevokedPermissions: JSON.stringify(permissions),
    TagValue: tagValue(permissions, now, payload.ExecutionId),
    Findings: findings.map((f) => f.reason),
    Message: `${payload.DryRun ? 'Would revoke' : 'Revoking'} ${findings.length} world-open source(s) from ${
      payload.GroupId
    }: ${findings.map((f) => f.reason).join(' ')}`,
  };
}

async function verify(
  target: TargetAccount,
  payload: RevokePublicIngressPayload,
): Promise<RevokeVerification> {
  const params = ruleParametersOf(payload);
  const { model, context } = await readGroup(target, payload.GroupId);
  const exempted = exemptionOf(model, params);
  const verdict = exempted
    ? { complianceType: 'COMPLIANT' as const, annotation: exempted }
    : evaluate(model, params, context);
  const compliant = verdict.complianceType === 'COMPLIANT';
  const annotation = verdict.annotation ?? '';
  const result: RevokeVerification = {
    Mode: 'verify',
    GroupId: payload.GroupId,
    DryRun: payload.DryRun === true,
    Compliant: compliant,
    Annotation: annotation,
    Message: compliant
      ? `Verified: ${payload.GroupId} is compliant. ${annotation}`
      : `Would verify that ${payload.GroupId} is compliant; now: ${annotation}`,
    plan: [],
  };
  if (!compliant && !payload.DryRun)
    throw new RemediationVerificationError(`${payload.GroupId} is still not compliant: ${annotation}`);
  return result;
}

/**
 * The Lambda of `revoke-public-ingress`, built for a client factory (tests and the local runner pass one that
 * reaches the emulator). Both modes only read, in the account the automation runs in (through the execution role
 * when that is not the Lambda's own account): the document makes the changes with `aws:executeAwsApi`.
 * @example
 * const plan = await createHandler(() => aws)({ Mode: 'plan', AccountId: '123456789012', GroupId: 'sg-0123456789abcdef0' });
 */
export function createHandler(
  clients?: (region: string) => AwsClients,
  options: { now?: () => Date } = {},
): (payload: unknown) => Promise<RevokePublicIngressResult> {
  return remediationLambda<RevokePublicIngressPayload, RevokePublicIngressResult>(
    {
      id: REMEDIATION_ID,
      parse: parsePayload,
      modes: {
        plan: async (payload, account) => plan(await account(), payload, options.now?.() ?? new Date()),
        verify: async (payload, account) => verify(await account(), payload),
      },
      logFields: (result) => ({ groupId: result.GroupId }),
    },
    clients,
  );
}

export const handler = createHandler();

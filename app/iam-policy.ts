import { join } from 'node:path';
import { RebaselineError } from '../shared/errors';
import type { RemediationIamStatement } from '../shared/remediation/metadata';
import type { IamStatement, RuleMetadata } from '../shared/rule';
import type { RemediationEntry } from './remediate';
import { ORGANIZATION_SCAN_STATEMENTS, SCAN_READS } from './scan/iam';
import { type AutomationDocument, loadAutomationDocument } from './ssm/document';

// The policies a person attaches to run rebaseline on their own account, generated from what the rules and the
// remediations declare (rule.json `iam`, remediation.json `iam` and `lambda.iam`), never written by hand: a rule that
// reads something new changes the policy, and `npm test` fails until docs/iam/ is regenerated.

/** A policy could not be generated: a document calls an API its remediation.json does not declare, or a bad placeholder. */
export class IamPolicyError extends RebaselineError {}

/**
 * What `${Partition}`, `${AccountId}`, `${Region}` and `${OrganizationId}` in rule.json / remediation.json resources
 * and conditions become.
 */
export interface PolicyTarget {
  partition: string;
  accountId: string;
  region: string;
  organizationId: string;
}

/**
 * Attachable as is in any account of the standard partition: the account and the organization are the IAM policy
 * variables of the principal's own, so the policy never names an account or organization id.
 */
export const ANY_ACCOUNT: PolicyTarget = {
  partition: 'aws',
  accountId: `\${aws:PrincipalAccount}`,
  region: '*',
  organizationId: `\${aws:PrincipalOrgID}`,
};

export type PolicyCondition = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: PolicyCondition;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** IAM's limit on a customer managed policy, whitespace not counted. */
export const MANAGED_POLICY_MAX_CHARACTERS = 6144;

/** Step APIs whose IAM action is not `<service>:<Api>` (S3 and S3 Control share the `s3:` prefix). */
export const IAM_ACTION_OF_API: Readonly<Record<string, string>> = {
  's3:PutPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3:GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  's3:DeletePublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3:ListBuckets': 's3:ListAllMyBuckets',
  's3:HeadBucket': 's3:ListBucket',
  's3control:PutPublicAccessBlock': 's3:PutAccountPublicAccessBlock',
  's3control:GetPublicAccessBlock': 's3:GetAccountPublicAccessBlock',
};

/** Document actions that call an AWS API named by `Service` and `Api`. */
const API_STEP_ACTIONS = [
  'aws:executeAwsApi',
  'aws:assertAwsResourceProperty',
  'aws:waitForAwsResourceProperty',
];

/**
 * The IAM action an SSM API step needs.
 * @example
 * iamActionOfApi('s3control', 'PutPublicAccessBlock'); // 's3:PutAccountPublicAccessBlock'
 * iamActionOfApi('ec2', 'RevokeSecurityGroupIngress'); // 'ec2:RevokeSecurityGroupIngress'
 */
export function iamActionOfApi(service: string, api: string): string {
  const key = `${service.toLowerCase()}:${api}`;
  return IAM_ACTION_OF_API[key] ?? (service.toLowerCase() === 's3control' ? `s3:${api}` : key);
}

/** The IAM actions a document's own API steps need (`aws:invokeLambdaFunction` steps not included). */
export function documentApiActions(document: Pick<AutomationDocument, 'mainSteps'>): string[] {
  const actions = new Set<string>();
  for (const step of document.mainSteps)
    if (API_STEP_ACTIONS.includes(step.action)) {
      const { Service, Api } = step.inputs as { Service: string; Api: string };
      actions.add(iamActionOfApi(Service, Api));
    }
  return [...actions].sort();
}

/** What `scan` reads: every selected rule's declared reads, and the scan's own (regions, Config's inventory). */
export function readOnlyStatements(
  rules: readonly Pick<RuleMetadata, 'id' | 'iam'>[],
): (IamStatement | RemediationIamStatement)[] {
  return [...rules.flatMap((rule) => rule.iam), ...SCAN_READS];
}

/**
 * What `remediate` needs on top of the reads: each remediation document's declared actions and its Lambda's, which
 * the local runner runs in-process with the caller's credentials (so `lambda:InvokeFunction` is not needed). Checks
 * that every API a document calls is declared.
 * @throws IamPolicyError naming the document step whose API its remediation.json does not declare.
 */
export function remediationStatements(
  remediations: readonly {
    meta: RemediationEntry['meta'];
    document: Pick<AutomationDocument, 'mainSteps'>;
  }[],
): RemediationIamStatement[] {
  const statements: RemediationIamStatement[] = [];
  for (const { meta, document } of remediations) {
    const declared = new Set(meta.iam.flatMap((s) => s.actions));
    const missing = documentApiActions(document).filter((a) => !declared.has(a));
    if (missing.length > 0)
      throw new IamPolicyError(
        `The document of ${meta.id} calls ${missing.join(', ')}, which remediations/${meta.id}/remediation.json does not declare.`,
      );
    for (const s of meta.iam) {
      const actions = s.actions.filter((a) => a !== 'lambda:InvokeFunction');
      if (actions.length > 0) statements.push({ ...s, actions });
    }
    statements.push(...(meta.lambda?.iam ?? []));
  }
  return statements;
}

/**
 * Replaces `${Partition}`, `${AccountId}`, `${Region}` and `${OrganizationId}` in a metadata ARN or condition value.
 * @throws IamPolicyError on any other placeholder.
 * @example
 * renderArn('arn:${Partition}:ec2:*:${AccountId}:security-group/*', ANY_ACCOUNT);
 * // 'arn:aws:ec2:*:${aws:PrincipalAccount}:security-group/*'
 */
export function renderArn(resource: string, target: PolicyTarget): string {
  const values: Record<string, string> = {
    Partition: target.partition,
    AccountId: target.accountId,
    Region: target.region,
    OrganizationId: target.organizationId,
  };
  return resource.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new IamPolicyError(
        `Unknown placeholder ${whole} in IAM resource ${resource} (use \${Partition}, \${AccountId}, \${Region}, \${OrganizationId}).`,
      );
    return value;
  });
}

/** True when the IAM resource pattern `pattern` (with `*` and `?`) matches all of `resource`. */
function covers(pattern: string, resource: string): boolean {
  if (pattern === resource || pattern === '*') return true;
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(resource);
}

/** Actions IAM's Service Authorization Reference lists at the Read or List access level despite their name. */
const READ_ACTIONS = new Set(['iam:GenerateCredentialReport']);
const isRead = (action: string) =>
  /^[a-z0-9-]+:(Describe|Get|List|Head|BatchGet)/.test(action) || READ_ACTIONS.has(action);
const pascal = (service: string) =>
  service
    .split(/[^a-z0-9]+/i)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');

/** A condition with its placeholders rendered, its keys and values sorted (so equal conditions compare equal). */
function renderCondition(condition: PolicyCondition, target: PolicyTarget): PolicyCondition {
  const sorted = <T>(entries: [string, T][]) => entries.sort(([a], [b]) => (a < b ? -1 : 1));
  return Object.fromEntries(
    sorted(Object.entries(condition)).map(([operator, keys]) => [
      operator,
      Object.fromEntries(
        sorted(Object.entries(keys)).map(([key, value]) => [
          key,
          Array.isArray(value) ? value.map((v) => renderArn(v, target)).sort() : renderArn(value, target),
        ]),
      ),
    ]),
  );
}

interface Group {
  resources: string[];
  actions: string[];
  read: boolean;
  condition: PolicyCondition | undefined;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One policy from metadata statements: placeholders rendered, each (action, resource, condition) once, grants that
 * a broader resource of the same action and condition already gives dropped, then grouped into statements by
 * resource set, condition and read/write, with readable Sids. A statement `enabledBy` a stage parameter
 * (sts:AssumeRoot: `rootCredentialsManagement`) is left out unless `enabled` lists it. The same input always gives
 * the same document (sorted), so it can be committed. Reusable for any principal (issue #12's organisation scan).
 *
 * @example
 * policyDocument(readOnlyStatements(RULES.map((r) => r.meta)), ANY_ACCOUNT);
 */
export function policyDocument(
  statements: readonly (IamStatement | RemediationIamStatement)[],
  target: PolicyTarget,
  enabled: readonly string[] = [],
): PolicyDocument {
  // The rendered condition (JSON, '' for none) → action → resources.
  const grants = new Map<string, Map<string, Set<string>>>();
  for (const s of statements as readonly RemediationIamStatement[]) {
    if (s.enabledBy && !enabled.includes(s.enabledBy)) continue;
    const condition = s.condition ? JSON.stringify(renderCondition(s.condition, target)) : '';
    const byAction = grants.get(condition) ?? new Map<string, Set<string>>();
    grants.set(condition, byAction);
    for (const action of s.actions)
      for (const resource of s.resources) {
        const set = byAction.get(action) ?? new Set<string>();
        set.add(renderArn(resource, target));
        byAction.set(action, set);
      }
  }
  const groups = new Map<string, Group>();
  for (const [condition, byAction] of grants)
    for (const [action, resources] of byAction) {
      const kept = [...resources]
        .filter((r) => ![...resources].some((other) => other !== r && covers(other, r)))
        .sort();
      const read = isRead(action);
      const key = `${read ? 'r' : 'w'}|${kept.join('|')}|${condition}`;
      const group = groups.get(key) ?? {
        resources: kept,
        actions: [],
        read,
        condition: condition ? (JSON.parse(condition) as PolicyCondition) : undefined,
      };
      group.actions.push(action);
      groups.set(key, group);
    }
  const used = new Map<string, number>();
  const Statement = [...groups.values()]
    .map((g) => ({ ...g, actions: g.actions.sort() }))
    .sort(
      (a, b) =>
        Number(b.read) - Number(a.read) ||
        Number(Boolean(a.condition)) - Number(Boolean(b.condition)) ||
        compareText(a.resources.join(), b.resources.join()) ||
        compareText(a.actions.join(), b.actions.join()),
    )
    .map((g): PolicyStatement => {
      const services = [...new Set(g.actions.map((a) => a.split(':')[0] as string))].map(pascal).join('');
      const base = `${services}${g.read ? 'Read' : 'Write'}${g.resources.includes('*') ? 'AnyResource' : ''}`;
      const n = (used.get(base) ?? 0) + 1;
      used.set(base, n);
      return {
        Sid: n === 1 ? base : `${base}${n}`,
        Effect: 'Allow',
        Action: g.actions,
        Resource: g.resources,
        ...(g.condition ? { Condition: g.condition } : {}),
      };
    });
  return { Version: '2012-10-17', Statement };
}

export type PolicyKind = 'read-only' | 'remediate' | 'organization';

export interface IamPolicyOptions {
  rules: readonly Pick<RuleMetadata, 'id' | 'iam' | 'remediation'>[];
  /** Needed for `remediate`: each remediation's metadata and folder (its `document.yaml`). */
  remediations?: readonly Pick<RemediationEntry, 'meta' | 'dir'>[];
  target?: PolicyTarget;
  /** Stage parameters turned on (`rootCredentialsManagement`): statements `enabledBy` them are granted. */
  enabled?: readonly string[];
}

/**
 * The policy to attach for `rebaseline scan` (`read-only`), `rebaseline scan --org` in the account it runs from
 * (`organization`: the reads, the organisation's accounts, the member role, the aggregator), or `rebaseline
 * remediate` (`remediate`: the reads, since remediate scans before and after and re-evaluates each resource, plus
 * the selected rules' remediations).
 * @example
 * const policy = iamPolicy('read-only', { rules: RULES.map((r) => r.meta) });
 * writeFileSync('read-only-policy.json', `${JSON.stringify(policy, null, 2)}\n`);
 */
export function iamPolicy(kind: PolicyKind, options: IamPolicyOptions): PolicyDocument {
  const target = options.target ?? ANY_ACCOUNT;
  const reads = readOnlyStatements(options.rules);
  if (kind === 'read-only') return policyDocument(reads, target);
  if (kind === 'organization') return policyDocument([...reads, ...ORGANIZATION_SCAN_STATEMENTS], target);
  const wanted = new Set(options.rules.map((r) => r.remediation));
  const remediations = (options.remediations ?? [])
    .filter((r) => wanted.has(r.meta.id))
    .map((r) => ({ meta: r.meta, document: loadAutomationDocument(join(r.dir, 'document.yaml')) }));
  return policyDocument([...reads, ...remediationStatements(remediations)], target, options.enabled);
}

/** The length IAM counts against {@link MANAGED_POLICY_MAX_CHARACTERS}: the JSON without whitespace. */
export function policySize(document: PolicyDocument): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}

import type { IamStatement } from '../rule';

/**
 * Where the value of one document parameter comes from when Config (or the CLI) starts the remediation.
 * - `resourceId`: the non-compliant resource's id (Config's `RESOURCE_ID`).
 * - `ruleParameter`: the paired rule's parameter of that name, as Config's string form (e.g. "80,443"). The
 *   document passes it to its Lambda steps under the same name, so this is also the payload's rule-parameter map.
 * - `assumeRole`: the remediation's automation assume role ARN (deployment-specific).
 * - `lambda`: the name of this remediation's Lambda function (deployment-specific).
 * - `accountId`: the account id of the resource.
 * - `static`: a fixed value, or a stage parameter at deploy time (`default` here).
 */
export type ParameterSource =
  | { source: 'resourceId' }
  | { source: 'ruleParameter'; ruleParameter: string }
  | { source: 'assumeRole' }
  | { source: 'lambda' }
  | { source: 'accountId' }
  | { source: 'static'; default: string; stageParameter?: string };

/**
 * The one vocabulary of a remediation Lambda's `Mode` (the document passes it):
 * - `plan`: read the resource, decide, and return the exact changes the document's own API steps then make;
 * - `apply`: make the change itself (only where the document cannot: remove-root-access-keys' root session);
 * - `verify`: re-read the resource and re-evaluate it with the rule; fail unless it is compliant.
 */
export const REMEDIATION_MODES = ['plan', 'apply', 'verify'] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

type JsonType = 'string' | 'boolean' | 'number' | 'array' | 'null';

/**
 * JSON Schema of one payload field. The types say which JSON values are accepted: every accepted value reaches the
 * handler in Config's string form (`true` → `"true"`, `8` → `"8"`, `["a", "b"]` → `"a,b"`), and `null`, where the
 * type admits it, counts as absent.
 */
export interface PayloadField {
  type?: JsonType | readonly JsonType[];
  /** For `Mode`: the values it takes. */
  enum?: readonly (string | null)[];
  /** Applies to a string value; a boolean or number the type admits is not matched against it. */
  pattern?: string;
  items?: { type: 'string' };
  /** The value of an absent (or `null`) field. */
  default?: string;
  /** The expected form, as the error says it: `<field> must be <description>, got …`. Defaults to the enum. */
  description?: string;
}

/**
 * One IAM statement of a remediation's roles. `condition` is rendered with the same placeholders as the resources
 * (`${Partition}`, `${AccountId}`, `${Region}`, `${OrganizationId}`); `enabledBy` names a boolean stage parameter
 * without which the statement is not granted at all (sts:AssumeRoot: `rootCredentialsManagement`).
 */
export interface RemediationIamStatement extends IamStatement {
  condition?: Record<string, Record<string, string | string[]>>;
  enabledBy?: string;
}

/** The Lambda of a remediation: `handler.ts` beside `plan.ts`, the payload its document sends, its reads. */
export interface RemediationLambdaMetadata {
  handler: 'handler.ts';
  iam: RemediationIamStatement[];
  timeoutSeconds: number;
  /**
   * How the Lambda reaches an account other than its own (a member account's automation invoking the central
   * security account's Lambda through the member's alias). `executionRole` (the default): it reads that account
   * through the member's execution role, so in central mode it may assume it, and that role grants its `iam` reads.
   * `ownCredentials`: it acts with its own role wherever the target is (remove-root-access-keys: sts:AssumeRoot
   * from the management account), so it gets neither.
   */
  crossAccount?: 'executionRole' | 'ownCredentials';
  /** The modes the document's Lambda steps pass. */
  modes: RemediationMode[];
  /**
   * The payload's fields besides `Mode`, `AccountId` (always `{{ global:ACCOUNT_ID }}`), `DryRun` and the rule
   * parameters (every `ruleParameter` source of `parameters`, under the document parameter's name).
   */
  payload: { required?: string[]; properties: Record<string, PayloadField> };
  /** Payload fields naming accounts besides `AccountId`; the invocation must be entitled to each. */
  accountFields?: string[];
  /** A payload field naming the region to act in (default: the Lambda's own). */
  regionField?: string;
}

/** `remediations/<id>/remediation.json`. */
export interface RemediationMetadata {
  id: string;
  title: string;
  description: string;
  /** Rule ids this remediation restores. */
  rules: string[];
  /** SSM Automation document file in the folder (always `document.yaml`). */
  document: 'document.yaml';
  /** Every document parameter and where its value comes from. */
  parameters: Record<string, ParameterSource>;
  /** What the automation assume role needs (the document's own API calls). */
  iam: RemediationIamStatement[];
  /** Present when the document calls `aws:invokeLambdaFunction` with this folder's `handler.ts`. */
  lambda?: RemediationLambdaMetadata;
}

/** True when a function name or ARN names the Lambda of remediation `id` (`id` or `<prefix>-<id>`). */
export function isFunctionOf(functionName: string, id: string): boolean {
  const name = lambdaFunctionName(functionName);
  return name === id || name.endsWith(`-${id}`);
}

/** `my-fn`, `123456789012:function:my-fn` and `arn:…:function:my-fn[:alias]` → `my-fn`. */
export function lambdaFunctionName(functionName: string): string {
  const match = /(?:^|:)function:([^:]+)/.exec(functionName);
  return match ? (match[1] as string) : functionName;
}

/**
 * The payload fields that carry the paired rule's parameters: document parameter name → rule parameter name.
 * @example
 * ruleParameterFields(meta) // → { AuthorizedTcpPorts: 'authorizedTcpPorts', AllowIcmp: 'allowIcmp', … }
 */
export function ruleParameterFields(meta: RemediationMetadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, source] of Object.entries(meta.parameters))
    if (source.source === 'ruleParameter') out[name] = source.ruleParameter;
  return out;
}

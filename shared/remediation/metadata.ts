import type { RemediationMetadataSchema } from '../schemas/remediation';

/** `remediations/<id>/remediation.json`: its type is derived from its JSON Schema (`shared/schemas/remediation.ts`). */
export type RemediationMetadata = RemediationMetadataSchema;

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
export type ParameterSource = RemediationMetadata['parameters'][string];

/**
 * The one vocabulary of a remediation Lambda's `Mode` (the document passes it):
 * - `plan`: read the resource, decide, and return the exact changes the document's own API steps then make;
 * - `apply`: make the change itself (only where the document cannot: remove-root-access-keys' root session);
 * - `verify`: re-read the resource and re-evaluate it with the rule; fail unless it is compliant.
 */
export const REMEDIATION_MODES = ['plan', 'apply', 'verify'] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

/**
 * One IAM statement of a remediation's roles. `condition` is rendered with the same placeholders as the resources
 * (`${Partition}`, `${AccountId}`, `${Region}`, `${OrganizationId}`); `enabledBy` names a boolean stage parameter
 * without which the statement is not granted at all (sts:AssumeRoot: `rootCredentialsManagement`).
 */
export type RemediationIamStatement = RemediationMetadata['iam'][number];

/** The Lambda of a remediation: `handler.ts` beside `plan.ts`, the payload its document sends, its reads. */
export type RemediationLambdaMetadata = NonNullable<RemediationMetadata['lambda']>;

/**
 * JSON Schema of one payload field. The types say which JSON values are accepted: every accepted value reaches the
 * handler in Config's string form (`true` → `"true"`, `8` → `"8"`, `["a", "b"]` → `"a,b"`), and `null`, where the
 * type admits it, counts as absent.
 */
export type PayloadField = RemediationLambdaMetadata['payload']['properties'][string];

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

import type { IamStatement } from '../rule';

/**
 * Where the value of one document parameter comes from when Config (or the CLI) starts the remediation.
 * - `resourceId`: the non-compliant resource's id (Config's `RESOURCE_ID`).
 * - `ruleParameter`: the paired rule's parameter of that name, as Config's string form (e.g. "80,443").
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
  iam: IamStatement[];
  /** Present when the document calls `aws:invokeLambdaFunction` with this folder's `handler.ts`. */
  lambda?: {
    handler: 'handler.ts';
    iam: IamStatement[];
    timeoutSeconds: number;
    /**
     * How the Lambda reaches an account other than its own (a member account's automation invoking the central
     * security account's Lambda). `executionRole` (the default): it reads that account through the member's
     * execution role, so in central mode it may assume it, and that role grants its `iam` reads. `ownCredentials`:
     * it acts with its own role wherever the target is (remove-root-access-keys: sts:AssumeRoot from the
     * management account), so it gets neither.
     */
    crossAccount?: 'executionRole' | 'ownCredentials';
  };
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

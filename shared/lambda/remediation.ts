import { AwsClients } from '../aws/clients';
import { type TargetAccount, targetAccountResolver } from '../aws/target-account';
import { DeploymentConfigError } from '../errors';
import { logger } from '../logger';
import type { RemediationMetadata, RemediationMode } from '../remediation/metadata';
import { type Payload, payloadParserOf } from '../remediation/payload';

/** What the Lambda runtime passes besides the event (the part a remediation reads), or the local runner's. */
export interface InvocationContext {
  /** The ARN the caller invoked: a member alias proves the caller's account. */
  invokedFunctionArn?: string;
}

export interface RemediationLambdaSpec<F extends string, R> {
  /** remediation.json: the id, the payload schema, the modes, how other accounts are reached. */
  meta: RemediationMetadata;
  /** The payload fields the handler reads (each must be declared in remediation.json). */
  fields: readonly F[];
  /** One function per mode remediation.json declares; the account is reached, and checked, before it runs. */
  modes: Partial<Record<RemediationMode, (payload: Payload<F>, account: TargetAccount) => Promise<R>>>;
  /** Fields the log line carries besides the remediation, mode, account and dry run. */
  logFields?: (result: R) => Record<string, unknown>;
}

type Summarised = { Message: string } | { message: string };
const summary = (result: Summarised) => ('Message' in result ? result.Message : result.message);

/**
 * A remediation Lambda, wired from its remediation.json: parses the payload with the schema declared there, checks
 * that the invocation is entitled to every account the payload names and reaches that account through
 * {@link targetAccountResolver} (its own clients there, the member's execution role for a member's alias), runs the
 * payload's mode, logs one line with the result's message and returns the result. Nothing is read before the
 * account check. The resolver, and so the Lambda's own identity, is made once per handler: the deployed handler
 * builds one per container.
 * @throws DeploymentConfigError (at construction) when a declared mode has no function.
 * @example
 * export const createHandler = (clients?: (region: string) => AwsClients) =>
 *   remediationLambda(
 *     {
 *       meta,
 *       fields: ['BlockPublicAcls'] as const,
 *       modes: { plan: (payload, target) => plan(target, payload), verify: (payload, target) => verify(target, payload) },
 *     },
 *     clients,
 *   );
 */
export function remediationLambda<F extends string, R extends Summarised>(
  spec: RemediationLambdaSpec<F, R>,
  clients: (region: string) => AwsClients = (region) => new AwsClients({ region }),
): (raw: unknown, context?: InvocationContext) => Promise<R> {
  const lambda = spec.meta.lambda;
  const missing = (lambda?.modes ?? []).filter((m) => !spec.modes[m]);
  if (!lambda || missing.length > 0)
    throw new DeploymentConfigError(
      `Remediation ${spec.meta.id}: ${lambda ? `no function for mode(s) ${missing.join(', ')}` : 'no lambda in remediation.json'}.`,
    );
  const extra = [lambda.regionField, ...(lambda.accountFields ?? [])].filter((f): f is string => !!f);
  const parse = payloadParserOf(spec.meta, [...spec.fields, ...extra] as readonly (F | string)[]) as (
    raw: unknown,
  ) => Payload<F> & Readonly<Record<string, string>>;
  const resolve = targetAccountResolver(spec.meta.id, process.env, lambda.crossAccount ?? 'executionRole');
  return async (raw, context) => {
    const payload = parse(raw);
    const region =
      (lambda.regionField && payload[lambda.regionField]) || process.env.AWS_REGION || 'us-east-1';
    const target = await resolve(clients(region), {
      accountIds: [payload.AccountId, ...(lambda.accountFields ?? []).map((f) => payload[f] ?? '')],
      invokedFunctionArn: context?.invokedFunctionArn,
    });
    const run = spec.modes[payload.Mode] as (p: Payload<F>, t: TargetAccount) => Promise<R>;
    const result = await run(payload, target);
    logger.info(
      {
        remediation: spec.meta.id,
        mode: payload.Mode,
        accountId: payload.AccountId,
        dryRun: payload.DryRun,
        ...spec.logFields?.(result),
      },
      summary(result),
    );
    return result;
  };
}

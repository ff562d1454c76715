import { AwsClients } from '../aws/clients';
import { type TargetAccount, targetAccountResolver } from '../aws/target-account';
import { logger } from '../logger';

/** What every remediation Lambda that reads the account its automation runs in receives. */
export interface RemediationPayload {
  Mode: string;
  /** The account the automation runs in (`{{ global:ACCOUNT_ID }}`). */
  AccountId: string;
  DryRun?: boolean;
}

/** The account the automation runs in, reached at the first call (then the same for the whole invocation). */
export type AccountReach = () => Promise<TargetAccount>;

export interface RemediationLambdaSpec<P extends RemediationPayload, R> {
  /** The remediation id: the log's `remediation`, and the session name when an execution role is assumed. */
  id: string;
  parse: (raw: unknown) => P;
  /** One function per `Mode`. */
  modes: { [M in P['Mode']]: (payload: P, account: AccountReach) => Promise<R> };
  /**
   * `first` (the default): the account is reached before the mode runs, so a Lambda that cannot reach it fails
   * with that, whatever else is wrong. `onDemand`: only when the mode asks (a mode that can decide without reading).
   */
  reachAccount?: 'first' | 'onDemand';
  /** The region of the clients; empty or absent: the Lambda's own. */
  region?: (payload: P) => string | undefined;
  /** Fields the log line carries besides the remediation, mode, account and dry run. */
  logFields?: (result: R) => Record<string, unknown>;
}

type Summarised = { Message: string } | { message: string };
const summary = (result: Summarised) => ('Message' in result ? result.Message : result.message);

/**
 * A remediation Lambda: parses the payload, reaches the account the automation runs in through
 * {@link targetAccountResolver} (its own clients there, the execution role elsewhere), runs the payload's mode,
 * logs one line with the result's message and returns the result. The resolver, and so the Lambda's own identity,
 * is made once per handler: the deployed handler builds one per container.
 * @example
 * export const createHandler = (clients?: (region: string) => AwsClients) =>
 *   remediationLambda<BlockAccountPayload, BlockAccountResult>(
 *     {
 *       id: 'block-s3-account-public-access',
 *       parse: parsePayload,
 *       modes: {
 *         plan: async (payload, account) => plan((await account()).aws, payload),
 *         verify: async (payload, account) => verify((await account()).aws, payload),
 *       },
 *     },
 *     clients,
 *   );
 */
export function remediationLambda<P extends RemediationPayload, R extends Summarised>(
  spec: RemediationLambdaSpec<P, R>,
  clients: (region: string) => AwsClients = (region) => new AwsClients({ region }),
): (raw: unknown) => Promise<R> {
  const resolve = targetAccountResolver(spec.id);
  return async (raw) => {
    const payload = spec.parse(raw);
    const region = spec.region?.(payload) || process.env.AWS_REGION || 'us-east-1';
    let reached: Promise<TargetAccount> | undefined;
    const account: AccountReach = () => {
      reached ??= resolve(clients(region), payload.AccountId);
      return reached;
    };
    if (spec.reachAccount !== 'onDemand') await account();
    const result = await spec.modes[payload.Mode as P['Mode']](payload, account);
    logger.info(
      {
        remediation: spec.id,
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

import {
  type Evaluation as ConfigEvaluation,
  type ConfigServiceClient,
  PutEvaluationsCommand,
} from '@aws-sdk/client-config-service';
import { assumeRole } from '../aws/assume-role';
import { AwsClients } from '../aws/clients';
import { ConfigService } from '../aws/services/config';
import { KeptAnswers } from '../collectors/kept';
import { LiveReader } from '../collectors/live-reader';
import { parseConfigRuleEvent, ruleLocation, TEST_MODE_TOKEN } from '../config/event';
import type { Evaluation } from '../engine';
import { PartialEvaluationError, PutEvaluationsError } from '../errors';
import { logger } from '../logger';
import { ruleParameters } from '../params';
import type { AnyRule, Scope } from '../rule';
import { evaluateEvent } from './evaluate-event';

/** Config accepts at most 100 evaluations per PutEvaluations call. */
export const PUT_EVALUATIONS_BATCH = 100;
const PUT_RETRIES = 3;
/** Assumed-role clients are renewed when their credentials have less than this left. */
const ASSUMED_CREDENTIALS_MARGIN_MS = 5 * 60_000;

function toConfigEvaluation(e: Evaluation): ConfigEvaluation {
  return {
    ComplianceResourceType: e.complianceResourceType,
    ComplianceResourceId: e.complianceResourceId,
    ComplianceType: e.complianceType,
    Annotation: e.annotation,
    OrderingTimestamp: e.orderingTimestamp,
  };
}

/** The identity Config gives a rejected evaluation: its resource. */
const evaluationKey = (e: Pick<ConfigEvaluation, 'ComplianceResourceType' | 'ComplianceResourceId'>) =>
  `${e.ComplianceResourceType}|${e.ComplianceResourceId}`;

/**
 * Reports evaluations in batches of 100, each delivered exactly once or the invocation fails. Config names what it
 * rejected in `FailedEvaluations`; only those are sent again. A rejection that names no evaluation of the batch
 * cannot be placed, so the whole batch is sent again (PutEvaluations is idempotent: the same evaluation with the same
 * `OrderingTimestamp` replaces itself, which also makes the SDK's own retries of a lost answer harmless). Whatever
 * Config still rejects after the retries raises, so the Lambda invocation fails and Config retries it: nothing is
 * silently lost.
 * @returns the number of PutEvaluations calls made.
 * @throws PutEvaluationsError naming the evaluations Config kept rejecting (or the rejections it could not place).
 * @example
 * await putEvaluations(aws.get(ConfigService), outcome.evaluations, event.resultToken); // 250 evaluations → 3 calls
 */
export async function putEvaluations(
  config: ConfigServiceClient,
  evaluations: readonly Evaluation[],
  resultToken: string,
  retryDelayMs = 500,
): Promise<number> {
  const testMode = resultToken === TEST_MODE_TOKEN;
  let calls = 0;
  for (let i = 0; i < evaluations.length; i += PUT_EVALUATIONS_BATCH) {
    let pending = evaluations.slice(i, i + PUT_EVALUATIONS_BATCH).map(toConfigEvaluation);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, retryDelayMs * 2 ** (attempt - 1)));
      const out = await config.send(
        new PutEvaluationsCommand({
          Evaluations: pending,
          ResultToken: resultToken,
          ...(testMode ? { TestMode: true } : {}),
        }),
      );
      calls++;
      const failed = out.FailedEvaluations ?? [];
      if (failed.length === 0) break;
      const sent = new Set(pending.map(evaluationKey));
      const unplaced = failed.filter((f) => !sent.has(evaluationKey(f)));
      if (attempt >= PUT_RETRIES)
        throw new PutEvaluationsError(
          failed.map((f) => ({
            complianceResourceId: f.ComplianceResourceId,
            complianceResourceType: f.ComplianceResourceType,
          })),
        );
      if (unplaced.length > 0) {
        logger.warn(
          { unplaced: unplaced.length, batch: pending.length },
          'PutEvaluations rejected evaluations it did not receive; sending the whole batch again',
        );
        continue;
      }
      const failedKeys = new Set(failed.map(evaluationKey));
      pending = pending.filter((e) => failedKeys.has(evaluationKey(e)));
    }
  }
  return calls;
}

/**
 * Clients holding the credentials of `executionRoleName` in the evaluated account (central security-account mode).
 * @example
 * const member = await assumeExecutionRole(aws, 'aws', '210987654321', 'RebaselineExecution', rule.meta.id);
 * await member.get(EC2).send(new DescribeSecurityGroupsCommand({})); // reads the member account
 */
export async function assumeExecutionRole(
  aws: AwsClients,
  partition: string,
  accountId: string,
  roleName: string,
  ruleId: string,
): Promise<AwsClients> {
  return assumeRole(
    aws,
    `arn:${partition}:iam::${accountId}:role/${roleName}`,
    `rebaseline-${ruleId}`,
    process.env.EXECUTION_ROLE_EXTERNAL_ID || undefined,
  );
}

export interface HandlerOptions {
  /** Client factory for the rule's region (tests and emulators inject endpoints here). */
  clients?: (region: string) => AwsClients;
  now?: () => Date;
  putRetryDelayMs?: number;
  /** The answers kept across warm invocations (prefix-list entries; tests give one with their own clock). */
  kept?: KeptAnswers;
}

export interface HandlerResult {
  rule: string;
  messageType: string;
  evaluations: number;
  putEvaluationsCalls: number;
  byCompliance: Record<string, number>;
}

/**
 * Builds the Lambda handler of a rule. Every rule's `handler.ts` is one line:
 * @example
 * export const handler = createConfigRuleHandler(rule);
 */
export function createConfigRuleHandler(rule: AnyRule, options: HandlerOptions = {}) {
  // Clients live as long as the Lambda container: building SDK clients costs more than the evaluation itself, and
  // warm invocations keep their connections. Assumed-role clients are reused until shortly before they expire, and
  // the answers a reader part declares `keep` for (prefix-list entries) for a few minutes (collectors/kept.ts). The parameters of each parameter text are parsed once
  // (shared/params.ts).
  const regional = new Map<string, AwsClients>();
  const assumed = new Map<string, AwsClients>();
  const kept = options.kept ?? new KeptAnswers();
  const clientsFor = (region: string) => {
    let aws = regional.get(region);
    if (!aws) {
      aws = options.clients?.(region) ?? new AwsClients({ region });
      regional.set(region, aws);
    }
    return aws;
  };
  const memberClients = async (region: string, partition: string, accountId: string, roleName: string) => {
    const key = `${region}|${partition}|${accountId}|${roleName}`;
    const cached = assumed.get(key);
    const expiration = (cached?.options.credentials as { expiration?: Date } | undefined)?.expiration;
    if (cached && expiration && expiration.getTime() - Date.now() > ASSUMED_CREDENTIALS_MARGIN_MS)
      return cached;
    const aws = await assumeExecutionRole(clientsFor(region), partition, accountId, roleName, rule.meta.id);
    assumed.set(key, aws);
    return aws;
  };
  return async (rawEvent: unknown): Promise<HandlerResult> => {
    const event = parseConfigRuleEvent(rawEvent);
    const params = ruleParameters(rule, event.ruleParameters);
    const { partition, region } = ruleLocation(event, process.env.AWS_REGION ?? 'us-east-1');
    const aws = params.executionRoleName
      ? await memberClients(region, partition, event.accountId, params.executionRoleName)
      : clientsFor(region);
    const scope: Scope = {
      accountId: event.accountId,
      region,
      partition,
      // The notification time, not the wall clock: a replayed or retried event evaluates the same way.
      now: options.now?.() ?? event.invokingEvent.notificationCreationTime ?? new Date(),
    };
    const config = aws.get(ConfigService);
    const reader = new LiveReader(aws, event.accountId, rule.reads, undefined, kept);
    const outcome = await evaluateEvent(rule, event, params, scope, { reader, config });
    const calls = await putEvaluations(
      config,
      outcome.evaluations,
      event.resultToken,
      options.putRetryDelayMs,
    );
    const byCompliance: Record<string, number> = {};
    for (const e of outcome.evaluations)
      byCompliance[e.complianceType] = (byCompliance[e.complianceType] ?? 0) + 1;
    const result: HandlerResult = {
      rule: rule.meta.id,
      messageType: event.invokingEvent.messageType,
      evaluations: outcome.evaluations.length,
      putEvaluationsCalls: calls,
      byCompliance,
    };
    logger.info({ ...result, accountId: event.accountId, failures: outcome.failures.length }, 'evaluated');
    if (outcome.failures.length > 0) {
      for (const f of outcome.failures) logger.error({ err: f }, 'resource not evaluated');
      throw new PartialEvaluationError(outcome.failures);
    }
    return result;
  };
}

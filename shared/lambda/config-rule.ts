import {
  type Evaluation as ConfigEvaluation,
  type ConfigServiceClient,
  GetResourceConfigHistoryCommand,
  PutEvaluationsCommand,
  paginateGetComplianceDetailsByConfigRule,
} from '@aws-sdk/client-config-service';
import { assumeRole } from '../aws/assume-role';
import { AwsClients } from '../aws/clients';
import { ConfigService } from '../aws/services/config';
import { KeptAnswers } from '../collectors/kept';
import { LiveReader } from '../collectors/live-reader';
import type { Reader } from '../collectors/reader';
import {
  type ConfigurationItem,
  DELETED_STATUSES,
  GONE_STATUSES,
  normaliseConfigurationItem,
} from '../config/configuration-item';
import { type ConfigRuleEvent, parseConfigRuleEvent, ruleLocation, TEST_MODE_TOKEN } from '../config/event';
import { type Evaluation, evaluateModels, type RuleOutcome, toEvaluation } from '../engine';
import {
  CollectionError,
  InsufficientDataError,
  MalformedEventError,
  PartialEvaluationError,
  PutEvaluationsError,
} from '../errors';
import { logger } from '../logger';
import { type CommonParameters, ruleParameters } from '../params';
import {
  ACCOUNT_RESOURCE_TYPE,
  type AnyRule,
  type DeletedResource,
  type ResourceModel,
  type Scope,
} from '../rule';

/** Config accepts at most 100 evaluations per PutEvaluations call. */
export const PUT_EVALUATIONS_BATCH = 100;
const PUT_RETRIES = 3;
/** Assumed-role clients are renewed when their credentials have less than this left. */
const ASSUMED_CREDENTIALS_MARGIN_MS = 5 * 60_000;

export interface EventDeps {
  reader: Reader;
  /** Needed for oversized items and for periodic clean-up; absent offline. */
  config?: ConfigServiceClient;
}

async function fetchOversizedItem(
  config: ConfigServiceClient,
  resourceType: string,
  resourceId: string,
  at: Date,
) {
  let nextToken: string | undefined;
  // Config may return an empty page with a nextToken: keep paging until an item arrives.
  for (let page = 0; page < 20; page++) {
    const out = await config.send(
      new GetResourceConfigHistoryCommand({
        resourceType: resourceType as never,
        resourceId,
        laterTime: at,
        limit: 1,
        nextToken,
      }),
    );
    const item = out.configurationItems?.[0];
    if (item) return item;
    nextToken = out.nextToken;
    if (!nextToken) break;
  }
  throw new InsufficientDataError(
    `Config has no configuration item for ${resourceType} ${resourceId} at ${at.toISOString()}.`,
  );
}

/** Resources this rule reported before that the periodic run no longer found: NOT_APPLICABLE. */
async function vanishedResources(
  config: ConfigServiceClient,
  ruleName: string,
  resourceType: string,
  present: ReadonlySet<string>,
  timestamp: Date,
): Promise<Evaluation[]> {
  const gone: Evaluation[] = [];
  for await (const page of paginateGetComplianceDetailsByConfigRule(
    { client: config },
    // The API's default page is 10 results; at organisation scale that is ten times the calls (and throttling).
    { ConfigRuleName: ruleName, ComplianceTypes: ['COMPLIANT', 'NON_COMPLIANT'], Limit: 100 },
  )) {
    for (const result of page.EvaluationResults ?? []) {
      const q = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
      if (!q?.ResourceId || q.ResourceType !== resourceType || present.has(q.ResourceId)) continue;
      gone.push(
        toEvaluation(
          { resourceType, resourceId: q.ResourceId },
          { complianceType: 'NOT_APPLICABLE', annotation: 'The resource no longer exists.' },
          timestamp,
        ),
      );
    }
  }
  return gone;
}

/**
 * The protocol of a custom Config rule, independent of how AWS is reached: evaluates one invoking event.
 * Change → the item (deleted / not recorded / left scope / out of scope → NOT_APPLICABLE); oversized → the item
 * fetched from history; scheduled → every collected resource, plus NOT_APPLICABLE for resources that vanished.
 * @example
 * const { evaluations, failures } = await evaluateEvent(rule, event, params, scope, { reader, config });
 */
export async function evaluateEvent(
  rule: AnyRule,
  event: ConfigRuleEvent,
  params: CommonParameters,
  scope: Scope,
  deps: EventDeps,
): Promise<RuleOutcome> {
  const inv = event.invokingEvent;
  if (inv.messageType === 'ScheduledNotification') {
    const periodic = rule.meta.trigger.periodic;
    if (!periodic || !rule.collect) return { evaluations: [], failures: [] };
    const timestamp = inv.notificationCreationTime;
    const items = await rule.collect(deps.reader, scope, params);
    const outcome = await evaluateModels(rule, items, params, deps.reader, scope, timestamp);
    if (periodic.resourceType !== ACCOUNT_RESOURCE_TYPE && deps.config) {
      const present = new Set(items.map((i) => i.resourceId));
      outcome.evaluations.push(
        ...(await vanishedResources(
          deps.config,
          event.configRuleName,
          periodic.resourceType,
          present,
          timestamp,
        )),
      );
    }
    return outcome;
  }

  let ci: ConfigurationItem | undefined;
  let summary: ChangeSummary;
  if (inv.messageType === 'OversizedConfigurationItemChangeNotification') {
    const s = inv.configurationItemSummary;
    summary = {
      resourceType: s.resourceType,
      resourceId: s.resourceId,
      accountId: s.accountId,
      region: s.awsRegion ?? scope.region,
      status: s.configurationItemStatus,
      captureTime: s.captureTime,
    };
  } else {
    ci = normaliseConfigurationItem(inv.configurationItem);
    summary = {
      resourceType: ci.resourceType,
      resourceId: ci.resourceId,
      accountId: ci.accountId,
      region: ci.awsRegion || scope.region,
      status: ci.configurationItemStatus,
      captureTime: ci.captureTime,
    };
  }
  if (event.eventLeftScope) return notApplicable(summary, 'The resource left the rule scope.');
  const changeTypes = rule.meta.trigger.configurationChange?.resourceTypes ?? [];
  const inScope = changeTypes.includes(summary.resourceType);
  if (GONE_STATUSES.has(summary.status)) {
    // Deleting some resources is itself the drift (account-level Block Public Access): the rule says so.
    if (inScope && rule.fromDeletedItem && DELETED_STATUSES.has(summary.status))
      return evaluateModels(
        rule,
        [rule.fromDeletedItem(summary)],
        params,
        deps.reader,
        scope,
        summary.captureTime,
      );
    return notApplicable(summary, `The resource is ${summary.status}.`);
  }
  if (!inScope || !rule.fromConfigurationItem)
    return notApplicable(summary, `${summary.resourceType} is not evaluated by ${rule.meta.id}.`);
  if (ci === undefined) {
    if (!deps.config)
      throw new MalformedEventError(
        'An oversized configuration item can only be fetched from AWS Config, not offline.',
      );
    ci = normaliseConfigurationItem(
      await fetchOversizedItem(deps.config, summary.resourceType, summary.resourceId, summary.captureTime),
    );
    if (GONE_STATUSES.has(ci.configurationItemStatus))
      return notApplicable(summary, `The resource is ${ci.configurationItemStatus}.`);
  }
  let model: ResourceModel | CollectionError;
  try {
    model = rule.fromConfigurationItem(ci);
  } catch (error) {
    // An item the model cannot be built from (an unreadable policy, say) is never reported: Config retries.
    model =
      error instanceof CollectionError
        ? error
        : new CollectionError(ci.resourceType, ci.resourceId, (error as Error)?.message ?? String(error), {
            cause: error,
          });
  }
  return evaluateModels(rule, [model], params, deps.reader, scope, ci.captureTime);
}

/** What a change notification says about the resource, before its model is built. */
type ChangeSummary = DeletedResource & { status: string; captureTime: Date };

/** The one NOT_APPLICABLE evaluation of a change notification's resource. */
function notApplicable(summary: ChangeSummary, annotation: string): RuleOutcome {
  return {
    evaluations: [
      toEvaluation(summary, { complianceType: 'NOT_APPLICABLE', annotation }, summary.captureTime),
    ],
    failures: [],
  };
}

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

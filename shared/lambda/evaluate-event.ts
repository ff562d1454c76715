import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { Reader } from '../collectors/reader';
import {
  type ConfigurationItem,
  DELETED_STATUSES,
  GONE_STATUSES,
  normaliseConfigurationItem,
} from '../config/configuration-item';
import type { ConfigRuleEvent } from '../config/event';
import { type Evaluation, evaluateModels, type RuleOutcome, toEvaluation } from '../engine';
import { CollectionError, InsufficientDataError, MalformedEventError } from '../errors';
import type { CommonParameters } from '../params';
import {
  ACCOUNT_RESOURCE_TYPE,
  type AnyRule,
  type DeletedResource,
  type ResourceModel,
  type Scope,
} from '../rule';

/**
 * The Config SDK module, loaded on the first call that needs it (an oversized item, the periodic clean-up) and kept:
 * an offline evaluation (`rebaseline evaluate`) never loads it, and a Lambda, which has it already for
 * PutEvaluations, loads it once.
 */
let configSdk: Promise<typeof import('@aws-sdk/client-config-service')> | undefined;
const loadConfigSdk = () =>
  (configSdk ??= import('@aws-sdk/client-config-service').catch((error: unknown) => {
    configSdk = undefined;
    throw error;
  }));

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
  const { GetResourceConfigHistoryCommand } = await loadConfigSdk();
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
  const { paginateGetComplianceDetailsByConfigRule } = await loadConfigSdk();
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

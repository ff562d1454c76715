import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { Reader } from '../collectors/reader';
import {
  type ConfigurationItem,
  DELETED_STATUSES,
  GONE_STATUSES,
  normaliseConfigurationItem,
} from '../config/configuration-item';
import type { ConfigRuleEvent } from '../config/event';
import { evaluateModels, type RuleOutcome, toEvaluation } from '../engine';
import { CollectionError, MalformedEventError } from '../errors';
import { onceResolved } from '../once';
import type { CommonParameters } from '../params';
import {
  ACCOUNT_RESOURCE_TYPE,
  type AnyRule,
  type DeletedResource,
  type ResourceModel,
  type Scope,
} from '../rule';

/**
 * The Config calls of the protocol (an oversized item's history, the periodic clean-up), loaded on the first call
 * that needs them and kept: an offline evaluation (`rebaseline evaluate`) never loads the Config SDK.
 */
const loadConfigCalls = onceResolved(() => import('./config-history.js'));

export interface EventDeps {
  reader: Reader;
  /** Needed for oversized items and for periodic clean-up; absent offline. */
  config?: ConfigServiceClient;
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
        ...(await (
          await loadConfigCalls()
        ).vanishedResources(deps.config, event.configRuleName, periodic.resourceType, present, timestamp)),
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
      await (await loadConfigCalls()).fetchOversizedItem(
        deps.config,
        summary.resourceType,
        summary.resourceId,
        summary.captureTime,
      ),
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

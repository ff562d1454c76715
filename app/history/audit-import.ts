import {
  type AggregateEvaluationResult,
  type ConfigRule,
  type ConfigurationItem,
  DescribeAggregateComplianceByConfigRulesCommand,
  DescribeConfigRulesCommand,
  DescribeRemediationConfigurationsCommand,
  DescribeRemediationExecutionStatusCommand,
  type EvaluationResult,
  GetAggregateComplianceDetailsByConfigRuleCommand,
  GetComplianceDetailsByConfigRuleCommand,
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
  type RemediationConfiguration,
  type RemediationExecutionStatus,
} from '@aws-sdk/client-config-service';
import type { AwsClients } from '../../shared/aws/clients';
import { ConfigService } from '../../shared/aws/services/config';
import { parseMaybeJson } from '../../shared/config/configuration-item';
import type { ComplianceType } from '../../shared/rule';
import { type EvaluationInput, type HistoryStore, type RemediationInput, toIso, VERDICTS } from './store';

/** The configuration item type in which Config records every compliance change of a resource. */
export const RESOURCE_COMPLIANCE = 'AWS::Config::ResourceCompliance';

export interface AuditImportOptions {
  /** Compliance history and remediation executions from this time on (current compliance is always imported). */
  since?: Date;
  /** Read an organization's compliance through this configuration aggregator instead of one account. */
  aggregator?: string;
  /** Only these Config rules (by Config rule name, or by the rebaseline rule id they deploy). */
  rules?: readonly string[];
  /** rebaseline's rule ids: a Config rule named `<prefix>-<id>` is recorded under `<id>`. */
  knownRuleIds?: readonly string[];
  /** Recorded as the run's arguments. */
  args?: readonly string[] | Record<string, unknown>;
  /** Progress lines (stderr in the CLI). */
  onProgress?: (message: string) => void;
}

export interface AuditImportResult {
  runId: number;
  rules: number;
  evaluations: { inserted: number; skipped: number };
  complianceHistoryItems: number;
  remediations: { inserted: number; updated: number };
  warnings: string[];
}

/** `arn:aws:config:us-east-1:123456789012:config-rule/…` → its region and account. */
function arnLocation(arn: string | undefined): { region: string; account: string } | undefined {
  const parts = arn?.split(':');
  return parts && parts.length >= 6 && parts[3] && parts[4]
    ? { region: parts[3], account: parts[4] }
    : undefined;
}

/** The rebaseline rule id a Config rule name deploys (`rebaseline-prod-<id>` → `<id>`), else the name itself. */
export function ruleIdOf(configRuleName: string, knownRuleIds: readonly string[] = []): string {
  return (
    knownRuleIds.find((id) => configRuleName === id || configRuleName.endsWith(`-${id}`)) ?? configRuleName
  );
}

function verdictOf(value: unknown): ComplianceType | undefined {
  return VERDICTS.includes(value as ComplianceType) ? (value as ComplianceType) : undefined;
}

/** Config's remediation states in SSM's vocabulary (the one the local runner and the store use). */
const STATE_TO_STATUS: Record<string, string> = {
  SUCCEEDED: 'Success',
  FAILED: 'Failed',
  IN_PROGRESS: 'InProgress',
  QUEUED: 'Pending',
  PENDING: 'Pending',
  EXITED: 'Cancelled',
  UNKNOWN: 'Unknown',
};
const statusOf = (state: string | undefined) => (state ? (STATE_TO_STATUS[state] ?? state) : 'Unknown');

async function* pages<T extends { NextToken?: string; nextToken?: string }>(
  fetch: (token: string | undefined) => Promise<T>,
): AsyncGenerator<T> {
  let token: string | undefined;
  do {
    const page = await fetch(token);
    yield page;
    token = page.NextToken ?? page.nextToken;
  } while (token);
}

export interface RuleRef {
  name: string;
  ruleId: string;
  account: string;
  region: string;
}

/** A document parameter as Config passes it: the resource id, or static values. */
function parametersOf(config: RemediationConfiguration, resourceId: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(config.Parameters ?? {})) {
    if (value.ResourceValue?.Value === 'RESOURCE_ID') out[name] = resourceId;
    else if (value.StaticValue?.Values) out[name] = value.StaticValue.Values;
  }
  return out;
}

/**
 * Imports AWS Config's own history into the store, idempotently (every record has a stable external id, so
 * importing again adds only what is new and updates remediations that were still running):
 * - one account: the current result of every rule (`GetComplianceDetailsByConfigRule`, rules from
 *   `DescribeConfigRules`), every compliance change Config recorded as an `AWS::Config::ResourceCompliance`
 *   configuration item (`ListDiscoveredResources` + `GetResourceConfigHistory`), and remediation executions
 *   (`DescribeRemediationConfigurations` for the document and whether it is automatic,
 *   `DescribeRemediationExecutionStatus` for the executions);
 * - an organization (`aggregator`): the current result of every rule in every account and region
 *   (`DescribeAggregateComplianceByConfigRules` + `GetAggregateComplianceDetailsByConfigRule`). Config has no
 *   aggregated compliance history nor remediation status: import each account for those.
 *
 * @example
 * const result = await importConfigHistory(store, new AwsClients({ region: 'eu-west-1' }), { since: parseSince('90d') });
 * console.log(`${result.evaluations.inserted} evaluations imported`);
 */
export async function importConfigHistory(
  store: HistoryStore,
  aws: AwsClients,
  options: AuditImportOptions = {},
): Promise<AuditImportResult> {
  const runId = store.beginRun({
    kind: 'import',
    source: 'aws-config',
    region: aws.region,
    args: options.args ?? (options.aggregator ? ['--aggregator', options.aggregator] : []),
  });
  const result: AuditImportResult = {
    runId,
    rules: 0,
    evaluations: { inserted: 0, skipped: 0 },
    complianceHistoryItems: 0,
    remediations: { inserted: 0, updated: 0 },
    warnings: [],
  };
  const recordEvaluations = (rows: EvaluationInput[]) => {
    const r = store.recordEvaluations(runId, rows);
    result.evaluations.inserted += r.inserted;
    result.evaluations.skipped += r.skipped;
  };
  try {
    if (options.aggregator)
      await importAggregate(aws, options, options.aggregator, result, recordEvaluations);
    else await importAccount(store, aws, options, result, recordEvaluations);
    store.endRun(runId, 'succeeded', { ...result, runId: undefined });
    return result;
  } catch (error) {
    store.endRun(runId, 'failed', {
      ...result,
      runId: undefined,
      error: (error as Error)?.message ?? String(error),
    });
    throw error;
  }
}

function selected(name: string, options: AuditImportOptions): boolean {
  if (!options.rules?.length) return true;
  return options.rules.includes(name) || options.rules.includes(ruleIdOf(name, options.knownRuleIds));
}

function evaluationFromResult(
  rule: RuleRef,
  r: EvaluationResult | AggregateEvaluationResult,
  account: string,
  region: string,
): EvaluationInput | undefined {
  const q = r.EvaluationResultIdentifier?.EvaluationResultQualifier;
  const verdict = verdictOf(r.ComplianceType);
  // The time Config recorded the result: when it knew; the ordering timestamp is the triggering event's.
  const at =
    r.ResultRecordedTime ?? r.ConfigRuleInvokedTime ?? r.EvaluationResultIdentifier?.OrderingTimestamp;
  if (!q?.ResourceType || !q.ResourceId || !verdict || !at) return undefined;
  return importedEvaluation(
    rule,
    account,
    region,
    q.ResourceType,
    q.ResourceId,
    verdict,
    toIso(at, 'ResultRecordedTime'),
    r.Annotation,
  );
}

/**
 * An evaluation imported from Config. Its external id is the same whichever API reported it (compliance details or
 * a ResourceCompliance item), so the same verdict seen twice is stored once.
 */
function importedEvaluation(
  rule: RuleRef,
  account: string,
  region: string,
  resourceType: string,
  resourceId: string,
  verdict: ComplianceType,
  evaluatedAt: string,
  annotation?: string,
): EvaluationInput {
  return {
    ruleId: rule.ruleId,
    account,
    region,
    resourceType,
    resourceId,
    verdict,
    ...(annotation ? { annotation } : {}),
    evaluatedAt,
    externalId: [
      'aws-config',
      'evaluation',
      account,
      region,
      rule.name,
      resourceType,
      resourceId,
      evaluatedAt,
      verdict,
    ].join('|'),
  };
}

async function importAccount(
  store: HistoryStore,
  aws: AwsClients,
  options: AuditImportOptions,
  result: AuditImportResult,
  recordEvaluations: (rows: EvaluationInput[]) => void,
): Promise<void> {
  const config = aws.get(ConfigService);
  const progress = options.onProgress ?? (() => {});
  const rules: RuleRef[] = [];
  for await (const page of pages((NextToken) => config.send(new DescribeConfigRulesCommand({ NextToken })))) {
    for (const rule of page.ConfigRules ?? ([] as ConfigRule[])) {
      if (!rule.ConfigRuleName || !selected(rule.ConfigRuleName, options)) continue;
      const location = arnLocation(rule.ConfigRuleArn);
      if (!location) {
        result.warnings.push(`Config rule ${rule.ConfigRuleName} has no ARN to tell its account; skipped.`);
        continue;
      }
      rules.push({
        name: rule.ConfigRuleName,
        ruleId: ruleIdOf(rule.ConfigRuleName, options.knownRuleIds),
        ...location,
      });
    }
  }
  result.rules = rules.length;
  if (rules.length === 0) {
    result.warnings.push(
      `No Config rules${options.rules?.length ? ` named ${options.rules.join(', ')}` : ''} in ${aws.region}.`,
    );
    return;
  }

  for (const rule of rules) {
    progress(`Compliance of ${rule.name}…`);
    for await (const page of pages((NextToken) =>
      config.send(
        new GetComplianceDetailsByConfigRuleCommand({
          ConfigRuleName: rule.name,
          ComplianceTypes: ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE'],
          Limit: 100,
          NextToken,
        }),
      ),
    ))
      recordEvaluations(
        (page.EvaluationResults ?? [])
          .map((r) => evaluationFromResult(rule, r, rule.account, rule.region))
          .filter((r): r is EvaluationInput => r !== undefined),
      );
  }

  await importComplianceHistory(aws, options, rules, result, recordEvaluations);
  await importRemediations(store, aws, options, rules, result);
}

/**
 * Every compliance change of every resource: one `AWS::Config::ResourceCompliance` item per change, whose
 * configuration lists each rule's verdict for the target resource at that time.
 */
async function importComplianceHistory(
  aws: AwsClients,
  options: AuditImportOptions,
  rules: readonly RuleRef[],
  result: AuditImportResult,
  recordEvaluations: (rows: EvaluationInput[]) => void,
): Promise<void> {
  const config = aws.get(ConfigService);
  const byName = new Map(rules.map((r) => [r.name, r]));
  const ids: string[] = [];
  for await (const page of pages((nextToken) =>
    config.send(
      new ListDiscoveredResourcesCommand({
        resourceType: RESOURCE_COMPLIANCE,
        includeDeletedResources: true,
        limit: 100,
        nextToken,
      }),
    ),
  ))
    for (const r of page.resourceIdentifiers ?? []) if (r.resourceId) ids.push(r.resourceId);
  if (ids.length === 0) {
    result.warnings.push(
      `${RESOURCE_COMPLIANCE} is not recorded in ${aws.region}: only current compliance was imported (record that type to keep compliance history).`,
    );
    return;
  }
  options.onProgress?.(`Compliance history of ${ids.length} resources…`);
  for (const id of ids) {
    let previousRules: string[] = [];
    for await (const page of pages((nextToken) =>
      config.send(
        new GetResourceConfigHistoryCommand({
          resourceType: RESOURCE_COMPLIANCE,
          resourceId: id,
          chronologicalOrder: 'Forward',
          ...(options.since ? { earlierTime: options.since } : {}),
          limit: 100,
          nextToken,
        }),
      ),
    )) {
      const rows: EvaluationInput[] = [];
      for (const item of page.configurationItems ?? []) {
        result.complianceHistoryItems++;
        const { evaluations, ruleNames } = evaluationsOfComplianceItem(item, byName, previousRules);
        rows.push(...evaluations);
        previousRules = ruleNames;
      }
      recordEvaluations(rows);
    }
  }
}

interface ComplianceItemConfiguration {
  complianceType?: string;
  targetResourceId?: string;
  targetResourceType?: string;
  configRuleList?: { configRuleName?: string; configRuleArn?: string; complianceType?: string }[];
}

/**
 * The evaluations one `AWS::Config::ResourceCompliance` item records: each listed rule's verdict for the
 * target resource at capture time. A deleted item ends every rule the previous item listed (NOT_APPLICABLE).
 */
export function evaluationsOfComplianceItem(
  item: ConfigurationItem,
  rules: ReadonlyMap<string, RuleRef>,
  previousRules: readonly string[] = [],
): { evaluations: EvaluationInput[]; ruleNames: string[] } {
  const configuration = (parseMaybeJson(item.configuration) ?? {}) as ComplianceItemConfiguration;
  const type = configuration.targetResourceType;
  const id = configuration.targetResourceId;
  const at = item.configurationItemCaptureTime;
  if (!type || !id || !at) return { evaluations: [], ruleNames: [...previousRules] };
  const evaluatedAt = toIso(at, 'configurationItemCaptureTime');
  const deleted = item.configurationItemStatus?.startsWith('ResourceDeleted') ?? false;
  const entries = deleted
    ? previousRules.map((configRuleName) => ({ configRuleName, complianceType: 'NOT_APPLICABLE' }))
    : (configuration.configRuleList ?? []);
  const evaluations: EvaluationInput[] = [];
  for (const entry of entries) {
    const rule = entry.configRuleName ? rules.get(entry.configRuleName) : undefined;
    const verdict = verdictOf(entry.complianceType);
    if (!rule || !verdict) continue;
    evaluations.push(
      importedEvaluation(
        rule,
        item.accountId ?? rule.account,
        item.awsRegion ?? rule.region,
        type,
        id,
        verdict,
        evaluatedAt,
      ),
    );
  }
  const ruleNames = deleted
    ? []
    : (configuration.configRuleList ?? []).flatMap((r) => (r.configRuleName ? [r.configRuleName] : []));
  return { evaluations, ruleNames };
}

async function importRemediations(
  store: HistoryStore,
  aws: AwsClients,
  options: AuditImportOptions,
  rules: readonly RuleRef[],
  result: AuditImportResult,
): Promise<void> {
  const config = aws.get(ConfigService);
  const configurations = new Map<string, RemediationConfiguration>();
  // DescribeRemediationConfigurations takes at most 25 rule names per call.
  for (let i = 0; i < rules.length; i += 25) {
    const page = await config.send(
      new DescribeRemediationConfigurationsCommand({
        ConfigRuleNames: rules.slice(i, i + 25).map((r) => r.name),
      }),
    );
    for (const c of page.RemediationConfigurations ?? [])
      if (c.ConfigRuleName) configurations.set(c.ConfigRuleName, c);
  }
  const since = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  for (const rule of rules) {
    const remediation = configurations.get(rule.name);
    if (!remediation) continue;
    options.onProgress?.(`Remediation executions of ${rule.name}…`);
    for await (const page of pages((NextToken) =>
      config.send(new DescribeRemediationExecutionStatusCommand({ ConfigRuleName: rule.name, NextToken })),
    )) {
      const executions = (page.RemediationExecutionStatuses ?? [])
        .filter((s) => s.InvocationTime && s.InvocationTime.getTime() >= since)
        .map((s) => remediationOf(rule, remediation, s))
        .filter((x): x is RemediationInput => x !== undefined);
      if (executions.length === 0) continue;
      const r = store.recordRemediations(result.runId, executions);
      result.remediations.inserted += r.inserted;
      result.remediations.updated += r.updated;
    }
  }
}

function remediationOf(
  rule: RuleRef,
  remediation: RemediationConfiguration,
  status: RemediationExecutionStatus,
): RemediationInput | undefined {
  const resourceType = status.ResourceKey?.resourceType;
  const resourceId = status.ResourceKey?.resourceId;
  if (!resourceType || !resourceId || !status.InvocationTime) return undefined;
  const startedAt = toIso(status.InvocationTime, 'InvocationTime');
  const key = [
    'aws-config',
    'remediation',
    rule.account,
    rule.region,
    rule.name,
    resourceType,
    resourceId,
    startedAt,
  ];
  const state = statusOf(status.State);
  const finished = status.State === 'SUCCEEDED' || status.State === 'FAILED';
  const failed = (status.StepDetails ?? []).find((s) => s.ErrorMessage);
  return {
    // DescribeRemediationExecutionStatus does not return the SSM execution id: this identity stands in for it.
    executionId: key.slice(4).join('|'),
    documentName: remediation.TargetId ?? 'unknown',
    status: state,
    dryRun: false,
    parameters: parametersOf(remediation, resourceId),
    steps: (status.StepDetails ?? []).map((s) => ({
      name: s.Name ?? 'unnamed',
      // Config does not say which action a step ran.
      action: 'unknown',
      status: statusOf(s.State),
      ...(s.StartTime ? { startedAt: s.StartTime } : {}),
      ...(s.StopTime ? { endedAt: s.StopTime } : {}),
      ...(s.ErrorMessage ? { failureMessage: s.ErrorMessage } : {}),
    })),
    ...(failed?.ErrorMessage ? { failureMessage: failed.ErrorMessage } : {}),
    startedAt,
    ...(finished && status.LastUpdatedTime ? { endedAt: status.LastUpdatedTime } : {}),
    ruleId: rule.ruleId,
    resourceType,
    resourceId,
    account: rule.account,
    region: rule.region,
    // Config does not tell an automatic execution from one started with StartRemediationExecution: the
    // remediation's configuration decides.
    trigger: remediation.Automatic ? 'automatic' : 'manual',
    externalId: key.join('|'),
  };
}

async function importAggregate(
  aws: AwsClients,
  options: AuditImportOptions,
  aggregator: string,
  result: AuditImportResult,
  recordEvaluations: (rows: EvaluationInput[]) => void,
): Promise<void> {
  const config = aws.get(ConfigService);
  const targets: RuleRef[] = [];
  const seen = new Set<string>();
  for await (const page of pages((NextToken) =>
    config.send(
      new DescribeAggregateComplianceByConfigRulesCommand({
        ConfigurationAggregatorName: aggregator,
        NextToken,
      }),
    ),
  ))
    for (const c of page.AggregateComplianceByConfigRules ?? []) {
      if (!c.ConfigRuleName || !c.AccountId || !c.AwsRegion || !selected(c.ConfigRuleName, options)) continue;
      const k = `${c.ConfigRuleName}|${c.AccountId}|${c.AwsRegion}`;
      if (seen.has(k)) continue;
      seen.add(k);
      targets.push({
        name: c.ConfigRuleName,
        ruleId: ruleIdOf(c.ConfigRuleName, options.knownRuleIds),
        account: c.AccountId,
        region: c.AwsRegion,
      });
    }
  result.rules = new Set(targets.map((t) => t.name)).size;
  if (targets.length === 0) {
    result.warnings.push(
      `Aggregator ${aggregator} reports no Config rules${options.rules?.length ? ` named ${options.rules.join(', ')}` : ''}.`,
    );
    return;
  }
  for (const target of targets) {
    options.onProgress?.(`Compliance of ${target.name} in ${target.account} ${target.region}…`);
    for await (const page of pages((NextToken) =>
      config.send(
        new GetAggregateComplianceDetailsByConfigRuleCommand({
          ConfigurationAggregatorName: aggregator,
          ConfigRuleName: target.name,
          AccountId: target.account,
          AwsRegion: target.region,
          Limit: 100,
          NextToken,
        }),
      ),
    ))
      recordEvaluations(
        (page.AggregateEvaluationResults ?? [])
          .map((r) =>
            evaluationFromResult(target, r, r.AccountId ?? target.account, r.AwsRegion ?? target.region),
          )
          .filter((r): r is EvaluationInput => r !== undefined),
      );
  }
  result.warnings.push(
    'Through an aggregator Config gives current compliance only: import each account (without --aggregator) for its compliance history and remediation executions.',
  );
}

import { callerIdentity } from '../shared/aws/assume-role';
import type { AwsClients } from '../shared/aws/clients';
import { LiveReader } from '../shared/collectors/live-reader';
import { partsOf } from '../shared/collectors/parts';
import { type ConfigurationItem, DELETED_STATUSES, GONE_STATUSES } from '../shared/config/configuration-item';
import { type Evaluation, evaluateModels, type RuleOutcome, toEvaluation } from '../shared/engine';
import { CollectionError, InsufficientDataError, type RebaselineError } from '../shared/errors';
import { type CommonParameters, ruleParameters } from '../shared/params';
import type { AnyRule, ResourceModel, Scope } from '../shared/rule';
import {
  ConfigInventory,
  type Coverage,
  configResourceType,
  type Inventory,
  inventoryErrorText,
} from './scan/inventory';

/** Where a scan reads resources: AWS Config's inventory, the live APIs, or Config where it records them. */
export type ScanSource = 'config' | 'live' | 'auto';

export const SCAN_SOURCES: readonly ScanSource[] = ['auto', 'config', 'live'];

/** One evaluation of a scan, with where it was made and what it was read from. */
export interface ScanFinding extends Evaluation {
  ruleId: string;
  accountId: string;
  region: string;
  /** `config`: evaluated on the item AWS Config holds; `live`: on what the APIs answered. */
  source?: 'config' | 'live';
}

/** A resource (or, when it is unknown, a whole rule) that could not be evaluated, and why. */
export interface ScanFailure {
  ruleId: string;
  /** The resource, when the failure is one resource's (a read or model error); absent when the rule failed. */
  resourceType?: string;
  resourceId?: string;
  /** Where (in a scan of several accounts or regions). */
  accountId?: string;
  region?: string;
  message: string;
}

/** Where a run is written as it happens (the history store's recorder), so a crash loses at most one step. */
export interface ScanJournal {
  /** The account and region are known; nothing has been read yet. */
  started?(run: { accountId: string; region?: string; startedAt: Date }): void;
  /** One rule's evaluations and failures, as soon as the rule is done. */
  evaluated?(findings: readonly ScanFinding[], failures: readonly ScanFailure[]): void;
}

export interface ScanResult {
  accountId: string;
  region: string;
  startedAt: Date;
  endedAt: Date;
  findings: ScanFinding[];
  /** Resources or rules that could not be evaluated (never reported as a verdict). */
  failures: ScanFailure[];
}

export interface ScanOptions {
  rules: readonly AnyRule[];
  clients: AwsClients;
  /** Per rule id, parameters in Config's string form. */
  ruleParameters?: Record<string, Record<string, unknown>>;
  /** Called before each rule and after the last. */
  onProgress?: (done: number, total: number, ruleId?: string) => void;
  journal?: ScanJournal;
  now?: () => Date;
  /** Where to read resources (default `live`: remediation and its verification read what is there now). */
  source?: ScanSource;
  /** The inventory to read with `config`/`auto` (default: the account's own Config, through `clients`). */
  inventory?: Inventory;
}

/**
 * The failure of one resource of `ruleId` (a {@link CollectionError} names it), or of the rule as a whole.
 * @example
 * scanFailure('s3-bucket-no-public-access', new CollectionError('AWS::S3::Bucket', 'logs', 'SlowDown.'));
 * // → { ruleId, resourceType: 'AWS::S3::Bucket', resourceId: 'logs', message: 'Could not read AWS::S3::Bucket logs: SlowDown.' }
 */
export function scanFailure(ruleId: string, error: RebaselineError | Error | unknown): ScanFailure {
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof CollectionError)
    return { ruleId, resourceType: error.resourceType, resourceId: error.resourceId, message };
  return { ruleId, message };
}

/** A rule with its parameters, checked before anything is read. */
export interface SelectedRule {
  rule: AnyRule;
  params: CommonParameters;
}

/**
 * Parses every rule's parameters (Config's string form) before anything is read, so a typo fails fast.
 * @throws InvalidParametersError naming the rule parameter.
 */
export function withParameters(
  rules: readonly AnyRule[],
  parameters: Record<string, Record<string, unknown>> = {},
): SelectedRule[] {
  return rules.map((rule) => ({ rule, params: ruleParameters(rule, parameters[rule.meta.id] ?? {}) }));
}

/** One account and region to scan, with the clients (and credentials) that read it. */
export interface RegionTarget {
  clients: AwsClients;
  accountId: string;
  partition: string;
  region: string;
  source: ScanSource;
  /** AWS Config's items for this account and region (`config`/`auto`). */
  inventory?: Inventory;
}

/** What one rule gave in one account and region. */
export interface RuleRun {
  ruleId: string;
  findings: ScanFinding[];
  failures: ScanFailure[];
  /** What it was evaluated on. */
  source: 'config' | 'live';
}

/**
 * Why a rule is evaluated on the live APIs and not on Config's items in a `config`/`auto` scan, or `undefined` when
 * Config's items can decide it. Items carry no tags (BatchGetResourceConfig filters them out), so a rule whose
 * exemption is by tag needs a live read to see it.
 */
function liveOnlyBecause(rule: AnyRule, params: CommonParameters): string | undefined {
  if (!configResourceType(rule)) return 'no configuration item carries what it evaluates';
  if (params.exemptTagKey) return 'its exemption is by tag, and Config gives items without their tags';
  return undefined;
}

/** Models from Config's items, as the Lambda adapter builds them from an invoking event's item. */
function modelsFromItems(
  rule: AnyRule,
  items: readonly (ConfigurationItem | CollectionError)[],
  orderingTimestamp: Date,
): { models: Array<ResourceModel | CollectionError>; notApplicable: Evaluation[] } {
  const models: Array<ResourceModel | CollectionError> = [];
  const notApplicable: Evaluation[] = [];
  for (const item of items) {
    if (item instanceof CollectionError) {
      models.push(item);
      continue;
    }
    const status = item.configurationItemStatus;
    if (GONE_STATUSES.has(status)) {
      // As the adapter does: deleting some resources is itself the drift; otherwise a gone resource is not applicable.
      if (rule.fromDeletedItem && DELETED_STATUSES.has(status))
        models.push(
          rule.fromDeletedItem({
            resourceType: item.resourceType,
            resourceId: item.resourceId,
            accountId: item.accountId,
            region: item.awsRegion,
          }),
        );
      else
        notApplicable.push(
          toEvaluation(
            item,
            { complianceType: 'NOT_APPLICABLE', annotation: `The resource is ${status}.` },
            orderingTimestamp,
          ),
        );
      continue;
    }
    try {
      models.push(rule.fromConfigurationItem?.(item) as ResourceModel);
    } catch (error) {
      // An item the model cannot be built from is never reported (fail closed), exactly as in the Lambda.
      models.push(
        error instanceof CollectionError
          ? error
          : new CollectionError(
              item.resourceType,
              item.resourceId,
              (error as Error)?.message ?? String(error),
              {
                cause: error,
              },
            ),
      );
    }
  }
  return { models, notApplicable };
}

/**
 * The items of the rule's resource type from Config, or `undefined` when the rule is to be read live: source `live`,
 * a rule no item can decide, or (`auto`) a type Config does not record here or an inventory that cannot be read (no
 * permission, say), which `auto` reads live instead.
 * @throws InsufficientDataError with `--source config` when Config does not record the type or cannot be read.
 */
async function inventoryItems(
  rule: AnyRule,
  params: CommonParameters,
  target: RegionTarget,
): Promise<Array<ConfigurationItem | CollectionError> | undefined> {
  const type = configResourceType(rule);
  if (target.source === 'live' || !type || !target.inventory || liveOnlyBecause(rule, params))
    return undefined;
  const strict = target.source === 'config';
  let coverage: Coverage;
  try {
    coverage = await target.inventory.coverage(type);
  } catch (error) {
    if (!strict) return undefined;
    throw new InsufficientDataError(
      `${type} was not read from AWS Config: its configuration recorder could not be read (${inventoryErrorText(error)}).`,
      { cause: error },
    );
  }
  if (!coverage.recorded) {
    if (!strict) return undefined;
    throw new InsufficientDataError(
      `${type} was not read from AWS Config: ${coverage.reason} (--source config; --source auto reads it live).`,
    );
  }
  try {
    return await target.inventory.items(type);
  } catch (error) {
    if (!strict) return undefined;
    throw new InsufficientDataError(
      `${type} was not read from AWS Config: its inventory could not be read (${inventoryErrorText(error)}).`,
      { cause: error },
    );
  }
}

/**
 * Evaluates one rule in one account and region: on Config's items when the source allows and Config records the
 * type, else on the live APIs. Only what no item carries is read live on the config path (the context: the
 * account-level Block Public Access, prefix-list entries). Never throws: a rule that fails is a failure.
 */
export async function runRule(
  { rule, params }: SelectedRule,
  target: RegionTarget,
  reader: LiveReader,
  now: Date,
): Promise<RuleRun> {
  const ruleId = rule.meta.id;
  const scope: Scope = {
    accountId: target.accountId,
    region: target.region,
    partition: target.partition,
    now,
  };
  const where = { accountId: target.accountId, region: target.region };
  let source: 'config' | 'live' = 'live';
  let outcome: RuleOutcome;
  try {
    const items = await inventoryItems(rule, params, target);
    if (items) {
      source = 'config';
      const { models, notApplicable } = modelsFromItems(rule, items, now);
      outcome = await evaluateModels(rule, models, params, reader, scope, now);
      outcome.evaluations.push(...notApplicable);
    } else {
      if (!rule.collect) return { ruleId, findings: [], failures: [], source };
      outcome = await evaluateModels(
        rule,
        await rule.collect(reader, scope, params),
        params,
        reader,
        scope,
        now,
      );
    }
  } catch (error) {
    return { ruleId, findings: [], failures: [{ ...scanFailure(ruleId, error), ...where }], source };
  }
  return {
    ruleId,
    source,
    findings: outcome.evaluations.map((e) => ({ ...e, ruleId, ...where, source })),
    failures: outcome.failures.map((f) => ({ ...scanFailure(ruleId, f), ...where })),
  };
}

/**
 * A reader with the parts of every selected rule, so a read two rules share (account-level BPA) is made once.
 * @example
 * const reader = readerFor(target, rules);
 */
export function readerFor(
  target: Pick<RegionTarget, 'clients' | 'accountId'>,
  rules: readonly SelectedRule[],
) {
  return new LiveReader(target.clients, target.accountId, partsOf(rules.map(({ rule }) => rule.reads)));
}

/**
 * Collects every selected rule's resources from one account and region and evaluates them with the same evaluators
 * the Lambdas use (the periodic path, without reporting to Config); with `source` `config` or `auto`, on AWS
 * Config's items where Config records them.
 * @example
 * const result = await scanAccount({ rules: RULES, clients: new AwsClients({ region: 'eu-west-1' }) });
 */
export async function scanAccount(options: ScanOptions): Promise<ScanResult> {
  const now = options.now ?? (() => new Date());
  const selected = withParameters(options.rules, options.ruleParameters);
  const startedAt = now();
  const { accountId, partition } = await callerIdentity(options.clients);
  const region = options.clients.region;
  const source = options.source ?? 'live';
  const target: RegionTarget = {
    clients: options.clients,
    accountId,
    partition,
    region,
    source,
    ...(source === 'live' ? {} : { inventory: options.inventory ?? new ConfigInventory(options.clients) }),
  };
  const reader = readerFor(target, selected);
  options.journal?.started?.({ accountId, region, startedAt });
  const findings: ScanFinding[] = [];
  const failures: ScanFailure[] = [];
  let done = 0;
  for (const rule of selected) {
    options.onProgress?.(done, selected.length, rule.rule.meta.id);
    const run = await runRule(rule, target, reader, now());
    findings.push(...run.findings);
    failures.push(...run.failures);
    options.journal?.evaluated?.(run.findings, run.failures);
    done++;
  }
  options.onProgress?.(done, selected.length);
  return { accountId, region, startedAt, endedAt: now(), findings, failures };
}

/** Count of findings per compliance type. */
export function summarise(findings: readonly Pick<Evaluation, 'complianceType'>[]): Record<string, number> {
  const out: Record<string, number> = { COMPLIANT: 0, NON_COMPLIANT: 0, NOT_APPLICABLE: 0 };
  for (const f of findings) out[f.complianceType] = (out[f.complianceType] ?? 0) + 1;
  return out;
}

import { callerIdentity } from '../shared/aws/assume-role';
import type { AwsClients } from '../shared/aws/clients';
import { LiveReader } from '../shared/collectors/live-reader';
import { partsOf } from '../shared/collectors/parts';
import { type Evaluation, evaluateModels } from '../shared/engine';
import { CollectionError, type RebaselineError } from '../shared/errors';
import { ruleParameters } from '../shared/params';
import type { AnyRule, Scope } from '../shared/rule';

/** One evaluation of a scan, with where it was made. */
export interface ScanFinding extends Evaluation {
  ruleId: string;
  accountId: string;
  region: string;
}

/** A resource (or, when it is unknown, a whole rule) that could not be evaluated, and why. */
export interface ScanFailure {
  ruleId: string;
  /** The resource, when the failure is one resource's (a read or model error); absent when the rule failed. */
  resourceType?: string;
  resourceId?: string;
  message: string;
}

/** Where a run is written as it happens (the history store's recorder), so a crash loses at most one step. */
export interface ScanJournal {
  /** The account and region are known; nothing has been read yet. */
  started?(run: { accountId: string; region: string; startedAt: Date }): void;
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

/**
 * Collects every selected rule's resources from one account and region and evaluates them with the same evaluators
 * the Lambdas use (the periodic path, without reporting to Config).
 * @example
 * const result = await scanAccount({ rules: RULES, clients: new AwsClients({ region: 'eu-west-1' }) });
 */
export async function scanAccount(options: ScanOptions): Promise<ScanResult> {
  const now = options.now ?? (() => new Date());
  // Parameters are checked for every rule before anything is read, so a typo fails fast.
  const selected = options.rules.map((rule) => ({
    rule,
    params: ruleParameters(rule, options.ruleParameters?.[rule.meta.id] ?? {}),
  }));
  const startedAt = now();
  const { accountId, partition } = await callerIdentity(options.clients);
  const region = options.clients.region;
  // One reader with the parts of every selected rule, so a read two rules share (account-level BPA) is made once.
  const reader = new LiveReader(options.clients, accountId, partsOf(options.rules.map((rule) => rule.reads)));
  options.journal?.started?.({ accountId, region, startedAt });
  const findings: ScanFinding[] = [];
  const failures: ScanFailure[] = [];
  let done = 0;
  for (const { rule, params } of selected) {
    options.onProgress?.(done, selected.length, rule.meta.id);
    const scope: Scope = { accountId, region, partition, now: now() };
    const ruleFindings: ScanFinding[] = [];
    const ruleFailures: ScanFailure[] = [];
    try {
      if (!rule.collect) continue;
      const items = await rule.collect(reader, scope, params);
      const outcome = await evaluateModels(rule, items, params, reader, scope, scope.now);
      for (const e of outcome.evaluations)
        ruleFindings.push({ ...e, ruleId: rule.meta.id, accountId, region });
      for (const f of outcome.failures) ruleFailures.push(scanFailure(rule.meta.id, f));
    } catch (error) {
      ruleFailures.push(scanFailure(rule.meta.id, error));
    } finally {
      findings.push(...ruleFindings);
      failures.push(...ruleFailures);
      options.journal?.evaluated?.(ruleFindings, ruleFailures);
      done++;
    }
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

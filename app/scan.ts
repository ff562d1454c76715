import { callerIdentity } from '../shared/aws/assume-role';
import type { AwsClients } from '../shared/aws/clients';
import { LiveReader, type LiveReadParts } from '../shared/collectors/live-reader';
import { type Evaluation, evaluateModels } from '../shared/engine';
import { ruleParameters } from '../shared/params';
import type { AnyRule, Scope } from '../shared/rule';

/** One evaluation of a scan, with where it was made. */
export interface ScanFinding extends Evaluation {
  ruleId: string;
  accountId: string;
  region: string;
}

export interface ScanFailure {
  ruleId: string;
  message: string;
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
  now?: () => Date;
}

/**
 * Collects every selected rule's resources from one account and region and evaluates them with the same evaluators
 * the Lambdas use (the periodic path, without reporting to Config).
 * @example
 * const result = await scanAccount({ rules: RULES, clients: new AwsClients({ region: 'eu-west-1' }) });
 */
export async function scanAccount(options: ScanOptions): Promise<ScanResult> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const { accountId, partition } = await callerIdentity(options.clients);
  const region = options.clients.region;
  // One reader with the parts of every selected rule, so a read two rules share (account-level BPA) is made once.
  const parts: LiveReadParts = Object.assign({}, ...options.rules.map((rule) => rule.reads));
  const reader = new LiveReader(options.clients, accountId, parts);
  const findings: ScanFinding[] = [];
  const failures: ScanFailure[] = [];
  // Parameters are checked for every rule before anything is read, so a typo fails fast.
  const selected = options.rules.map((rule) => ({
    rule,
    params: ruleParameters(rule, options.ruleParameters?.[rule.meta.id] ?? {}),
  }));
  let done = 0;
  for (const { rule, params } of selected) {
    options.onProgress?.(done, selected.length, rule.meta.id);
    const scope: Scope = { accountId, region, partition, now: now() };
    try {
      if (!rule.collect) continue;
      const items = await rule.collect(reader, scope, params);
      const outcome = await evaluateModels(rule, items, params, reader, scope, scope.now);
      for (const e of outcome.evaluations) findings.push({ ...e, ruleId: rule.meta.id, accountId, region });
      for (const f of outcome.failures) failures.push({ ruleId: rule.meta.id, message: f.message });
    } catch (error) {
      failures.push({ ruleId: rule.meta.id, message: (error as Error).message ?? String(error) });
    } finally {
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

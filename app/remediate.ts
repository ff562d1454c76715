import { randomUUID } from 'node:crypto';
import { GetAutomationExecutionCommand, StartAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import type { AwsClients } from '../shared/aws/clients';
import { AUTOMATION_ENDED, SSM } from '../shared/aws/services/ssm';
import { LiveReader } from '../shared/collectors/live-reader';
import type { Reader } from '../shared/collectors/reader';
import { evaluateModels } from '../shared/engine';
import { RebaselineError, UsageError } from '../shared/errors';
import { ruleParameters } from '../shared/params';
import type { RemediationMetadata } from '../shared/remediation/metadata';
import type { AnyRule, ParameterSchema, Scope } from '../shared/rule';
import { type ScanFinding, type ScanJournal, type ScanResult, scanAccount } from './scan';
import { type AutomationDocument, isReadOnlyApi, loadAutomationDocument } from './ssm/document';
import {
  type AutomationExecution,
  type LambdaHandler,
  type LambdaResolver,
  lambdasBySuffix,
  runAutomation,
  type StepExecution,
} from './ssm/runner';

/** Default blast-radius limit of one CLI run. */
export const DEFAULT_MAX_CHANGES = 25;

/** What the remediate flow needs of a remediation (the registry in `remediations/index.ts` provides it). */
export interface RemediationEntry {
  meta: RemediationMetadata;
  dir: string;
  createHandler?: (clients?: (region: string) => AwsClients) => (payload: unknown) => Promise<unknown>;
}

export type RemediationOutcome =
  | 'remediated'
  | 'planned'
  | 'already-compliant'
  | 'failed'
  | 'skipped-limit'
  | 'no-remediation';

/** One non-compliant resource and what was done about it. */
export interface RemediationRecord {
  ruleId: string;
  remediationId?: string;
  accountId: string;
  region: string;
  resourceType: string;
  resourceId: string;
  outcome: RemediationOutcome;
  message: string;
  before: ScanFinding;
  /** The verdict re-evaluated live right after the remediation (apply only). */
  after?: ScanFinding;
  execution?: AutomationExecution;
  /** The scan evaluation that found the resource NON_COMPLIANT. */
  detectedAt: Date;
  /** When the re-evaluation confirmed the resource COMPLIANT. */
  verifiedAt?: Date;
  /** verifiedAt − detectedAt. */
  timeToRemediateMs?: number;
}

export interface RemediateResult {
  before: ScanResult;
  /** A fresh scan of the same rules after remediation (apply only, and not when interrupted). */
  after?: ScanResult;
  records: RemediationRecord[];
  /** True when `maxChanges` stopped the run before every non-compliant resource was handled. */
  limitReached: boolean;
  dryRun: boolean;
  /** True when `signal` stopped the run between two resources: the resources after it were not touched. */
  interrupted?: boolean;
}

/** A remediation about to run: the journal records it before anything changes. */
export interface PendingRemediation {
  finding: ScanFinding;
  remediationId: string;
  documentName: string;
  parameters: Record<string, string>;
  dryRun: boolean;
  /** The local runner's execution id (SSM's is known only once it has started). */
  executionId?: string;
  startedAt: Date;
}

/**
 * Where a remediate run is written as it happens (the history store's recorder): the scans' evaluations as each
 * rule is done, each remediation before it starts and as soon as its outcome is known. A crash loses nothing that
 * was changed: at worst one remediation is recorded as started and never finished.
 */
export interface RemediationJournal extends ScanJournal {
  remediationStarting?(pending: PendingRemediation): void;
  remediationFinished?(record: RemediationRecord): void;
}

export interface ViaSsmOptions {
  /** Deployed document name = prefix + remediation id (serverless.yml names them `rebaseline-<stage>-<id>`). */
  documentPrefix: string;
  pollMs?: number;
  timeoutMs?: number;
}

export interface RemediateOptions {
  rules: readonly AnyRule[];
  remediations: readonly RemediationEntry[];
  clients: AwsClients;
  ruleParameters?: Record<string, Record<string, unknown>>;
  /** Without it, only plans (dry-run). */
  apply: boolean;
  maxChanges?: number;
  /** Only this resource. */
  resourceId?: string;
  /** A scan already made (the demo reuses it); otherwise one is made. */
  before?: ScanResult;
  /** Value of the documents' AutomationAssumeRole parameter (empty: the caller's own permissions). */
  assumeRoleArn?: string;
  /** Lambda function names are `<prefix><remediation id>`. */
  lambdaPrefix?: string;
  /**
   * Values of the stage parameters remediation.json `static` sources name (`flowLogBucketName`, `cloudTrailName`),
   * as the deployed stack receives them; a source without a value here gets its default.
   */
  stageParameters?: Record<string, string>;
  /** Start the deployed documents in SSM instead of running them locally. */
  viaSsm?: ViaSsmOptions;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  onRecord?: (record: RemediationRecord) => void | Promise<void>;
  journal?: RemediationJournal;
  /** Stops the run between two resources (a first Ctrl-C): the one being changed finishes and is recorded. */
  signal?: AbortSignal;
}

/** Config's string form of a rule parameter value (what Config's RemediationConfiguration would pass). */
function configString(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return value === undefined || value === null ? '' : String(value);
}

/**
 * The document parameters for one resource, from the remediation's parameter sources.
 * @example
 * documentParameters(meta, finding, { authorizedTcpPorts: '443' }, rule.meta.parameters.properties, {…})
 * // → { GroupId: 'sg-…', AuthorizedTcpPorts: '443', AllowIcmp: 'true', LambdaFunctionName: 'rebaseline-revoke-public-ingress', … }
 */
export function documentParameters(
  meta: RemediationMetadata,
  finding: Pick<ScanFinding, 'complianceResourceId' | 'accountId'>,
  ruleParams: Record<string, unknown>,
  ruleSchema: Record<string, ParameterSchema>,
  deployment: { assumeRoleArn: string; lambdaPrefix: string; stageParameters?: Record<string, string> },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, source] of Object.entries(meta.parameters)) {
    switch (source.source) {
      case 'resourceId':
        out[name] = finding.complianceResourceId;
        break;
      case 'accountId':
        out[name] = finding.accountId;
        break;
      case 'assumeRole':
        out[name] = deployment.assumeRoleArn;
        break;
      case 'lambda':
        out[name] = `${deployment.lambdaPrefix}${meta.id}`;
        break;
      case 'static':
        out[name] =
          (source.stageParameter ? deployment.stageParameters?.[source.stageParameter] : undefined) ??
          source.default;
        break;
      case 'ruleParameter': {
        const given = ruleParams[source.ruleParameter];
        out[name] = configString(given ?? ruleSchema[source.ruleParameter]?.default ?? '');
        break;
      }
    }
  }
  return out;
}

/**
 * The stage parameters the remediations' `static` sources name, each with its default.
 * @example
 * stageParametersOf(REMEDIATIONS) // → { cloudTrailName: 'rebaseline-trail', …, flowLogBucketName: '' }
 */
export function stageParametersOf(remediations: readonly RemediationEntry[]): Record<string, string> {
  const known: Record<string, string> = {};
  for (const r of remediations)
    for (const source of Object.values(r.meta.parameters))
      if (source.source === 'static' && source.stageParameter) known[source.stageParameter] = source.default;
  return known;
}

/**
 * @throws UsageError for a stage parameter no remediation uses (a typo would otherwise be ignored), or a value
 * that is not a string.
 */
function checkStageParameters(
  remediations: readonly RemediationEntry[],
  given: Record<string, unknown> | undefined,
): void {
  const known = stageParametersOf(remediations);
  for (const [name, value] of Object.entries(given ?? {})) {
    if (!Object.hasOwn(known, name))
      throw new UsageError(
        `Unknown stage parameter ${name}; the remediations use: ${Object.keys(known).sort().join(', ')}.`,
      );
    if (typeof value !== 'string')
      throw new UsageError(`Stage parameter ${name} must be a string, not ${JSON.stringify(value)}.`);
  }
}

/** True when the execution changed something (or, in a dry-run, planned to): it counts against the blast radius. */
function changedSomething(execution: AutomationExecution): boolean {
  if (execution.dryRun) return execution.plan.length > 0;
  return execution.steps.some(
    (s: StepExecution) =>
      s.action === 'aws:executeAwsApi' &&
      s.status === 'Success' &&
      !isReadOnlyApi(String(s.inputs.Api ?? '')),
  );
}

/** Starts the deployed document in SSM and waits for it; the result in the local runner's shape. */
async function runViaSsm(
  clients: AwsClients,
  documentName: string,
  parameters: Record<string, string>,
  via: ViaSsmOptions,
  sleep: (ms: number) => Promise<void>,
): Promise<AutomationExecution> {
  const ssm = clients.get(SSM);
  const started = await ssm.send(
    new StartAutomationExecutionCommand({
      DocumentName: documentName,
      Parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, [v]])),
    }),
  );
  const id = started.AutomationExecutionId;
  if (!id) throw new RebaselineError(`SSM did not start ${documentName}.`);
  const deadline = Date.now() + (via.timeoutMs ?? 15 * 60_000);
  for (;;) {
    const out = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
    const e = out.AutomationExecution;
    const status = e?.AutomationExecutionStatus ?? 'Pending';
    if (AUTOMATION_ENDED.has(status)) {
      const ok = status === 'Success' || status === 'CompletedWithSuccess';
      return {
        executionId: id,
        documentName,
        status: ok
          ? 'Success'
          : status === 'TimedOut'
            ? 'TimedOut'
            : status === 'Cancelled'
              ? 'Cancelled'
              : 'Failed',
        dryRun: false,
        parameters,
        steps: (e?.StepExecutions ?? []).map((s) => ({
          name: s.StepName ?? '',
          action: s.Action ?? '',
          status:
            s.StepStatus === 'Success' ? 'Success' : s.StepStatus === 'TimedOut' ? 'TimedOut' : 'Failed',
          attempts: 1,
          startedAt: s.ExecutionStartTime?.toISOString() ?? '',
          endedAt: s.ExecutionEndTime?.toISOString() ?? '',
          inputs: s.Inputs ?? {},
          outputs: s.Outputs ?? {},
          ...(s.FailureMessage ? { failureMessage: s.FailureMessage } : {}),
        })),
        outputs: e?.Outputs ?? {},
        plan: [],
        ...(e?.FailureMessage ? { failureMessage: e.FailureMessage } : {}),
        startedAt: e?.ExecutionStartTime?.toISOString() ?? '',
        endedAt: e?.ExecutionEndTime?.toISOString(),
      };
    }
    if (Date.now() > deadline)
      throw new RebaselineError(`SSM execution ${id} of ${documentName} did not finish in time.`);
    await sleep(via.pollMs ?? 5000);
  }
}

/**
 * `reader` narrowed to one resource: the list reads a rule's `collect` starts from (every security group, every
 * bucket name) return only that resource, so verifying one change reads one resource, not the whole account.
 * Other resource types (account-level ones) read what they read.
 * @example
 * const reader = readerFor(new LiveReader(aws, accountId, rule.reads), 'AWS::EC2::SecurityGroup', 'sg-0123');
 * await reader.describeSecurityGroups(); // DescribeSecurityGroups with GroupIds: ['sg-0123']
 */
export function readerFor(reader: Reader, resourceType: string, resourceId: string): Reader {
  const narrowed: Partial<Reader> =
    resourceType === 'AWS::EC2::SecurityGroup'
      ? { describeSecurityGroups: () => reader.describeSecurityGroups([resourceId]) }
      : resourceType === 'AWS::S3::Bucket'
        ? { listBucketNames: async () => [resourceId] }
        : {};
  return new Proxy(reader, {
    get(target, property, receiver) {
      if (property in narrowed) return narrowed[property as keyof Reader];
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Re-evaluates one resource live with its rule (fresh reads of that resource only): the verified end state.
 * @throws whatever the read throws, and a `RebaselineError` when the resource could not be evaluated.
 */
async function reevaluate(
  rule: AnyRule,
  finding: ScanFinding,
  clients: AwsClients,
  params: ReturnType<typeof ruleParameters>,
  now: Date,
): Promise<ScanFinding | undefined> {
  const live = new LiveReader(clients, finding.accountId, rule.reads);
  const reader = readerFor(live, finding.complianceResourceType, finding.complianceResourceId);
  const scope: Scope = { accountId: finding.accountId, region: finding.region, partition: 'aws', now };
  const items = (await rule.collect?.(reader, scope, params)) ?? [];
  const mine = items.filter((i) => i.resourceId === finding.complianceResourceId);
  const outcome = await evaluateModels(rule, mine, params, reader, scope, now);
  const evaluation = outcome.evaluations.find(
    (e) => e.complianceResourceType === finding.complianceResourceType,
  );
  if (!evaluation && outcome.failures[0]) throw outcome.failures[0];
  if (!evaluation) return undefined;
  return { ...evaluation, ruleId: finding.ruleId, accountId: finding.accountId, region: finding.region };
}

const messageOf = (error: unknown) => (error as Error)?.message ?? String(error);

/**
 * For every NON_COMPLIANT resource of the selected rules: run its remediation document (locally through the
 * runner, or in SSM), re-evaluate it live, and report before/after. Without `apply` it only plans. At most
 * `maxChanges` resources are changed; past that nothing more is touched and the result says so.
 */
export async function remediateAccount(options: RemediateOptions): Promise<RemediateResult> {
  const now = options.now ?? (() => new Date());
  const journal = options.journal;
  const maxChanges = options.maxChanges ?? DEFAULT_MAX_CHANGES;
  if (!Number.isInteger(maxChanges) || maxChanges < 0)
    throw new UsageError(`--max-changes must be a whole number >= 0, not ${maxChanges}.`);
  checkStageParameters(options.remediations, options.stageParameters);
  const scan = () =>
    scanAccount({
      rules: options.rules,
      clients: options.clients,
      ruleParameters: options.ruleParameters,
      now,
      ...(journal ? { journal } : {}),
    });
  let before: ScanResult;
  if (options.before) {
    before = options.before;
    journal?.started?.({ accountId: before.accountId, region: before.region, startedAt: before.endedAt });
  } else before = await scan();
  const handlers: Record<string, LambdaHandler> = {};
  for (const r of options.remediations)
    if (r.createHandler) handlers[r.meta.id] = r.createHandler(() => options.clients) as LambdaHandler;
  const lambdas: LambdaResolver = lambdasBySuffix(handlers);
  const deployment = {
    assumeRoleArn: options.assumeRoleArn ?? '',
    lambdaPrefix: options.lambdaPrefix ?? 'rebaseline-',
    stageParameters: options.stageParameters ?? {},
  };
  // Each document is read and validated once per run, not once per resource.
  const documents = new Map<string, AutomationDocument>();
  const documentOf = (r: RemediationEntry) => {
    let doc = documents.get(r.meta.id);
    if (!doc) {
      doc = loadAutomationDocument(`${r.dir}/document.yaml`);
      documents.set(r.meta.id, doc);
    }
    return doc;
  };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const records: RemediationRecord[] = [];
  let changes = 0;
  let limitReached = false;
  let interrupted = false;
  const targets = before.findings.filter(
    (f) =>
      f.complianceType === 'NON_COMPLIANT' &&
      (!options.resourceId || f.complianceResourceId === options.resourceId),
  );
  if (
    options.resourceId &&
    targets.length === 0 &&
    !before.findings.some((f) => f.complianceResourceId === options.resourceId)
  )
    throw new UsageError(`Resource ${options.resourceId} was not found by the selected rules.`);

  /** Runs the document for one resource and decides its outcome; every error is this resource's, not the run's. */
  const remediateOne = async (
    finding: ScanFinding,
    rule: AnyRule,
    remediation: RemediationEntry,
    base: Omit<RemediationRecord, 'outcome' | 'message'>,
  ): Promise<RemediationRecord> => {
    const input = options.ruleParameters?.[rule.meta.id] ?? {};
    let params: ReturnType<typeof ruleParameters>;
    let parameters: Record<string, string>;
    let document: AutomationDocument;
    try {
      params = ruleParameters(rule, input);
      parameters = documentParameters(
        remediation.meta,
        finding,
        input,
        rule.meta.parameters.properties,
        deployment,
      );
      document = documentOf(remediation);
    } catch (error) {
      return { ...base, outcome: 'failed', message: `Not started: ${messageOf(error)}` };
    }
    const viaSsm = options.viaSsm && options.apply ? options.viaSsm : undefined;
    const executionId = viaSsm ? undefined : randomUUID();
    // Recorded before anything changes: if the process dies now, the history says what was under way.
    journal?.remediationStarting?.({
      finding,
      remediationId: remediation.meta.id,
      documentName: viaSsm ? `${viaSsm.documentPrefix}${remediation.meta.id}` : document.name,
      parameters,
      dryRun: !options.apply,
      ...(executionId ? { executionId } : {}),
      startedAt: now(),
    });
    let execution: AutomationExecution | undefined;
    let runError: unknown;
    try {
      execution = viaSsm
        ? await runViaSsm(
            options.clients,
            `${viaSsm.documentPrefix}${remediation.meta.id}`,
            parameters,
            viaSsm,
            sleep,
          )
        : await runAutomation(document, {
            aws: options.clients,
            parameters,
            dryRun: !options.apply,
            lambdas,
            accountId: finding.accountId,
            executionId,
            ...(options.sleep ? { sleep: options.sleep } : {}),
          });
    } catch (error) {
      runError = error;
    }
    const record: RemediationRecord = {
      ...base,
      ...(execution ? { execution } : {}),
      outcome: 'failed',
      message: '',
    };
    const failure = runError
      ? `The remediation could not run: ${messageOf(runError)}`
      : execution && execution.status !== 'Success'
        ? (execution.failureMessage ?? `Execution ${execution.status}.`)
        : undefined;
    if (!options.apply) {
      if (failure || !execution) record.message = failure ?? 'The dry-run did not run.';
      else {
        record.outcome = execution.plan.length > 0 ? 'planned' : 'already-compliant';
        record.message =
          execution.plan.length > 0
            ? execution.plan.map((c) => `${c.service}:${c.api} ${JSON.stringify(c.inputs)}`).join('; ')
            : 'Already compliant: nothing to change.';
      }
      return record;
    }
    // Whatever the execution said, the resource's live state decides: a change whose answer was lost is applied
    // (and verified here), an execution that reported success but left the resource open is a failure.
    let after: ScanFinding | undefined;
    try {
      after = await reevaluate(rule, finding, options.clients, params, now());
    } catch (error) {
      record.message = `${failure ? `${failure} ` : ''}The end state could not be verified: ${messageOf(error)}`;
      return record;
    }
    if (after) record.after = after;
    if (after?.complianceType === 'COMPLIANT') {
      record.outcome = 'remediated';
      record.verifiedAt = after.orderingTimestamp;
      record.timeToRemediateMs = after.orderingTimestamp.getTime() - finding.orderingTimestamp.getTime();
      record.message = `Verified COMPLIANT: ${after.annotation ?? ''}`.trim();
      if (failure)
        record.message += ` (The execution reported a failure, but the change is in place: ${failure})`;
    } else {
      const still = `Still ${after?.complianceType ?? 'unknown'} after remediation: ${after?.annotation ?? 'not found'}.`;
      record.message = failure ? `${failure} ${still}` : still;
    }
    return record;
  };

  for (const finding of targets) {
    if (options.signal?.aborted) {
      interrupted = true;
      break;
    }
    const rule = options.rules.find((r) => r.meta.id === finding.ruleId);
    const remediation = options.remediations.find((r) => r.meta.id === rule?.meta.remediation);
    const base = {
      ruleId: finding.ruleId,
      accountId: finding.accountId,
      region: finding.region,
      resourceType: finding.complianceResourceType,
      resourceId: finding.complianceResourceId,
      before: finding,
      detectedAt: finding.orderingTimestamp,
    };
    let record: RemediationRecord;
    if (!rule || !remediation) {
      record = {
        ...base,
        outcome: 'no-remediation',
        message: `No remediation is registered for ${finding.ruleId}.`,
      };
    } else if (changes >= maxChanges) {
      limitReached = true;
      record = {
        ...base,
        remediationId: remediation.meta.id,
        outcome: 'skipped-limit',
        message: `Not changed: the blast-radius limit of ${maxChanges} change(s) for this run was reached.`,
      };
    } else {
      record = {
        remediationId: remediation.meta.id,
        ...(await remediateOne(finding, rule, remediation, base)),
      };
    }
    if (record.execution && (changedSomething(record.execution) || record.outcome === 'remediated'))
      changes++;
    records.push(record);
    journal?.remediationFinished?.(record);
    await options.onRecord?.(record);
  }
  const after = options.apply && !interrupted && !options.signal?.aborted ? await scan() : undefined;
  return {
    before,
    ...(after ? { after } : {}),
    records,
    limitReached,
    dryRun: !options.apply,
    ...(interrupted ? { interrupted } : {}),
  };
}

import { randomUUID } from 'node:crypto';
import {
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { JSONPath } from 'jsonpath-plus';
import { type AwsClients, type AwsService, definedService, defineService } from '../../shared/aws/clients';
import { S3 } from '../../shared/aws/services/s3';
import { S3Control } from '../../shared/aws/services/s3control';
import { SSM } from '../../shared/aws/services/ssm';
import { STS } from '../../shared/aws/services/sts';
import {
  AutomationStepError,
  awsErrorName,
  InvalidAutomationParameterError,
  UnsupportedActionError,
} from '../../shared/errors';
import { isFunctionOf, lambdaFunctionName } from '../../shared/remediation/metadata';
import {
  type ApproveInputs,
  type AutomationDocument,
  type AutomationStep,
  type BranchCondition,
  type BranchInputs,
  coerceParameterValue,
  defaultNextStep,
  type ExecuteAwsApiInputs,
  flag,
  type InvokeLambdaInputs,
  isPlainObject,
  isReadOnlyApi,
  type PropertyCheckInputs,
  REFERENCE_PATTERN,
  type RunCommandInputs,
  type SleepInputs,
  type StepOutputDefinition,
  shown,
  typeName,
  WHOLE_REFERENCE_PATTERN,
} from './document';

/** Actions the local runner executes. Any other action fails before the first step runs. */
export const SUPPORTED_ACTIONS = [
  'aws:executeAwsApi',
  'aws:assertAwsResourceProperty',
  'aws:waitForAwsResourceProperty',
  'aws:branch',
  'aws:sleep',
  'aws:invokeLambdaFunction',
  'aws:approve',
  'aws:runCommand',
] as const;

/** SSM's service names (boto3's) whose SDK v3 package is not `@aws-sdk/client-<name>`. */
const SDK_PACKAGE_OF: Readonly<Record<string, string>> = {
  autoscaling: 'auto-scaling',
  config: 'config-service',
  elbv2: 'elastic-load-balancing-v2',
  events: 'eventbridge',
  logs: 'cloudwatch-logs',
  s3control: 's3-control',
  stepfunctions: 'sfn',
};

/** The SDK packages rebaseline depends on: the services an `aws:executeAwsApi` step may call. */
const DEPENDENCIES: ReadonlySet<string> = new Set(
  Object.keys((require('../../package.json') as { dependencies: Record<string, string> }).dependencies),
);

/** The services a document may call: those whose SDK v3 package rebaseline depends on. */
export function callableServices(): string[] {
  const byPackage = new Map(Object.entries(SDK_PACKAGE_OF).map(([service, pkg]) => [pkg, service]));
  return [...DEPENDENCIES]
    .filter((d) => d.startsWith('@aws-sdk/client-'))
    .map((d) => d.slice('@aws-sdk/client-'.length))
    .map((pkg) => byPackage.get(pkg) ?? pkg)
    .sort();
}

interface ResolvedService {
  client: AwsService<unknown>;
  pkg: string;
  commands: Record<string, unknown>;
}

const RESOLVED = new Map<string, ResolvedService>();

// The endpoint quirks of S3 (path-style) and S3 Control (no account host prefix) live in their definitions.
const ENDPOINT_QUIRKS: readonly AwsService<unknown>[] = [S3, S3Control];

/**
 * SSM's service name (boto3's) → the `AwsClients` service and the SDK v3 package holding `${Api}Command`: the
 * package `@aws-sdk/client-<name>` when rebaseline depends on it (a rule on a new service adds its client to
 * package.json, nothing here), its client the package's one `…Client` class, with the options its definition gives.
 */
function resolveService(name: string): ResolvedService | undefined {
  const cached = RESOLVED.get(name);
  if (cached) return cached;
  const pkg = `@aws-sdk/client-${SDK_PACKAGE_OF[name] ?? name}`;
  if (!/^[a-z0-9-]+$/.test(name) || !DEPENDENCIES.has(pkg)) return undefined;
  const commands = require(pkg) as Record<string, unknown>;
  const Client = Object.entries(commands).find(
    ([key, value]) =>
      key.endsWith('Client') &&
      !key.startsWith('__') &&
      typeof value === 'function' &&
      typeof (value as { prototype?: { send?: unknown } }).prototype?.send === 'function',
  )?.[1] as AwsService<unknown>['client'] | undefined;
  if (!Client) return undefined;
  const client =
    ENDPOINT_QUIRKS.find((s) => s.name === name) ??
    definedService(name) ??
    defineService({ name, client: Client });
  const resolved = { client, pkg, commands };
  RESOLVED.set(name, resolved);
  return resolved;
}

/** The Lambda context the in-process handler receives (the fields handlers use). */
export interface LambdaContext {
  functionName: string;
  functionVersion: string;
  /** The ARN the document named, else one built from the account id when known, else the function name. */
  invokedFunctionArn: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/** A Lambda handler run in-process for `aws:invokeLambdaFunction`. */
export type LambdaHandler = (event: Record<string, unknown>, context: LambdaContext) => unknown;

/** Finds the in-process handler for a function name (or ARN) the document invokes. */
export type LambdaResolver = (functionName: string) => LambdaHandler | undefined;

/** What an `aws:approve` step asks of the people it names. */
export interface ApprovalRequest {
  document: string;
  step: string;
  approvers: string[];
  minRequiredApprovals: number;
  message?: string;
}

/** A person's answer to an approval request. */
export interface ApprovalDecision {
  approved: boolean;
  /** Who answered (an IAM ARN or the local user). */
  approver: string;
  comment?: string;
}

export interface RunAutomationOptions {
  /** Clients for the account and region the document acts on (endpoint-configurable: moto_server in tests). */
  aws: AwsClients;
  /** Parameter values, typed or in SSM's string forms ("true", "80,443"); defaults fill the rest. */
  parameters?: Record<string, unknown>;
  /** Read-only calls run; mutating calls are recorded in `plan` and not sent; see the README. */
  dryRun?: boolean;
  /** Resolves `FunctionName` of `aws:invokeLambdaFunction` steps to in-process handlers. */
  lambdas?: LambdaResolver;
  /** Replaces real waiting in `aws:sleep` and between `aws:waitForAwsResourceProperty` polls (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Time between polls of `aws:waitForAwsResourceProperty`; default 2000 ms. */
  pollIntervalMs?: number;
  /** Local bound on one `aws:waitForAwsResourceProperty` (also capped by its `timeoutSeconds`); default 120 s. */
  maxWaitMs?: number;
  /** Called after every step with its record and the execution so far. */
  onStep?: (step: StepExecution, execution: AutomationExecution) => void | Promise<void>;
  executionId?: string;
  /** `{{ global:ACCOUNT_ID }}`; asked from STS GetCallerIdentity when absent and referenced. */
  accountId?: string;
  /** Aborting it cancels the execution between steps (status Cancelled). */
  signal?: AbortSignal;
  /** Guard against documents that loop forever; default 1000 step executions. */
  maxStepExecutions?: number;
  /**
   * Answers `aws:approve` steps (the command line asks the person running it, or takes `--approve`). Without it an
   * approval step fails: nothing after it runs unless a person said yes.
   */
  approve?: (request: ApprovalRequest) => Promise<ApprovalDecision>;
}

export type ExecutionStatus = 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
export type StepStatus = 'Success' | 'Failed' | 'TimedOut' | 'Cancelled' | 'Skipped';

/**
 * Why a dry-run skipped a step: `planned` (mutating call recorded, not sent), `would-verify` (a verification
 * after planned changes), `depends-on-plan` (a read whose inputs come from a planned call), `dry-run` (a sleep).
 */
export type SkipReason = 'planned' | 'would-verify' | 'depends-on-plan' | 'dry-run';

export interface StepExecution {
  name: string;
  action: string;
  status: StepStatus;
  attempts: number;
  startedAt: string;
  endedAt: string;
  /** Inputs after interpolation (as written when interpolation itself failed). */
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  failureMessage?: string;
  skipReason?: SkipReason;
  /** What happened, for people: the branch taken, "Would verify: …", the planned call. */
  message?: string;
}

/** A mutating call a dry-run did not send: the step, the API and the exact request. */
export interface PlannedCall {
  step: string;
  service: string;
  api: string;
  inputs: Record<string, unknown>;
  /** `aws:executeAwsApi`, `aws:runCommand`, or `aws:invokeLambdaFunction` for a plan returned by a Lambda in dry-run. */
  via: 'aws:executeAwsApi' | 'aws:invokeLambdaFunction' | 'aws:runCommand';
}

export interface AutomationExecution {
  executionId: string;
  documentName: string;
  status: ExecutionStatus;
  dryRun: boolean;
  parameters: Record<string, unknown>;
  steps: StepExecution[];
  /** The document's `outputs` (`Step.Output` → value) that have a value. */
  outputs: Record<string, unknown>;
  plan: PlannedCall[];
  failureMessage?: string;
  startedAt: string;
  endedAt?: string;
}

/** The output of a step a dry-run did not run: shown as the `{{ Step.Output }}` reference itself. */
class PlannedValue {
  constructor(readonly ref: string) {}
  toJSON(): string {
    return `{{ ${this.ref} }}`;
  }
}

interface Run {
  doc: AutomationDocument;
  options: RunAutomationOptions;
  execution: AutomationExecution;
  outputs: Map<string, Record<string, unknown>>;
  /** A dry-run planned (or may have planned) a change, so the live state no longer shows the outcome. */
  pendingChange: boolean;
  accountId?: string;
  sleep: (ms: number) => Promise<void>;
}

interface StepResult {
  outputs: Record<string, unknown>;
  next?: string;
  skipReason?: SkipReason;
  message?: string;
}

const now = () => new Date().toISOString();
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Executes an SSM Automation document step by step against `options.aws`, like SSM Automation would.
 * Throws only when the execution cannot start: an action or service the runner does not implement
 * (`UnsupportedActionError`) or an invalid parameter (`InvalidAutomationParameterError`). Everything that
 * happens once it runs is in the returned execution: step records, outputs, and the status.
 * @example
 * const doc = loadAutomationDocument('remediations/revoke-public-ingress/document.yaml');
 * const execution = await runAutomation(doc, {
 *   aws: new AwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:5000' }),
 *   parameters: { GroupId: 'sg-0123456789abcdef0', AutomationAssumeRole: '' },
 *   dryRun: true,
 * });
 * execution.plan; // [{ step: 'Revoke', service: 'ec2', api: 'RevokeSecurityGroupIngress', inputs: {…} }]
 */
export async function runAutomation(
  doc: AutomationDocument,
  options: RunAutomationOptions,
): Promise<AutomationExecution> {
  checkSupported(doc);
  const execution: AutomationExecution = {
    executionId: options.executionId ?? randomUUID(),
    documentName: doc.name,
    status: 'Success',
    dryRun: options.dryRun ?? false,
    parameters: resolveParameters(doc, options.parameters ?? {}),
    steps: [],
    outputs: {},
    plan: [],
    startedAt: now(),
  };
  const run: Run = {
    doc,
    options,
    execution,
    outputs: new Map(),
    pendingChange: false,
    accountId: options.accountId,
    sleep: options.sleep ?? realSleep,
  };
  const index = new Map(doc.mainSteps.map((s, i) => [s.name, i]));
  const limit = options.maxStepExecutions ?? 1000;
  let criticalFailure: { status: ExecutionStatus; message: string } | undefined;
  let current: number | undefined = 0;
  while (current !== undefined) {
    if (options.signal?.aborted) {
      execution.status = 'Cancelled';
      execution.failureMessage = `Cancelled before step ${doc.mainSteps[current]?.name}.`;
      break;
    }
    if (execution.steps.length >= limit) {
      execution.status = 'Failed';
      execution.failureMessage = `Stopped after ${limit} step executions: the document loops.`;
      break;
    }
    const step = doc.mainSteps[current] as AutomationStep;
    const { record, next } = await runStep(run, step, current);
    execution.steps.push(record);
    await options.onStep?.(record, execution);

    let target: string | undefined;
    if (record.status === 'Success' || record.status === 'Skipped') {
      target = flag(step.isEnd, false) ? undefined : (next ?? defaultNextStep(doc, current));
    } else {
      const message = `Step ${step.name} ${record.status === 'TimedOut' ? 'timed out' : 'failed'}: ${record.failureMessage}`;
      const status: ExecutionStatus =
        record.status === 'TimedOut' ? 'TimedOut' : record.status === 'Cancelled' ? 'Cancelled' : 'Failed';
      const onFailure = step.onFailure ?? 'Abort';
      if (onFailure === 'Abort' || record.status === 'Cancelled') {
        execution.status = status;
        execution.failureMessage = message;
        break;
      }
      if (flag(step.isCritical, true))
        criticalFailure ??= { status: status === 'TimedOut' ? 'Failed' : status, message };
      target = onFailure === 'Continue' ? defaultNextStep(doc, current) : onFailure.slice('step:'.length);
    }
    current = target === undefined ? undefined : index.get(target);
  }
  if (execution.status === 'Success' && criticalFailure) {
    execution.status = criticalFailure.status;
    execution.failureMessage = criticalFailure.message;
  }
  for (const ref of doc.outputs) {
    const [stepName, output] = ref.split('.') as [string, string];
    const value = run.outputs.get(stepName)?.[output];
    if (value !== undefined) execution.outputs[ref] = jsonSafe(value);
  }
  execution.endedAt = now();
  return execution;
}

/**
 * A resolver following the remediation contract: the function name (or the function part of an ARN) is the
 * remediation id or ends with `-<id>` (e.g. `rebaseline-prod-revoke-public-ingress`).
 * @example
 * const lambdas = lambdasBySuffix({ 'remove-root-access-keys': handler });
 * lambdas('arn:aws:lambda:us-east-1:123456789012:function:rebaseline-dev-remove-root-access-keys'); // handler
 */
export function lambdasBySuffix(handlers: Record<string, LambdaHandler>): LambdaResolver {
  const ids = Object.keys(handlers).sort((a, b) => b.length - a.length);
  return (functionName) => {
    const id = ids.find((i) => isFunctionOf(functionName, i));
    return id === undefined ? undefined : handlers[id];
  };
}

function checkSupported(doc: AutomationDocument): void {
  for (const step of doc.mainSteps) {
    if (!(SUPPORTED_ACTIONS as readonly string[]).includes(step.action))
      throw new UnsupportedActionError(
        doc.name,
        step.name,
        step.action,
        `action ${step.action} is not supported by the local SSM runner (it runs ${SUPPORTED_ACTIONS.join(', ')}).`,
      );
    if (
      ['aws:executeAwsApi', 'aws:assertAwsResourceProperty', 'aws:waitForAwsResourceProperty'].includes(
        step.action,
      )
    )
      resolveApi(doc.name, step, step.inputs as ExecuteAwsApiInputs);
  }
}

type Sendable = { send(command: object, options?: { abortSignal?: AbortSignal }): Promise<unknown> };
type CommandClass = new (input: object) => object;

function resolveApi(document: string, step: AutomationStep, inputs: ExecuteAwsApiInputs) {
  const service = typeof inputs.Service === 'string' ? resolveService(inputs.Service) : undefined;
  if (!service)
    throw new UnsupportedActionError(
      document,
      step.name,
      step.action,
      `service ${inputs.Service} is not supported by the local SSM runner (it calls ${callableServices().join(', ')}).`,
    );
  const key = `${inputs.Api}Command`;
  const Command = Object.hasOwn(service.commands, key)
    ? (service.commands as Record<string, unknown>)[key]
    : undefined;
  if (typeof Command !== 'function')
    throw new UnsupportedActionError(
      document,
      step.name,
      step.action,
      `${inputs.Service} has no API ${inputs.Api} (${service.pkg} has no ${key}).`,
    );
  return { service, Command: Command as CommandClass };
}

function resolveParameters(doc: AutomationDocument, given: Record<string, unknown>): Record<string, unknown> {
  for (const name of Object.keys(given))
    if (!(name in doc.parameters))
      throw new InvalidAutomationParameterError(
        doc.name,
        name,
        `the document has no such parameter (it has ${Object.keys(doc.parameters).join(', ') || 'none'}).`,
      );
  const resolved: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(doc.parameters)) {
    const raw = given[name] ?? definition.default;
    if (raw === undefined)
      throw new InvalidAutomationParameterError(
        doc.name,
        name,
        'is required (it has no default) and was not given.',
      );
    const checked = coerceParameterValue(definition, raw);
    if ('error' in checked) throw new InvalidAutomationParameterError(doc.name, name, checked.error);
    resolved[name] = checked.value;
  }
  return resolved;
}

async function runStep(
  run: Run,
  step: AutomationStep,
  index: number,
): Promise<{ record: StepExecution; next?: string }> {
  const maxAttempts = Math.max(1, step.maxAttempts ?? 1);
  const startedAt = now();
  let attempts = 0;
  let record: Omit<StepExecution, 'name' | 'action' | 'attempts' | 'startedAt' | 'endedAt'>;
  let next: string | undefined;
  do {
    attempts += 1;
    let inputs: Record<string, unknown> = step.inputs;
    try {
      inputs = (await interpolate(run, step, step.inputs)) as Record<string, unknown>;
      const timeoutMs = await stepTimeoutMs(run, step);
      const result = await withTimeout(step.name, timeoutMs, run.options.signal, (signal) =>
        execute(run, step, index, inputs, signal),
      );
      run.outputs.set(step.name, result.outputs);
      next = result.next;
      record = {
        status: result.skipReason ? 'Skipped' : 'Success',
        inputs: jsonSafe(inputs) as Record<string, unknown>,
        outputs: jsonSafe(result.outputs) as Record<string, unknown>,
        ...(result.skipReason ? { skipReason: result.skipReason } : {}),
        ...(result.message ? { message: result.message } : {}),
      };
    } catch (error) {
      const stepError = error instanceof AutomationStepError ? error : undefined;
      const cancelled = run.options.signal?.aborted === true;
      if (stepError?.details.outputs) run.outputs.set(step.name, stepError.details.outputs);
      record = {
        status: cancelled ? 'Cancelled' : stepError?.details.timedOut ? 'TimedOut' : 'Failed',
        inputs: jsonSafe(inputs) as Record<string, unknown>,
        outputs: jsonSafe(stepError?.details.outputs ?? {}) as Record<string, unknown>,
        failureMessage: failureText(error),
      };
      if (cancelled) break;
    }
  } while (record.status !== 'Success' && record.status !== 'Skipped' && attempts < maxAttempts);
  return {
    record: { name: step.name, action: step.action, attempts, startedAt, endedAt: now(), ...record },
    next,
  };
}

function failureText(error: unknown): string {
  if (error instanceof AutomationStepError) return error.message;
  const name = awsErrorName(error);
  const message = error instanceof Error ? error.message : String(error);
  return name && name !== 'Error' && !message.startsWith(name) ? `${name}: ${message}` : message;
}

async function stepTimeoutMs(run: Run, step: AutomationStep): Promise<number | undefined> {
  if (step.timeoutSeconds === undefined) return undefined;
  const value = await interpolate(run, step, step.timeoutSeconds);
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1)
    throw new AutomationStepError(
      step.name,
      `timeoutSeconds ${shown(value)} is not a whole number of seconds.`,
    );
  return seconds * 1000;
}

async function withTimeout<T>(
  step: string,
  timeoutMs: number | undefined,
  parent: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  parent?.addEventListener('abort', abort);
  let timer: NodeJS.Timeout | undefined;
  try {
    if (timeoutMs === undefined) return await work(controller.signal);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(
          new AutomationStepError(step, `timed out after ${timeoutMs / 1000} s (timeoutSeconds).`, {
            timedOut: true,
          }),
        );
      }, timeoutMs);
    });
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', abort);
  }
}

async function execute(
  run: Run,
  step: AutomationStep,
  index: number,
  inputs: Record<string, unknown>,
  signal: AbortSignal,
): Promise<StepResult> {
  switch (step.action) {
    case 'aws:executeAwsApi':
      return executeAwsApi(run, step, inputs as ExecuteAwsApiInputs, signal);
    case 'aws:assertAwsResourceProperty':
      return checkProperty(run, step, inputs as PropertyCheckInputs, signal, false);
    case 'aws:waitForAwsResourceProperty':
      return checkProperty(run, step, inputs as PropertyCheckInputs, signal, true);
    case 'aws:branch':
      return branch(run, step, index, inputs as unknown as BranchInputs);
    case 'aws:sleep':
      return sleepStep(run, step, inputs as unknown as SleepInputs);
    case 'aws:invokeLambdaFunction':
      return invokeLambda(run, step, inputs as unknown as InvokeLambdaInputs);
    case 'aws:approve':
      return approve(run, step, inputs as unknown as ApproveInputs);
    case 'aws:runCommand':
      return runCommand(run, step, inputs as unknown as RunCommandInputs, signal);
    default:
      throw new UnsupportedActionError(run.doc.name, step.name, step.action);
  }
}

// ---------------------------------------------------------------- interpolation

async function interpolate(run: Run, step: AutomationStep, value: unknown): Promise<unknown> {
  if (typeof value === 'string') {
    const whole = WHOLE_REFERENCE_PATTERN.exec(value);
    if (whole) return lookup(run, step, whole[1] as string);
    if (!value.includes('{{')) return value;
    let text = '';
    let last = 0;
    for (const match of value.matchAll(REFERENCE_PATTERN)) {
      text += value.slice(last, match.index) + asText(await lookup(run, step, match[1] as string));
      last = (match.index ?? 0) + match[0].length;
    }
    return text + value.slice(last);
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) items.push(await interpolate(run, step, item));
    return items;
  }
  if (isPlainObject(value)) {
    const map: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) map[k] = await interpolate(run, step, v);
    return map;
  }
  return value;
}

/** How a value reads inside a longer string: text as is, lists and maps as JSON (so JSON payloads work). */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof PlannedValue) return value.toJSON();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

async function lookup(run: Run, step: AutomationStep, ref: string): Promise<unknown> {
  const region = run.options.aws.region;
  switch (ref) {
    case 'global:ACCOUNT_ID':
      return accountId(run);
    case 'global:REGION':
      return region;
    case 'global:AWS_PARTITION':
      return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
    case 'global:AWS_URL_SUFFIX':
      return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    case 'automation:EXECUTION_ID':
      return run.execution.executionId;
  }
  if (ref in run.execution.parameters) return run.execution.parameters[ref];
  const [stepName, output] = ref.split('.');
  const outputs = stepName === undefined || output === undefined ? undefined : run.outputs.get(stepName);
  if (!outputs)
    throw new AutomationStepError(
      step.name,
      stepName !== undefined && output !== undefined && run.doc.mainSteps.some((s) => s.name === stepName)
        ? `{{ ${ref} }} has no value: step ${stepName} has not run in this execution.`
        : `{{ ${ref} }} is neither a parameter nor a step output.`,
    );
  const value = outputs[output as string];
  if (value === undefined)
    throw new AutomationStepError(
      step.name,
      `{{ ${ref} }} has no value: step ${stepName} produced no output ${output} (its selector matched nothing).`,
    );
  return value;
}

async function accountId(run: Run): Promise<string> {
  if (run.accountId === undefined) {
    const identity = await run.options.aws.get(STS).send(new GetCallerIdentityCommand({}));
    run.accountId = identity.Account ?? '';
  }
  return run.accountId;
}

function containsPlanned(value: unknown): boolean {
  if (value instanceof PlannedValue) return true;
  if (Array.isArray(value)) return value.some(containsPlanned);
  if (isPlainObject(value)) return Object.values(value).some(containsPlanned);
  return false;
}

/** A value as it is recorded and returned: planned values as their reference, everything JSON. */
function jsonSafe(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

// ---------------------------------------------------------------- AWS calls and selectors

async function send(run: Run, step: AutomationStep, inputs: ExecuteAwsApiInputs, signal: AbortSignal) {
  const { Service, Api, ...request } = inputs;
  const { service, Command } = resolveApi(run.doc.name, step, inputs);
  const client = run.options.aws.get(service.client) as unknown as Sendable;
  const response = await client.send(new Command(request), { abortSignal: signal });
  return normalise(response) as Record<string, unknown>;
}

/** The response as SSM exposes it: no SDK `$metadata`, timestamps as ISO 8601 strings. */
function normalise(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(normalise);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      if (k !== '$metadata' && v !== undefined) out[k] = normalise(v);
    return out;
  }
  return value;
}

function select(path: string, json: unknown): unknown[] {
  return JSONPath({ path, json: json as object, wrap: true, eval: 'safe' }) as unknown[];
}

/** A path that names one place (`$.A[0].B`), not a set of places (`$..B`, `$.A[*]`, filters, slices, unions). */
function isDefinitePath(path: string): boolean {
  return JSONPath.toPathArray(path)
    .slice(1)
    .every((part) => part !== '*' && part !== '..' && !/^[?(]/.test(part) && !/[,:]/.test(part));
}

function selectOutputs(
  step: AutomationStep,
  definitions: StepOutputDefinition[] | undefined,
  data: unknown,
): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const def of definitions ?? []) {
    const matches = select(def.Selector, data);
    const list = def.Type === 'StringList' || def.Type === 'MapList';
    let value: unknown;
    if (isDefinitePath(def.Selector)) value = matches[0];
    else if (list) value = matches;
    else if (matches.length > 1)
      throw new AutomationStepError(
        step.name,
        `output ${def.Name}: selector ${def.Selector} matched ${matches.length} values, ${def.Type} needs one.`,
      );
    else value = matches[0];
    if (value === undefined) continue;
    if (!hasType(def.Type, value))
      throw new AutomationStepError(
        step.name,
        `output ${def.Name}: selector ${def.Selector} gave ${typeName(value)} ${shown(value)}, declared ${def.Type}.`,
      );
    outputs[def.Name] = value;
  }
  return outputs;
}

function hasType(type: StepOutputDefinition['Type'], value: unknown): boolean {
  switch (type) {
    case 'String':
      return typeof value === 'string';
    case 'Integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'Boolean':
      return typeof value === 'boolean';
    case 'StringList':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'MapList':
      return Array.isArray(value) && value.every(isPlainObject);
    case 'StringMap':
      return isPlainObject(value);
  }
}

/** How SSM's runtime renders a selected value before comparing it with DesiredValues (Python's `str`). */
function ssmText(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return value;
  if (value === null) return 'None';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

// ---------------------------------------------------------------- actions

async function executeAwsApi(
  run: Run,
  step: AutomationStep,
  inputs: ExecuteAwsApiInputs,
  signal: AbortSignal,
): Promise<StepResult> {
  const { Service, Api, ...request } = inputs;
  const planned = () =>
    Object.fromEntries((step.outputs ?? []).map((o) => [o.Name, new PlannedValue(`${step.name}.${o.Name}`)]));
  if (run.options.dryRun && !isReadOnlyApi(Api)) {
    run.execution.plan.push({
      step: step.name,
      service: Service,
      api: Api,
      inputs: jsonSafe(request) as Record<string, unknown>,
      via: 'aws:executeAwsApi',
    });
    run.pendingChange = true;
    return {
      outputs: planned(),
      skipReason: 'planned',
      message: `Planned: ${Service} ${Api} (not sent in dry-run).`,
    };
  }
  if (run.options.dryRun && containsPlanned(request))
    return {
      outputs: planned(),
      skipReason: 'depends-on-plan',
      message: `Not run in dry-run: ${Service} ${Api} reads the result of a planned call.`,
    };
  const response = await send(run, step, inputs, signal);
  return { outputs: selectOutputs(step, step.outputs, response) };
}

async function checkProperty(
  run: Run,
  step: AutomationStep,
  inputs: PropertyCheckInputs,
  signal: AbortSignal,
  wait: boolean,
): Promise<StepResult> {
  const { PropertySelector, DesiredValues, ...call } = inputs;
  const what = `${call.Service} ${call.Api} ${PropertySelector}`;
  const desired = DesiredValues.map(ssmText);
  if (run.options.dryRun && run.pendingChange)
    return {
      outputs: {},
      skipReason: 'would-verify',
      message: `Would verify: ${what} in ${shown(desired)}.`,
    };
  const read = async () => {
    const response = await send(run, step, call as ExecuteAwsApiInputs, signal);
    const matches = select(PropertySelector, response);
    const values = matches.length === 1 && Array.isArray(matches[0]) ? (matches[0] as unknown[]) : matches;
    return values.map(ssmText);
  };
  const satisfied = (actual: string[]) => actual.length > 0 && actual.every((v) => desired.includes(v));
  let actual = await read();
  if (!wait) {
    if (satisfied(actual)) return { outputs: {}, message: `Verified: ${what} is ${shown(actual)}.` };
    throw new AutomationStepError(
      step.name,
      `${what} is ${actual.length ? shown(actual) : 'absent (the selector matched nothing)'}; desired ${shown(desired)}.`,
    );
  }
  const interval = run.options.pollIntervalMs ?? 2000;
  const maxWait = run.options.maxWaitMs ?? 120_000;
  const polls = Math.max(1, Math.floor(maxWait / interval) + 1);
  for (let poll = 1; ; poll += 1) {
    if (satisfied(actual))
      return { outputs: {}, message: `Verified after ${poll} poll(s): ${what} is ${shown(actual)}.` };
    if (poll >= polls || signal.aborted)
      throw new AutomationStepError(
        step.name,
        `${what} is still ${actual.length ? shown(actual) : 'absent'} after ${poll} poll(s) over ${maxWait / 1000} s; desired ${shown(desired)}.`,
        { timedOut: true },
      );
    await run.sleep(interval);
    actual = await read();
  }
}

function branch(run: Run, step: AutomationStep, index: number, inputs: BranchInputs): StepResult {
  for (const [k, choice] of inputs.Choices.entries())
    if (condition(step, choice))
      return {
        outputs: {},
        next: choice.NextStep,
        message: `Choice ${k + 1} is true: next step ${choice.NextStep}.`,
      };
  const fallback = inputs.Default ?? run.doc.mainSteps[index + 1]?.name;
  return {
    outputs: {},
    next: fallback,
    message: fallback
      ? `No choice is true: next step ${fallback}.`
      : 'No choice is true and no step follows.',
  };
}

function condition(step: AutomationStep, c: BranchCondition): boolean {
  if (c.And) return c.And.every((x) => condition(step, x));
  if (c.Or) return c.Or.some((x) => condition(step, x));
  if (c.Not) return !condition(step, c.Not);
  const v = c.Variable;
  if (v instanceof PlannedValue)
    throw new AutomationStepError(
      step.name,
      `a dry-run cannot decide this branch: it depends on ${v.toJSON()}, the result of a planned call.`,
    );
  const text = () => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new AutomationStepError(
      step.name,
      `Variable is ${typeName(v)} ${shown(v)}; a string comparison needs a scalar.`,
    );
  };
  const number = () => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (Number.isNaN(n))
      throw new AutomationStepError(step.name, `Variable is ${typeName(v)} ${shown(v)}, not a number.`);
    return n;
  };
  if (c.StringEquals !== undefined) return text() === c.StringEquals;
  if (c.EqualsIgnoreCase !== undefined) return text().toLowerCase() === c.EqualsIgnoreCase.toLowerCase();
  if (c.StartsWith !== undefined) return text().startsWith(c.StartsWith);
  if (c.EndsWith !== undefined) return text().endsWith(c.EndsWith);
  if (c.Contains !== undefined) return text().includes(c.Contains);
  if (c.NumericEquals !== undefined) return number() === c.NumericEquals;
  if (c.NumericGreater !== undefined) return number() > c.NumericGreater;
  if (c.NumericLesser !== undefined) return number() < c.NumericLesser;
  if (c.NumericGreaterOrEquals !== undefined) return number() >= c.NumericGreaterOrEquals;
  if (c.NumericLesserOrEquals !== undefined) return number() <= c.NumericLesserOrEquals;
  if (c.BooleanEquals !== undefined) {
    const b =
      typeof v === 'boolean'
        ? v
        : typeof v === 'string' && /^(true|false)$/i.test(v)
          ? /^true$/i.test(v)
          : undefined;
    if (b === undefined)
      throw new AutomationStepError(step.name, `Variable is ${typeName(v)} ${shown(v)}, not a Boolean.`);
    return b === c.BooleanEquals;
  }
  throw new AutomationStepError(step.name, 'a choice has no operator.');
}

const MAX_SLEEP_MS = 7 * 24 * 3600 * 1000;

/** ISO 8601 duration (`PT30S`, `PT1M30S`, `P1DT2H`) in milliseconds; undefined when it is not one. */
export function durationMs(duration: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!m || duration === 'P' || duration.endsWith('T')) return undefined;
  const [, d = '0', h = '0', min = '0', s = '0'] = m;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Math.round(Number(s) * 1000);
}

async function sleepStep(run: Run, step: AutomationStep, inputs: SleepInputs): Promise<StepResult> {
  const ms = typeof inputs.Duration === 'string' ? durationMs(inputs.Duration) : undefined;
  if (ms === undefined)
    throw new AutomationStepError(
      step.name,
      `Duration ${shown(inputs.Duration)} is not an ISO 8601 duration (PT30S).`,
    );
  if (ms > MAX_SLEEP_MS)
    throw new AutomationStepError(
      step.name,
      `Duration ${inputs.Duration} is longer than SSM's maximum of 7 days.`,
    );
  if (run.options.dryRun)
    return { outputs: {}, skipReason: 'dry-run', message: `Would sleep ${inputs.Duration}.` };
  await run.sleep(ms);
  return { outputs: {}, message: `Slept ${inputs.Duration}.` };
}

async function invokeLambda(run: Run, step: AutomationStep, inputs: InvokeLambdaInputs): Promise<StepResult> {
  const functionName = String(inputs.FunctionName);
  const handler = run.options.lambdas?.(functionName);
  if (!handler)
    throw new AutomationStepError(
      step.name,
      `no in-process handler for Lambda function ${functionName} (pass options.lambdas).`,
    );
  let payload: unknown = inputs.InputPayload ?? {};
  if (inputs.Payload !== undefined) {
    try {
      payload = JSON.parse(inputs.Payload);
    } catch (cause) {
      throw new AutomationStepError(step.name, `Payload is not JSON: ${shown(inputs.Payload)}.`, { cause });
    }
  }
  if (!isPlainObject(payload))
    throw new AutomationStepError(
      step.name,
      `the Lambda payload must be a JSON object, got ${typeName(payload)}.`,
    );
  const event = jsonSafe(run.options.dryRun ? { ...payload, DryRun: true } : payload) as Record<
    string,
    unknown
  >;
  const deadline = Date.now() + 900_000;
  const context: LambdaContext = {
    functionName: lambdaFunctionName(functionName),
    functionVersion: inputs.Qualifier ?? '$LATEST',
    invokedFunctionArn: functionName.startsWith('arn:')
      ? functionName
      : run.accountId
        ? `arn:${await lookup(run, step, 'global:AWS_PARTITION')}:lambda:${run.options.aws.region}:${run.accountId}:function:${lambdaFunctionName(functionName)}`
        : lambdaFunctionName(functionName),
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let result: unknown;
  try {
    result = await handler(event, context);
  } catch (error) {
    const errorType = error instanceof Error ? error.name : 'Error';
    const errorMessage = error instanceof Error ? error.message : String(error);
    throw new AutomationStepError(
      step.name,
      `Lambda function ${functionName} failed (FunctionError: Unhandled): ${errorType}: ${errorMessage}`,
      {
        outputs: { StatusCode: 200, FunctionError: 'Unhandled', Payload: { errorType, errorMessage } },
        cause: error,
      },
    );
  }
  const response = { Payload: result === undefined ? null : jsonSafe(result), StatusCode: 200 };
  const outputs = { ...response, ...selectOutputs(step, step.outputs, response) };
  if (run.options.dryRun) recordLambdaPlan(run, step, response.Payload);
  return { outputs };
}

/** A dry-run Lambda returns its plan as `plan: [{ service, api, inputs }]`; it joins the execution's plan. */
function recordLambdaPlan(run: Run, step: AutomationStep, payload: unknown): void {
  const plan = isPlainObject(payload) ? payload.plan : undefined;
  if (plan === undefined) {
    // Without a plan the Lambda may have intended changes, so what follows cannot be verified for real.
    run.pendingChange = true;
    return;
  }
  const valid = (p: unknown): p is { service: string; api: string; inputs?: Record<string, unknown> } =>
    isPlainObject(p) &&
    typeof p.service === 'string' &&
    typeof p.api === 'string' &&
    (p.inputs === undefined || isPlainObject(p.inputs));
  if (!Array.isArray(plan) || !plan.every(valid))
    throw new AutomationStepError(
      step.name,
      `the dry-run Payload.plan must be a list of { service, api, inputs }, got ${shown(plan)}.`,
    );
  for (const p of plan)
    run.execution.plan.push({
      step: step.name,
      service: p.service,
      api: p.api,
      inputs: p.inputs ?? {},
      via: 'aws:invokeLambdaFunction',
    });
  if (plan.length) run.pendingChange = true;
}

async function approve(run: Run, step: AutomationStep, inputs: ApproveInputs): Promise<StepResult> {
  const approvers = Array.isArray(inputs.Approvers) ? inputs.Approvers.map(String) : [];
  const needed = inputs.MinRequiredApprovals ?? 1;
  const who = approvers.length ? approvers.join(', ') : 'nobody (Approvers is empty)';
  if (run.options.dryRun)
    return {
      outputs: {},
      skipReason: 'dry-run',
      message: `Would wait for ${needed} approval(s) by ${who}${inputs.Message ? `: ${inputs.Message}` : ''}.`,
    };
  if (approvers.length === 0)
    throw new AutomationStepError(step.name, 'Approvers is empty: SSM needs at least one approver.');
  if (!run.options.approve)
    throw new AutomationStepError(
      step.name,
      `approval by ${who} is required and nobody can answer here (the command line takes --approve, or asks on a terminal); nothing after this step runs.`,
    );
  const decision = await run.options.approve({
    document: run.doc.name,
    step: step.name,
    approvers,
    minRequiredApprovals: needed,
    ...(inputs.Message ? { message: inputs.Message } : {}),
  });
  const decisions = [
    {
      Approver: decision.approver,
      Decision: decision.approved ? 'Approve' : 'Reject',
      ...(decision.comment ? { Comment: decision.comment } : {}),
    },
  ];
  if (!decision.approved)
    throw new AutomationStepError(
      step.name,
      `rejected by ${decision.approver}${decision.comment ? `: ${decision.comment}` : ''}.`,
      {
        outputs: { ApprovalStatus: 'Rejected', ApproverDecisions: decisions, Approvers: approvers },
      },
    );
  return {
    outputs: { ApprovalStatus: 'Approved', ApproverDecisions: decisions, Approvers: approvers },
    message: `Approved by ${decision.approver}.`,
  };
}

const COMMAND_DONE = new Set([
  'Success',
  'Failed',
  'Cancelled',
  'TimedOut',
  'Undeliverable',
  'Terminated',
  'InvalidPlatform',
  'AccessDenied',
  'DeliveryTimedOut',
  'ExecutionTimedOut',
]);

/** Run Command parameters are lists of strings: a scalar is a one-item list. */
function commandParameters(parameters: Record<string, unknown> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(parameters ?? {}))
    out[k] = Array.isArray(v)
      ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
      : [typeof v === 'string' ? v : JSON.stringify(v)];
  return out;
}

async function runCommand(
  run: Run,
  step: AutomationStep,
  inputs: RunCommandInputs,
  signal: AbortSignal,
): Promise<StepResult> {
  const request = {
    DocumentName: inputs.DocumentName,
    InstanceIds: inputs.InstanceIds,
    Parameters: commandParameters(inputs.Parameters),
    ...(inputs.Comment ? { Comment: inputs.Comment } : {}),
    ...(inputs.OutputS3BucketName ? { OutputS3BucketName: inputs.OutputS3BucketName } : {}),
    ...(inputs.OutputS3KeyPrefix ? { OutputS3KeyPrefix: inputs.OutputS3KeyPrefix } : {}),
    ...(inputs.TimeoutSeconds !== undefined ? { TimeoutSeconds: Number(inputs.TimeoutSeconds) } : {}),
  };
  if (run.options.dryRun) {
    run.execution.plan.push({
      step: step.name,
      service: 'ssm',
      api: 'SendCommand',
      inputs: jsonSafe(request) as Record<string, unknown>,
      via: 'aws:runCommand',
    });
    run.pendingChange = true;
    return {
      outputs: {},
      skipReason: 'planned',
      message: `Planned: ssm SendCommand ${inputs.DocumentName} (not sent in dry-run).`,
    };
  }
  const client = run.options.aws.get(SSM);
  const sent = await client.send(new SendCommandCommand(request), { abortSignal: signal });
  const commandId = sent.Command?.CommandId;
  if (!commandId)
    throw new AutomationStepError(step.name, `SendCommand ${inputs.DocumentName} returned no command id.`);
  const interval = run.options.pollIntervalMs ?? 2000;
  const polls = Math.max(1, Math.floor((run.options.maxWaitMs ?? 120_000) / interval) + 1);
  const instances = inputs.InstanceIds ?? sent.Command?.InstanceIds ?? [];
  for (let poll = 1; ; poll++) {
    const invocations: GetCommandInvocationCommandOutput[] = [];
    for (const instanceId of instances) {
      try {
        invocations.push(
          await client.send(
            new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
            { abortSignal: signal },
          ),
        );
      } catch (error) {
        // Right after SendCommand the invocation may not exist yet: it is pending.
        if (awsErrorName(error) !== 'InvocationDoesNotExist') throw error;
      }
    }
    const done =
      invocations.length === instances.length && invocations.every((i) => COMMAND_DONE.has(i.Status ?? ''));
    if (done) {
      const first = invocations[0];
      const failed = invocations.filter((i) => i.Status !== 'Success');
      const outputs = {
        CommandId: commandId,
        Status: failed.length ? (failed[0]?.Status ?? 'Failed') : 'Success',
        ResponseCode: first?.ResponseCode ?? 0,
        Output: first?.StandardOutputContent ?? '',
      };
      if (failed.length)
        throw new AutomationStepError(
          step.name,
          `command ${commandId} (${inputs.DocumentName}) ended ${failed.map((i) => `${i.Status} on ${i.InstanceId}`).join(', ')}.`,
          { outputs },
        );
      return {
        outputs,
        message: `Command ${commandId} (${inputs.DocumentName}) succeeded on ${instances.join(', ')}.`,
      };
    }
    if (poll >= polls || signal.aborted)
      throw new AutomationStepError(
        step.name,
        `command ${commandId} (${inputs.DocumentName}) did not finish within the local bound.`,
        {
          timedOut: true,
          outputs: { CommandId: commandId },
        },
      );
    await run.sleep(interval);
  }
}

import { join } from 'node:path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsClients } from '../shared/aws/clients';

export { playbookParameters } from '../shared/incident/parameters';

import { STS } from '../shared/aws/services/sts';
import { UsageError } from '../shared/errors';
import type { CallRecord } from '../shared/incident/calls';
import {
  type Decision,
  type DecisionOptions,
  decide,
  PLAYBOOK_IDS,
  type PlaybookId,
  parseAllowList,
} from '../shared/incident/decision';
import type { Finding } from '../shared/incident/finding';
import { forcedResponse, playbookParameters } from '../shared/incident/parameters';
import { parseFindings } from '../shared/incident/parse';
import type { PlaybookMetadata } from '../shared/incident/playbook';
import { RESPONSE_SETTINGS, type ResponseSettings } from '../shared/incident/settings';
import {
  type ResponseSummary,
  type SummaryCall,
  type SummaryPlaybook,
  summaryFinding,
} from '../shared/incident/summary';
import { type AutomationDocument, loadAutomationDocument } from './ssm/document';
import {
  type ApprovalDecision,
  type ApprovalRequest,
  type AutomationExecution,
  type LambdaHandler,
  lambdasBySuffix,
  runAutomation,
  type StepExecution,
} from './ssm/runner';

/** What the respond flow needs of a playbook (the registry in `playbooks/index.ts` provides it). */
export interface PlaybookEntry {
  meta: PlaybookMetadata;
  dir: string;
  createHandler?: (clients?: (region: string) => AwsClients) => (payload: unknown) => Promise<unknown>;
}

/** One row of a response: a call (planned or made), an approval, a Run Command, a verification, a failure. */
export interface ResponseStep {
  playbook: string;
  step: string;
  action: string;
  resource: string;
  inputs: Record<string, unknown>;
  /** `planned`, `done`, `failed: …`, `skipped: …`, `verified`, `would verify`, `approved by …`. */
  outcome: string;
  why?: string;
}

/** One playbook of a response. */
export interface PlaybookRun {
  playbook: PlaybookId;
  reason: string;
  parameters?: Record<string, string>;
  execution?: AutomationExecution;
  /** Why it did not run at all (no topic configured, the wrong account…). */
  skipped?: string;
}

/** The response to one finding. */
export interface IncidentResponse {
  finding: Finding;
  decision: Decision;
  runs: PlaybookRun[];
  steps: ResponseStep[];
  applied: boolean;
  actor: string;
  startedAt: Date;
  endedAt: Date;
  /** When the last containment playbook ended successfully (apply only). */
  containedAt?: Date;
  notifiedAt?: Date;
  summary: ResponseSummary;
  /** True when a playbook failed or was refused. */
  failed: boolean;
}

export interface RespondOptions {
  /** The finding file's JSON (an event, a finding, GetFindings output…). */
  input: unknown;
  clients: AwsClients;
  playbooks: readonly PlaybookEntry[];
  /** Without it, only plans (dry-run). */
  apply: boolean;
  /** Run this playbook (then notify) whatever the decision says: a person overriding it. */
  playbook?: PlaybookId;
  settings?: Partial<ResponseSettings>;
  /** Minimum severity and type prefixes (the allow-list, skip tag and evidence bucket come from `settings`). */
  decision?: Pick<DecisionOptions, 'minSeverity' | 'typePrefixes'>;
  /** Deployed Lambda names are `<prefix><playbook id>`; default `rebaseline-`. */
  lambdaPrefix?: string;
  /** Value of the documents' AutomationAssumeRole parameter. */
  assumeRoleArn?: string;
  approve?: (request: ApprovalRequest) => Promise<ApprovalDecision>;
  /** Who runs it (recorded); default the caller's ARN. */
  actor?: string;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Local bound on waiting steps (Run Command); default 120 s. */
  maxWaitMs?: number;
}

/** The response settings with their defaults, checked. */
export function responseSettings(given: Partial<ResponseSettings> = {}): ResponseSettings {
  const settings = { ...RESPONSE_SETTINGS, ...given } as ResponseSettings;
  for (const key of Object.keys(given))
    if (!(key in RESPONSE_SETTINGS))
      throw new UsageError(
        `Unknown response setting ${key}; the settings are ${Object.keys(RESPONSE_SETTINGS).join(', ')}.`,
      );
  parseAllowList(settings.allowList, 'allowList');
  return settings;
}

const CONTAINMENT: readonly PlaybookId[] = ['revoke-role-sessions', 'block-ip', 'isolate-ec2-instance'];

/** The rows of one execution: every call its Lambda steps made or planned, approvals, Run Commands, verifications. */
export function stepsOf(playbook: string, execution: AutomationExecution): ResponseStep[] {
  const rows: ResponseStep[] = [];
  for (const step of execution.steps) {
    const payload = step.outputs.Payload as { Calls?: CallRecord[]; Message?: string } | undefined;
    if (step.action === 'aws:invokeLambdaFunction') {
      for (const c of payload?.Calls ?? [])
        rows.push({
          playbook,
          step: step.name,
          action: `${c.service}:${c.api}`,
          resource: c.resource,
          inputs: c.inputs,
          outcome: c.outcome === 'failed' ? `failed: ${c.error ?? ''}` : c.outcome,
          why: c.why,
        });
      if (step.name.startsWith('Verify'))
        rows.push({
          playbook,
          step: step.name,
          action: 'verify',
          resource: '',
          inputs: {},
          outcome:
            step.status === 'Success'
              ? execution.dryRun
                ? 'would verify'
                : 'verified'
              : `failed: ${step.failureMessage ?? ''}`,
          why: payload?.Message ?? step.failureMessage,
        });
      else if (step.status === 'Failed' || step.status === 'TimedOut')
        rows.push({
          playbook,
          step: step.name,
          action: 'lambda:InvokeFunction',
          resource: String(step.inputs.FunctionName ?? ''),
          inputs: {},
          outcome: `failed: ${step.failureMessage ?? ''}`,
        });
    } else if (step.action === 'aws:approve' || step.action === 'aws:runCommand') {
      const outcome =
        step.status === 'Skipped'
          ? step.skipReason === 'planned'
            ? 'planned'
            : `skipped: ${step.message ?? ''}`
          : step.status === 'Success'
            ? step.action === 'aws:approve'
              ? (step.message ?? 'approved')
              : 'done'
            : `failed: ${step.failureMessage ?? ''}`;
      rows.push({
        playbook,
        step: step.name,
        action: step.action === 'aws:approve' ? 'aws:approve' : 'ssm:SendCommand',
        resource:
          step.action === 'aws:approve'
            ? String((step.inputs.Approvers as string[] | undefined)?.join(', ') ?? '')
            : String((step.inputs.InstanceIds as string[] | undefined)?.join(', ') ?? ''),
        inputs: step.inputs,
        outcome,
        why: step.message,
      });
    }
  }
  return rows;
}

function notesOf(execution: AutomationExecution): string[] {
  return execution.steps.flatMap((s: StepExecution) =>
    ((s.outputs.Payload as { Notes?: string[] } | undefined)?.Notes ?? []).filter((n) => n !== ''),
  );
}

function summaryPlaybook(run: PlaybookRun): SummaryPlaybook {
  const calls: SummaryCall[] = run.execution
    ? stepsOf(run.playbook, run.execution)
        .filter((s) => s.action !== 'verify')
        .map((s) => ({
          step: s.step,
          action: s.action,
          resource: s.resource,
          why: s.why ?? '',
          outcome: s.outcome.split(':')[0] as string,
          ...(s.outcome.startsWith('failed') ? { error: s.outcome.slice(8) } : {}),
        }))
    : [];
  return {
    playbook: run.playbook,
    status: run.skipped ? 'Skipped' : (run.execution?.status ?? 'NotRun'),
    ...(run.execution ? { executionId: run.execution.executionId } : {}),
    ...(run.skipped
      ? { message: run.skipped }
      : run.execution?.failureMessage
        ? { message: run.execution.failureMessage }
        : {}),
    calls,
    notes: run.execution ? [...new Set(notesOf(run.execution))] : [],
  };
}

function summaryOf(
  finding: Finding,
  decision: Decision,
  runs: PlaybookRun[],
  applied: boolean,
  actor: string,
  startedAt: Date,
  endedAt?: Date,
): ResponseSummary {
  return {
    finding: summaryFinding(finding),
    decision: {
      notifyOnly: decision.notifyOnly,
      reasons: decision.reasons,
      spared: decision.spared,
      ...(decision.filteredBy ? { filteredBy: decision.filteredBy } : {}),
      playbooks: decision.responses.map((r) => r.playbook),
    },
    applied,
    playbooks: runs.map(summaryPlaybook),
    startedAt: startedAt.toISOString(),
    ...(endedAt ? { endedAt: endedAt.toISOString() } : {}),
    actor,
  };
}

async function callerAccount(clients: AwsClients): Promise<{ account?: string; arn?: string }> {
  try {
    const me = await clients.get(STS).send(new GetCallerIdentityCommand({}));
    return { account: me.Account, arn: me.Arn };
  } catch {
    return {};
  }
}

/**
 * Responds to every finding in `input`: parses it (a malformed finding throws `MalformedFindingError` before anything
 * runs), decides, then runs each playbook's document with the local runner (dry-run unless `apply`) and ends with one
 * notification. A playbook runs only against the account the finding is about: credentials for another account
 * refuse it (and say how to reach the right one).
 * @example
 * const [response] = await respondToFindings({ input: JSON.parse(text), clients, playbooks: PLAYBOOKS, apply: false });
 * response.steps; // [{ playbook: 'block-ip', step: 'BlockInNetworkAcls', action: 'ec2:CreateNetworkAclEntry', … }]
 */
export async function respondToFindings(options: RespondOptions): Promise<IncidentResponse[]> {
  const findings = parseFindings(options.input);
  const settings = responseSettings(options.settings);
  if (options.playbook && !(PLAYBOOK_IDS as readonly string[]).includes(options.playbook))
    throw new UsageError(
      `Unknown playbook ${options.playbook}; the playbooks are ${PLAYBOOK_IDS.join(', ')}.`,
    );
  const now = options.now ?? (() => new Date());
  const caller = await callerAccount(options.clients);
  const actor = options.actor ?? caller.arn ?? 'unknown';
  const handlers: Record<string, LambdaHandler> = {};
  for (const p of options.playbooks)
    if (p.createHandler) handlers[p.meta.id] = p.createHandler(() => options.clients) as LambdaHandler;
  const lambdas = lambdasBySuffix(handlers);
  const documents = new Map<string, AutomationDocument>();
  const documentOf = (p: PlaybookEntry) => {
    let doc = documents.get(p.meta.id);
    if (!doc) {
      doc = loadAutomationDocument(join(p.dir, p.meta.document), { kind: 'playbook' });
      documents.set(p.meta.id, doc);
    }
    return doc;
  };
  const deployment = {
    lambdaPrefix: options.lambdaPrefix ?? 'rebaseline-',
    assumeRoleArn: options.assumeRoleArn ?? '',
  };
  const decisionOptions: DecisionOptions = {
    ...options.decision,
    allowList: parseAllowList(settings.allowList),
    skipTag: { key: settings.skipTagKey, value: settings.skipTagValue },
    ...(settings.evidenceBucket ? { evidenceBucket: settings.evidenceBucket } : {}),
  };
  const responses: IncidentResponse[] = [];
  for (const finding of findings) {
    const startedAt = now();
    const decision = decide(finding, decisionOptions);
    let planned = decision.responses;
    if (options.playbook) {
      const chosen =
        planned.find((r) => r.playbook === options.playbook) ?? forcedResponse(finding, options.playbook);
      planned = [
        chosen,
        ...(options.playbook === 'notify'
          ? []
          : [
              {
                playbook: 'notify' as const,
                reason: 'Every response tells people what was found and what was done.',
              },
            ]),
      ];
      decision.reasons.push(
        `A person chose --playbook ${options.playbook}: it runs whatever the table says.`,
      );
    }
    const wrongAccount =
      finding.accountId && caller.account && finding.accountId !== caller.account
        ? `The finding is about account ${finding.accountId}, but these credentials are for account ${caller.account}: nothing is run there (use --role-arn to reach account ${finding.accountId}).`
        : undefined;
    const runs: PlaybookRun[] = [];
    let containedAt: Date | undefined;
    let notifiedAt: Date | undefined;
    for (const response of planned) {
      const entry = options.playbooks.find((p) => p.meta.id === response.playbook);
      if (!entry) throw new UsageError(`Playbook ${response.playbook} is not registered.`);
      if (wrongAccount && response.playbook !== 'notify') {
        runs.push({ playbook: response.playbook, reason: response.reason, skipped: wrongAccount });
        continue;
      }
      if (response.playbook === 'notify' && !settings.topicArn) {
        runs.push({
          playbook: 'notify',
          reason: response.reason,
          skipped: 'No SNS topic is configured (--topic-arn): nobody is told.',
        });
        continue;
      }
      const summary =
        response.playbook === 'notify'
          ? JSON.stringify(summaryOf(finding, decision, runs, options.apply, actor, startedAt, now()))
          : undefined;
      const parameters = playbookParameters(entry.meta, finding, response, settings, {
        ...deployment,
        ...(summary ? { summary } : {}),
      });
      const execution = await runAutomation(documentOf(entry), {
        aws: options.clients,
        parameters,
        dryRun: !options.apply,
        lambdas,
        ...(caller.account ? { accountId: caller.account } : {}),
        ...(options.approve ? { approve: options.approve } : {}),
        ...(options.sleep ? { sleep: options.sleep } : {}),
        maxWaitMs: options.maxWaitMs ?? 120_000,
      });
      runs.push({ playbook: response.playbook, reason: response.reason, parameters, execution });
      if (options.apply && execution.status === 'Success' && execution.endedAt) {
        if (CONTAINMENT.includes(response.playbook)) containedAt = new Date(execution.endedAt);
        if (response.playbook === 'notify') notifiedAt = new Date(execution.endedAt);
      }
    }
    const endedAt = now();
    const failed = runs.some(
      (r) => (r.execution && r.execution.status !== 'Success') || (r.skipped && r.playbook !== 'notify'),
    );
    responses.push({
      finding,
      decision,
      runs,
      steps: runs.flatMap((r) =>
        r.execution
          ? stepsOf(r.playbook, r.execution)
          : [
              {
                playbook: r.playbook,
                step: '-',
                action: '-',
                resource: '',
                inputs: {},
                outcome: `skipped: ${r.skipped ?? ''}`,
              },
            ],
      ),
      applied: options.apply,
      actor,
      startedAt,
      endedAt,
      ...(containedAt && !failed ? { containedAt } : {}),
      ...(notifiedAt ? { notifiedAt } : {}),
      summary: summaryOf(finding, decision, runs, options.apply, actor, startedAt, endedAt),
      failed,
    });
  }
  return responses;
}

/** Runs the release of an isolated instance (the isolate playbook's `release` mode). */
export async function releaseInstance(options: {
  instanceId: string;
  clients: AwsClients;
  playbooks: readonly PlaybookEntry[];
  apply: boolean;
  settings?: Partial<ResponseSettings>;
  lambdaPrefix?: string;
  assumeRoleArn?: string;
}): Promise<AutomationExecution> {
  return runPlaybookMode(
    'isolate-ec2-instance',
    { InstanceId: options.instanceId, FindingId: '', Mode: 'release' },
    options,
  );
}

/** Removes blocks: of given addresses (`unblock`), or every entry older than the retention (`prune`). */
export async function releaseAddresses(options: {
  ips?: string[];
  clients: AwsClients;
  playbooks: readonly PlaybookEntry[];
  apply: boolean;
  settings?: Partial<ResponseSettings>;
  lambdaPrefix?: string;
  assumeRoleArn?: string;
}): Promise<AutomationExecution> {
  return runPlaybookMode(
    'block-ip',
    options.ips
      ? { Mode: 'unblock', IpAddresses: options.ips.join(',') }
      : { Mode: 'prune', IpAddresses: '' },
    options,
  );
}

async function runPlaybookMode(
  id: PlaybookId,
  overrides: Record<string, string>,
  options: {
    clients: AwsClients;
    playbooks: readonly PlaybookEntry[];
    apply: boolean;
    settings?: Partial<ResponseSettings>;
    lambdaPrefix?: string;
    assumeRoleArn?: string;
  },
): Promise<AutomationExecution> {
  const entry = options.playbooks.find((p) => p.meta.id === id);
  if (!entry?.createHandler) throw new UsageError(`Playbook ${id} is not registered.`);
  const settings = responseSettings(options.settings);
  const base = playbookParameters(
    entry.meta,
    { id: 'release' } as Finding,
    { playbook: id, reason: '' },
    settings,
    {
      lambdaPrefix: options.lambdaPrefix ?? 'rebaseline-',
      assumeRoleArn: options.assumeRoleArn ?? '',
    },
  );
  const parameters = Object.fromEntries(
    Object.entries({ ...base, ...overrides }).filter(([name]) => name in entry.meta.parameters),
  );
  const caller = await callerAccount(options.clients);
  return runAutomation(loadAutomationDocument(join(entry.dir, entry.meta.document), { kind: 'playbook' }), {
    aws: options.clients,
    parameters,
    dryRun: !options.apply,
    lambdas: lambdasBySuffix({ [id]: entry.createHandler(() => options.clients) as LambdaHandler }),
    ...(caller.account ? { accountId: caller.account } : {}),
  });
}

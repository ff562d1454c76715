import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { UsageError } from '../../../shared/errors';
import { PLAYBOOK_IDS, type PlaybookId } from '../../../shared/incident/decision';
import { describeFinding } from '../../../shared/incident/finding';
import {
  RESPONSE_SETTINGS,
  type ResponseSetting,
  type ResponseSettings,
} from '../../../shared/incident/settings';
import { recordResponse } from '../../history/incidents';
import { type IncidentResponse, type PlaybookEntry, respondToFindings } from '../../respond';
import type { ApprovalDecision, ApprovalRequest } from '../../ssm/runner';
import { type ConnectionOptions, connect, withConnectionOptions } from '../connection';
import { readJsonFile } from '../io';
import { withHistory } from '../open-history';
import { table } from '../table';

export interface ResponseCliOptions extends ConnectionOptions {
  apply?: boolean;
  dryRun?: boolean;
  format: 'table' | 'json';
  db?: string;
  topicArn?: string;
  stateTable?: string;
  evidenceBucket?: string;
  wafIpSetArns?: string;
  allowList?: string;
  requireApproval?: boolean;
  approvers?: string;
  approve?: boolean;
  set?: string[];
  lambdaPrefix: string;
  automationRoleArn?: string;
}

interface RespondCliOptions extends ResponseCliOptions {
  finding: string;
  playbook?: string;
  minSeverity?: string;
  typePrefixes?: string;
}

/** `--set name=value` (repeatable) and the named options, as response settings. */
export function settingsFrom(opts: ResponseCliOptions): Partial<ResponseSettings> {
  const settings: Partial<ResponseSettings> = {};
  for (const pair of opts.set ?? []) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq) : '';
    if (!(name in RESPONSE_SETTINGS))
      throw new UsageError(
        `--set ${pair}: expected name=value with a name among ${Object.keys(RESPONSE_SETTINGS).join(', ')}.`,
      );
    settings[name as ResponseSetting] = pair.slice(eq + 1);
  }
  const named: [keyof ResponseCliOptions, ResponseSetting][] = [
    ['topicArn', 'topicArn'],
    ['stateTable', 'stateTable'],
    ['evidenceBucket', 'evidenceBucket'],
    ['wafIpSetArns', 'wafIpSetArns'],
    ['allowList', 'allowList'],
    ['approvers', 'approvers'],
  ];
  for (const [option, setting] of named)
    if (typeof opts[option] === 'string') settings[setting] = opts[option] as string;
  if (opts.requireApproval) settings.requireApproval = 'true';
  return settings;
}

/** Who is running the command: the local user and host (the AWS identity is added by the flow). */
export function localActor(): string {
  return process.env.REBASELINE_ACTOR || `${userInfo().username}@${hostname()}`;
}

/**
 * The approver of `aws:approve` steps: `--approve` approves up front, a terminal asks, anything else cannot approve
 * (the step then fails and nothing after it runs).
 */
export function approverFor(opts: {
  approve?: boolean;
}): ((r: ApprovalRequest) => Promise<ApprovalDecision>) | undefined {
  const approver = localActor();
  if (opts.approve)
    return async () => ({ approved: true, approver, comment: 'approved on the command line (--approve)' });
  if (!process.stdin.isTTY) return undefined;
  return async (request) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(
        `${request.document} asks for approval${request.message ? `: ${request.message}` : ''}\nApprove? [y/N] `,
      );
      return { approved: /^y(es)?$/i.test(answer.trim()), approver };
    } finally {
      rl.close();
    }
  };
}

export function withResponseOptions(command: Command): Command {
  return withConnectionOptions(command)
    .option('--apply', 'change the resources (default: dry-run, the exact calls are printed)')
    .option('--dry-run', 'plan only: print every call with its exact inputs, change nothing (the default)')
    .option('--topic-arn <arn>', 'SNS topic of the notification (none: nobody is told)')
    .option('--state-table <name>', 'DynamoDB table of the incident state', RESPONSE_SETTINGS.stateTable)
    .option('--evidence-bucket <name>', 'S3 bucket for volatile evidence (none: no capture before isolation)')
    .option('--waf-ip-set-arns <arns>', 'WAFv2 IP sets that get the blocked addresses (comma-separated ARNs)')
    .option(
      '--allow-list <cidrs>',
      'CIDRs never blocked, besides RFC 1918, 100.64.0.0/10, fc00::/7 and the VPC',
    )
    .option('--require-approval', 'wait for an approver before each playbook changes anything')
    .option('--approvers <arns>', 'IAM ARNs allowed to approve (with --require-approval)')
    .option('--approve', 'approve the approval steps of this run (you are the approver)')
    .option('--set <name=value...>', `any response setting (${Object.keys(RESPONSE_SETTINGS).join(', ')})`)
    .option('--lambda-prefix <prefix>', 'deployed playbook Lambda name prefix', 'rebaseline-')
    .option('--automation-role-arn <arn>', 'value of the documents’ AutomationAssumeRole parameter')
    .option('--format <format>', 'table or json', 'table')
    .option('--db <file>', 'history database (default $REBASELINE_DB or ~/.rebaseline/history.db)');
}

export function checkFormat(opts: { apply?: boolean; dryRun?: boolean; format: string }): void {
  if (opts.apply && opts.dryRun) throw new UsageError('Give either --dry-run or --apply, not both.');
  if (!['table', 'json'].includes(opts.format))
    throw new UsageError(`--format must be table or json, not ${opts.format}.`);
}

/** The one JSON document of a response: `{ finding, decision, steps, applied }`. */
export function responseJson(r: IncidentResponse) {
  return {
    finding: r.finding,
    decision: r.decision.responses.map((p) => ({ playbook: p.playbook, reason: p.reason })),
    reasons: r.decision.reasons,
    spared: r.decision.spared,
    ...(r.decision.filteredBy ? { filteredBy: r.decision.filteredBy } : {}),
    steps: r.steps.map(({ playbook, step, action, resource, inputs, outcome }) => ({
      playbook,
      step,
      action,
      resource,
      inputs,
      outcome,
    })),
    playbooks: r.runs.map((run) => ({
      playbook: run.playbook,
      status: run.skipped ? 'Skipped' : run.execution?.status,
      ...(run.execution ? { executionId: run.execution.executionId } : {}),
      ...(run.skipped
        ? { message: run.skipped }
        : run.execution?.failureMessage
          ? { message: run.execution.failureMessage }
          : {}),
    })),
    applied: r.applied,
  };
}

const short = (value: unknown, max = 70) => {
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/** The table report of a response: the finding, the decision and why, every step, the outcome of each playbook. */
export function responseReport(r: IncidentResponse): string {
  const lines = [
    `Finding   ${describeFinding(r.finding)} [${r.finding.id}]${r.finding.sample ? ' (GuardDuty sample)' : ''}`,
    `Decision  ${r.decision.responses.map((p) => p.playbook).join(' → ')}`,
    ...r.decision.reasons.map((reason) => `  Why: ${reason}`),
    ...r.decision.spared.map((s) => `  Not blocked: ${s.address} ${s.reason}.`),
    r.applied ? 'APPLY' : 'DRY-RUN (nothing is changed; add --apply to act)',
  ];
  const t = table(['Playbook', 'Step', 'Action', 'Resource', 'Inputs', 'Outcome'], [22, 20, 34, 24, 44, 30]);
  for (const s of r.steps)
    t.push([
      s.playbook,
      s.step,
      s.action,
      s.resource,
      s.action === 'verify' ? (s.why ?? '') : short(s.inputs),
      s.outcome,
    ]);
  lines.push(t.toString());
  for (const run of r.runs) {
    const notes = run.execution
      ? [
          ...new Set(
            run.execution.steps.flatMap((st) =>
              ((st.outputs.Payload as { Notes?: string[] } | undefined)?.Notes ?? []).filter((n) => n),
            ),
          ),
        ]
      : [];
    lines.push(
      `${run.playbook}: ${run.skipped ? `skipped: ${run.skipped}` : `${run.execution?.status}${run.execution?.failureMessage ? `: ${run.execution.failureMessage}` : ''}`}`,
      ...notes.map((n) => `  note: ${n}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function registerRespond(program: Command, playbooks: readonly PlaybookEntry[]): void {
  withResponseOptions(
    program
      .command('respond')
      .description(
        'Respond to a GuardDuty or Security Hub finding with the playbooks the decision table names; plans only unless --apply.',
      )
      .requiredOption(
        '--finding <file>',
        'the finding: an EventBridge event, a finding, or GetFindings output (JSON)',
      )
      .option('--playbook <id>', `run this playbook whatever the decision (${PLAYBOOK_IDS.join(', ')})`)
      .option('--min-severity <n>', 'below this severity only a notification is sent', '7')
      .option(
        '--type-prefixes <prefixes>',
        'act only on finding types with these prefixes (comma-separated)',
      ),
  ).action(async (opts: RespondCliOptions) => {
    checkFormat(opts);
    const minSeverity = Number(opts.minSeverity);
    if (!/^\d+(\.\d+)?$/.test(opts.minSeverity ?? '') || minSeverity > 10)
      throw new UsageError(`--min-severity must be a number from 0 to 10, not ${opts.minSeverity}.`);
    const input = readJsonFile(opts.finding, 'Finding');
    const clients = await connect(opts);
    const responses = await respondToFindings({
      input,
      clients,
      playbooks,
      apply: Boolean(opts.apply),
      ...(opts.playbook ? { playbook: opts.playbook as PlaybookId } : {}),
      settings: settingsFrom(opts),
      decision: {
        minSeverity,
        typePrefixes: (opts.typePrefixes ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s),
      },
      lambdaPrefix: opts.lambdaPrefix,
      ...(opts.automationRoleArn ? { assumeRoleArn: opts.automationRoleArn } : {}),
      ...(approverFor(opts) ? { approve: approverFor(opts) } : {}),
    });
    const actor = localActor();
    withHistory(opts.db, (store) => {
      for (const r of responses) recordResponse(store.incidents(), { ...r, actor: `${r.actor} (${actor})` });
    });
    if (opts.format === 'json') {
      const docs = responses.map(responseJson);
      process.stdout.write(`${JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2)}\n`);
    } else process.stdout.write(responses.map(responseReport).join('\n'));
    if (responses.some((r) => r.failed)) process.exitCode = 1;
  });
}

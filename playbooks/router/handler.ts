import { PublishCommand } from '@aws-sdk/client-sns';
import {
  GetAutomationExecutionCommand,
  StartAutomationExecutionCommand,
  type StepExecution,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AwsClients } from '../../shared/aws/clients';
import { SNS } from '../../shared/aws/services/sns';
import { AUTOMATION_ENDED, SSM } from '../../shared/aws/services/ssm';
import { STS } from '../../shared/aws/services/sts';
import { DeploymentConfigError, MalformedFindingError, PlaybookRefusedError } from '../../shared/errors';
import {
  decide,
  PLAYBOOK_IDS,
  type PlannedResponse,
  type PlaybookId,
  parseAllowList,
} from '../../shared/incident/decision';
import type { Finding } from '../../shared/incident/finding';
import {
  executionParts,
  forcedResponse,
  MAX_PARAMETER_VALUE,
  playbookParameters,
} from '../../shared/incident/parameters';
import { parseFindings } from '../../shared/incident/parse';
import type { PlaybookMetadata } from '../../shared/incident/playbook';
import { RESPONSE_SETTINGS, type ResponseSettings } from '../../shared/incident/settings';
import { type ResponseSummary, type SummaryPlaybook, summaryFinding } from '../../shared/incident/summary';
import { logger } from '../../shared/logger';
import { playbookMetadata } from '../../shared/metadata';
import blockIp from '../block-ip/playbook.json';
import collectEvidence from '../collect-evidence/playbook.json';
import isolateEc2Instance from '../isolate-ec2-instance/playbook.json';
import { malformedMessageOf, malformedSubjectOf, messageOf, subjectOf } from '../notify/plan';
import notify from '../notify/playbook.json';
import revokeRoleSessions from '../revoke-role-sessions/playbook.json';

/**
 * The deployed entry point of incident response: EventBridge delivers GuardDuty findings and Security Hub custom
 * actions here. It parses and decides (the same code as `rebaseline respond`), starts each playbook's SSM Automation
 * document in order, waits for each (bounded), and publishes one notification with what each step did. A playbook
 * starts on its own only when its stage parameter turned automatic response on; a custom action is a person's
 * choice and always runs. Only this account is acted on: a finding about another account is only notified.
 */

const METAS: Record<PlaybookId, PlaybookMetadata> = {
  'block-ip': playbookMetadata(blockIp),
  'collect-evidence': playbookMetadata(collectEvidence),
  'isolate-ec2-instance': playbookMetadata(isolateEc2Instance),
  'revoke-role-sessions': playbookMetadata(revokeRoleSessions),
  notify: playbookMetadata(notify),
};

/** The router's configuration, from its environment (set by the stack). */
export interface RouterConfig {
  /** `rebaseline-<stage>-`: the documents and Lambdas are `<prefix><playbook id>`. */
  prefix: string;
  /** Playbooks whose automatic response is on. */
  automatic: string[];
  /** Playbook id → the automation role the document runs as. */
  automationRoles: Record<string, string>;
  /** Security Hub custom action id → the playbook it runs (`respond`: the decision's playbooks). */
  customActions: Record<string, string>;
  settings: ResponseSettings;
  minSeverity: number;
  typePrefixes: string[];
  /** How long to wait for one execution before reporting it still running. */
  waitSeconds: number;
}

/** The configuration from the environment the stack sets. */
export function configFrom(env: NodeJS.ProcessEnv): RouterConfig {
  const json = <T>(name: string, fallback: T): T =>
    env[name] ? (JSON.parse(env[name] as string) as T) : fallback;
  const settings = {
    ...RESPONSE_SETTINGS,
    ...json<Partial<ResponseSettings>>('RESPONSE_SETTINGS', {}),
  } as ResponseSettings;
  parseAllowList(settings.allowList);
  // A severity that is not a number would compare false and let every finding through: refuse it.
  const minSeverity = Number(env.MIN_SEVERITY ?? '7');
  if (env.MIN_SEVERITY?.trim() === '' || !(minSeverity >= 0 && minSeverity <= 10))
    throw new DeploymentConfigError(
      `MIN_SEVERITY must be a number from 0 to 10, got ${JSON.stringify(env.MIN_SEVERITY)}.`,
    );
  const waitSeconds = Number(env.WAIT_SECONDS ?? '240');
  if (!(Number.isFinite(waitSeconds) && waitSeconds >= 0))
    throw new DeploymentConfigError(
      `WAIT_SECONDS must be a number of seconds, got ${JSON.stringify(env.WAIT_SECONDS)}.`,
    );
  const customActions = json<Record<string, string>>('CUSTOM_ACTIONS', {});
  for (const [action, playbook] of Object.entries(customActions))
    if (playbook !== 'respond' && !(PLAYBOOK_IDS as readonly string[]).includes(playbook))
      throw new DeploymentConfigError(
        `CUSTOM_ACTIONS: the action ${action} names ${JSON.stringify(playbook)}, which is neither respond nor a playbook (${PLAYBOOK_IDS.join(', ')}).`,
      );
  return {
    prefix: env.PLAYBOOK_PREFIX ?? 'rebaseline-',
    automatic: (env.AUTOMATIC_PLAYBOOKS ?? '').split(',').filter((s) => s),
    automationRoles: json('AUTOMATION_ROLES', {}),
    customActions,
    settings,
    minSeverity,
    typePrefixes: (env.TYPE_PREFIXES ?? '').split(',').filter((s) => s),
    waitSeconds,
  };
}

function calls(steps: StepExecution[]): SummaryPlaybook['calls'] {
  const out: SummaryPlaybook['calls'] = [];
  for (const s of steps) {
    const payload = s.Outputs?.Payload?.[0];
    let made: {
      service: string;
      api: string;
      resource: string;
      why: string;
      outcome: string;
      error?: string;
    }[] = [];
    try {
      made = payload ? ((JSON.parse(payload) as { Calls?: typeof made }).Calls ?? []) : [];
    } catch {
      made = [];
    }
    for (const c of made)
      out.push({
        step: s.StepName ?? '',
        action: `${c.service}:${c.api}`,
        resource: c.resource,
        why: c.why,
        outcome: c.outcome,
        ...(c.error ? { error: c.error } : {}),
      });
    if (s.Action !== 'aws:invokeLambdaFunction' || s.StepStatus === 'Failed')
      out.push({
        step: s.StepName ?? '',
        action: s.Action ?? '',
        resource: '',
        why: s.FailureMessage ?? s.Response ?? '',
        outcome: s.StepStatus === 'Success' ? 'done' : (s.StepStatus ?? 'pending').toLowerCase(),
      });
  }
  return out;
}

async function runPlaybook(
  aws: AwsClients,
  config: RouterConfig,
  finding: Finding,
  response: PlannedResponse,
  deadline: number,
  sleep: (ms: number) => Promise<void>,
): Promise<SummaryPlaybook> {
  const meta = METAS[response.playbook];
  const parameters = playbookParameters(meta, finding, response, config.settings, {
    lambdaPrefix: config.prefix,
    assumeRoleArn: config.automationRoles[response.playbook] ?? '',
  });
  const ssmParameters: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(parameters))
    if (value !== '')
      ssmParameters[name] = name === 'Approvers' ? value.split(',').map((s) => s.trim()) : [value];
  const tooLong = Object.entries(ssmParameters).filter(([, values]) =>
    values.some((v) => v.length > MAX_PARAMETER_VALUE),
  );
  if (tooLong.length)
    return {
      playbook: response.playbook,
      status: 'Failed',
      message: `Not started: SSM takes at most ${MAX_PARAMETER_VALUE} characters in a parameter value, and ${tooLong
        .map(([name, values]) => `${name} has ${Math.max(...values.map((v) => v.length))}`)
        .join(', ')} (shorten the stage parameter it comes from).`,
      calls: [],
      notes: [],
    };
  const started = await aws.get(SSM).send(
    new StartAutomationExecutionCommand({
      DocumentName: `${config.prefix}${response.playbook}`,
      Parameters: ssmParameters,
    }),
  );
  const id = started.AutomationExecutionId as string;
  const until = Math.min(deadline, Date.now() + config.waitSeconds * 1000);
  for (;;) {
    const execution = (
      await aws.get(SSM).send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }))
    ).AutomationExecution;
    const status = execution?.AutomationExecutionStatus ?? 'Pending';
    if (AUTOMATION_ENDED.has(status) || Date.now() >= until) {
      const waiting =
        status === 'Waiting'
          ? ' (waiting for an approver)'
          : AUTOMATION_ENDED.has(status)
            ? ''
            : ' (still running when this message was sent)';
      return {
        playbook: response.playbook,
        status: `${status}${waiting}`,
        executionId: id,
        ...(execution?.FailureMessage ? { message: execution.FailureMessage } : {}),
        calls: calls(execution?.StepExecutions ?? []),
        notes: [],
      };
    }
    await sleep(5000);
  }
}

async function notifyMalformed(
  aws: AwsClients,
  config: RouterConfig,
  event: unknown,
  error: MalformedFindingError,
): Promise<void> {
  logger.error({ field: error.field, problem: error.problem }, error.message);
  if (!config.settings.topicArn)
    throw new PlaybookRefusedError(
      'The router has no TOPIC_ARN in RESPONSE_SETTINGS: nobody would be told.',
      {
        cause: error,
      },
    );
  await aws.get(SNS).send(
    new PublishCommand({
      TopicArn: config.settings.topicArn,
      Subject: malformedSubjectOf(error.field),
      Message: malformedMessageOf(event, error.field, error.problem),
    }),
  );
}

/** The handler, built for given clients (tests point them at the emulator). */
export function createRouter(
  clients: (region: string) => AwsClients = (region) => new AwsClients({ region }),
  options: { env?: NodeJS.ProcessEnv; sleep?: (ms: number) => Promise<void>; now?: () => Date } = {},
): (event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => Promise<ResponseSummary[]> {
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? (() => new Date());
  return async (event, context) => {
    const config = configFrom(options.env ?? process.env);
    const aws = clients(process.env.AWS_REGION || 'us-east-1');
    const deadline = Date.now() + (context?.getRemainingTimeInMillis?.() ?? 900_000) - 30_000;
    const account = (await aws.get(STS).send(new GetCallerIdentityCommand({}))).Account;
    const envelope = event as { 'detail-type'?: string; resources?: string[] };
    const action =
      envelope['detail-type'] === 'Security Hub Findings - Custom Action'
        ? /action\/custom\/([^/]+)$/.exec(envelope.resources?.[0] ?? '')?.[1]
        : undefined;
    const chosen = action ? config.customActions[action] : undefined;
    const summaries: ResponseSummary[] = [];
    let findings: Finding[];
    try {
      findings = parseFindings(event);
    } catch (error) {
      if (!(error instanceof MalformedFindingError)) throw error;
      // Nothing starts. A retry would fail the same way, so the event is not thrown back to EventBridge (whose
      // retries end in silence): people are told what arrived and which field is wrong.
      await notifyMalformed(aws, config, event, error);
      return summaries;
    }
    for (const finding of findings) {
      const startedAt = now();
      const decision = decide(finding, {
        minSeverity: config.minSeverity,
        typePrefixes: config.typePrefixes,
        allowList: parseAllowList(config.settings.allowList),
        skipTag: { key: config.settings.skipTagKey, value: config.settings.skipTagValue },
        ...(config.settings.evidenceBucket ? { evidenceBucket: config.settings.evidenceBucket } : {}),
      });
      let planned = decision.responses.filter((r) => r.playbook !== 'notify');
      if (chosen && chosen !== 'respond') {
        try {
          planned = [forcedResponse(finding, chosen as PlaybookId)];
          decision.reasons.push(
            `A person chose the Security Hub action ${action}: ${chosen} runs whatever the table says.`,
          );
        } catch (error) {
          planned = [];
          decision.reasons.push(
            `The Security Hub action ${action} asked for ${chosen}: ${(error as Error).message}`,
          );
        }
      }
      const playbooks: SummaryPlaybook[] = [];
      let stop: string | undefined;
      for (const response of planned) {
        const skip = (message: string) =>
          playbooks.push({
            playbook: response.playbook,
            status: 'NotStarted',
            message,
            calls: [],
            notes: [],
          });
        if (finding.accountId && account && finding.accountId !== account)
          skip(`The finding is about account ${finding.accountId}; this stack acts in ${account} only.`);
        else if (!action && !config.automatic.includes(response.playbook))
          skip(
            `Automatic response is off for ${response.playbook} (stage parameter ${response.playbook}.automaticResponse): a person runs it (rebaseline respond --finding … --apply, or the Security Hub action).`,
          );
        else if (stop) skip(stop);
        else
          for (const part of executionParts(response)) {
            const ran = await runPlaybook(aws, config, finding, part, deadline, sleep);
            playbooks.push(ran);
            if (!ran.status.startsWith('Success')) {
              stop = `Not started: ${response.playbook} came after ${ran.playbook}, which ended ${ran.status}.`;
              break;
            }
          }
      }
      const summary: ResponseSummary = {
        finding: summaryFinding(finding),
        decision: {
          notifyOnly: planned.length === 0,
          reasons: decision.reasons,
          spared: decision.spared,
          ...(decision.filteredBy ? { filteredBy: decision.filteredBy } : {}),
          playbooks: [...planned.map((p) => p.playbook), 'notify'],
        },
        applied: playbooks.some((p) => p.executionId),
        playbooks,
        startedAt: startedAt.toISOString(),
        endedAt: now().toISOString(),
        actor: action ? `Security Hub custom action ${action}` : 'EventBridge (automatic response)',
      };
      if (config.settings.topicArn)
        await aws.get(SNS).send(
          new PublishCommand({
            TopicArn: config.settings.topicArn,
            Subject: subjectOf(summary),
            Message: messageOf(summary),
          }),
        );
      else
        throw new PlaybookRefusedError(
          'The router has no TOPIC_ARN in RESPONSE_SETTINGS: nobody would be told.',
        );
      logger.info(
        {
          finding: finding.id,
          type: finding.type,
          playbooks: playbooks.map((p) => `${p.playbook}:${p.status}`),
        },
        subjectOf(summary),
      );
      summaries.push(summary);
    }
    return summaries;
  };
}

export const handler = createRouter();

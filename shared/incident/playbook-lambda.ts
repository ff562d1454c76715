import { AwsClients, type AwsService } from '../aws/clients';
import { targetAccountResolver } from '../aws/target-account';
import { PlaybookStepError, PlaybookVerificationError } from '../errors';
import { logger } from '../logger';
import type { PayloadField } from '../remediation/payload';
import {
  type ApiCall,
  type CallRecord,
  type CallSender,
  runCalls,
  type StepResult,
  stepResult,
} from './calls';

/** A Boolean parameter as documents pass it (`true`, `"True"`, `"false"`). */
export const BOOLEAN_FIELD = {
  type: ['string', 'boolean', 'null'],
  pattern: '^([Tt]rue|[Ff]alse|TRUE|FALSE)$',
  description: 'true or false',
} as const satisfies PayloadField;

/** An optional free-text parameter (`null` or absent: the field's default). */
export const TEXT_FIELD = {
  type: ['string', 'null'],
  description: 'a string',
} as const satisfies PayloadField;

/** A payload field in Config's string form (`"true"`, `"8"`) back to a Boolean. */
export function flagOf(value: string | boolean | undefined): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}

/**
 * Runs a stage's calls and returns its result; a failed call stops the stage with an error naming what was done
 * before it (so the automation step fails and says exactly where).
 * @example
 * return runStage('protect', payload.DryRun, planProtect(state), send, `Protect ${id}.`);
 */
export async function runStage(
  mode: string,
  dryRun: boolean,
  plan: { calls: ApiCall[]; notes: string[] },
  send: CallSender,
  message: string,
  previous: CallRecord[] = [],
): Promise<StepResult> {
  const { records, error } = await runCalls(plan.calls, send, dryRun);
  const all = [...previous, ...records];
  if (error) {
    const done = all.filter((r) => r.outcome === 'done');
    const failed = all.find((r) => r.outcome === 'failed') as CallRecord;
    throw new PlaybookStepError(
      `${mode}: ${failed.service}:${failed.api} on ${failed.resource} failed (${failed.error})${
        done.length
          ? ` after ${done.map((r) => `${r.service}:${r.api} ${r.resource}`).join(', ')}`
          : ' before any change'
      }.`,
      { cause: error },
    );
  }
  const planned = all.length
    ? `${dryRun ? 'Would make' : 'Made'} ${all.length} call(s).`
    : 'Nothing to change.';
  return stepResult(
    mode,
    dryRun,
    all,
    plan.notes,
    `${message} ${planned}${plan.notes.length ? ` ${plan.notes.join(' ')}` : ''}`,
  );
}

/** A verification: problems fail the step (not in a dry-run, where the changes were only planned). */
export function verified(
  mode: string,
  dryRun: boolean,
  problems: string[],
  subject: string,
  notes: string[] = [],
): StepResult {
  if (problems.length && !dryRun) throw new PlaybookVerificationError(`${subject}: ${problems.join(' ')}`);
  const message = problems.length
    ? `Would verify ${subject}; now: ${problems.join(' ')}`
    : `Verified ${subject}.${notes.length ? ` ${notes.join(' ')}` : ''}`;
  return stepResult(mode, dryRun, [], [...notes, ...problems], message);
}

/** An SDK command class, as a playbook's sender table holds them. */
type Command = new (input: never) => object;
type Client = { send(command: object): Promise<unknown> };

/**
 * The sender of a playbook: `service:Api` → the SDK command of that service's client (only those it lists, so the
 * Lambda bundles only its clients).
 * @example
 * const send = sender(aws, { 'ec2:CreateTags': [EC2, CreateTagsCommand] });
 */
export function sender(
  aws: AwsClients,
  table: Readonly<Record<string, readonly [AwsService<unknown>, Command]>>,
): CallSender {
  return async (call) => {
    const entry = table[`${call.service}:${call.api}`];
    if (!entry) throw new PlaybookStepError(`${call.service}:${call.api} is not a call this playbook makes.`);
    const [service, CommandClass] = entry;
    const client = aws.get(service) as unknown as Client;
    return client.send(new CommandClass(call.inputs as never));
  };
}

/** What the Lambda runtime (or the local runner) passes besides the event. */
export interface PlaybookInvocation {
  /** A member alias (`…:member-<account>`) entitles a member's automation to its own account only. */
  invokedFunctionArn?: string;
}

/**
 * A playbook's Lambda: parses the payload, reaches the account the automation runs in (the payload's `AccountId`,
 * checked against the invocation as remediation Lambdas are: its own clients there, a member's execution role for
 * a member alias, any other account refused before anything is read), runs the step and logs one line.
 * @example
 * export const createHandler = (clients?: (region: string) => AwsClients) =>
 *   playbookLambda({ id: 'block-ip', parse: parsePayload, run: (payload, aws) => stage(aws, payload) }, clients);
 */
export function playbookLambda<P extends { Mode: string; AccountId: string; DryRun?: boolean }>(
  spec: { id: string; parse: (raw: unknown) => P; run: (payload: P, aws: AwsClients) => Promise<StepResult> },
  clients: (region: string) => AwsClients = (region) => new AwsClients({ region }),
): (raw: unknown, context?: PlaybookInvocation) => Promise<StepResult> {
  const resolve = targetAccountResolver(spec.id);
  return async (raw, context) => {
    const payload = spec.parse(raw);
    const target = await resolve(clients(process.env.AWS_REGION || 'us-east-1'), {
      accountIds: [payload.AccountId],
      invokedFunctionArn: context?.invokedFunctionArn,
    });
    const result = await spec.run(payload, target.aws);
    logger.info(
      {
        playbook: spec.id,
        mode: payload.Mode,
        accountId: payload.AccountId,
        dryRun: payload.DryRun,
        calls: result.Calls.length,
      },
      result.Message,
    );
    return result;
  };
}

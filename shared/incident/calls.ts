import { awsErrorName } from '../errors';

/**
 * One AWS call a playbook step makes, as data: what a dry-run prints, what the history keeps and what the
 * notification says. `inputs` is the exact request.
 */
export interface ApiCall {
  /** SSM's service names: `ec2`, `autoscaling`, `elbv2`, `iam`, `wafv2`, `dynamodb`, `sns`, `ssm`. */
  service: string;
  api: string;
  /** The resource it changes (`i-0123…`, `acl-0123…`, a role name…). */
  resource: string;
  inputs: Record<string, unknown>;
  /** Why, for people: "Deny 203.0.113.9/32 inbound (rule 1)." */
  why: string;
}

/** `planned` (dry-run), `done`, or `failed` with the error. */
export type CallOutcome = 'planned' | 'done' | 'failed';

export interface CallRecord extends ApiCall {
  outcome: CallOutcome;
  error?: string;
}

/** What every playbook step Lambda returns: its calls, what it noticed, and the runner's dry-run plan. */
export interface StepResult {
  Mode: string;
  DryRun: boolean;
  /** Every call, planned or made, with its outcome. */
  Calls: CallRecord[];
  /** What the step found and did not change ("Snapshot snap-0… of vol-0… exists: not taken again."). */
  Notes: string[];
  Message: string;
  /** The runner's dry-run contract: the mutating calls that were not sent. Empty when the step really ran. */
  plan: { service: string; api: string; inputs: Record<string, unknown> }[];
  /** A planning step: false when the playbook must not change anything (the skip tag). */
  Proceed?: boolean;
}

/** Sends one call (the playbook maps `service`/`api` to its SDK command). */
export type CallSender = (call: ApiCall) => Promise<unknown>;

/** The error text a record keeps: `Name: message`. */
export function errorText(error: unknown): string {
  const name = awsErrorName(error);
  const message = error instanceof Error ? error.message : String(error);
  return name && name !== 'Error' && !message.startsWith(name) ? `${name}: ${message}` : message;
}

/**
 * Runs calls in order (dry-run: records them as planned, sends nothing). Stops at the first failure, so a later
 * call never runs on a state the earlier one did not reach; the failed call and the error are in the records.
 * @returns the records, and the error that stopped them (undefined when all ran).
 * @example
 * const { records, error } = await runCalls(calls, send, payload.DryRun);
 */
export async function runCalls(
  calls: readonly ApiCall[],
  send: CallSender,
  dryRun: boolean,
): Promise<{ records: CallRecord[]; error?: unknown }> {
  const records: CallRecord[] = [];
  for (const call of calls) {
    if (dryRun) {
      records.push({ ...call, outcome: 'planned' });
      continue;
    }
    try {
      await send(call);
      records.push({ ...call, outcome: 'done' });
    } catch (error) {
      records.push({ ...call, outcome: 'failed', error: errorText(error) });
      return { records, error };
    }
  }
  return { records };
}

/**
 * A step's result from its records and notes. In a dry-run the planned calls are also the runner's `plan`.
 * @example
 * return stepResult('snapshot', payload.DryRun, records, notes, `Snapshot ${n} volume(s) of ${id}.`);
 */
export function stepResult(
  mode: string,
  dryRun: boolean,
  records: CallRecord[],
  notes: string[],
  message: string,
): StepResult {
  return {
    Mode: mode,
    DryRun: dryRun,
    Calls: records,
    Notes: notes,
    Message: message,
    plan: dryRun ? records.map((r) => ({ service: r.service, api: r.api, inputs: r.inputs })) : [],
  };
}

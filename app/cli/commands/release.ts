import type { Command } from 'commander';
import { UsageError } from '../../../shared/errors';
import { parseIpAddress } from '../../../shared/incident/ip';
import type { IncidentStepInput } from '../../history/incidents';
import { type PlaybookEntry, releaseAddresses, releaseInstance, stepsOf } from '../../respond';
import type { AutomationExecution } from '../../ssm/runner';
import { connect } from '../connection';
import { withHistory } from '../open-history';
import { table } from '../table';
import {
  checkFormat,
  localActor,
  type ResponseCliOptions,
  settingsFrom,
  withResponseOptions,
} from './respond';

interface ReleaseCliOptions extends ResponseCliOptions {
  instance?: string;
  ip?: string;
  expired?: boolean;
}

function report(what: string, execution: AutomationExecution, rows: IncidentStepInput[]): string {
  const t = table(['Step', 'Action', 'Resource', 'Outcome'], [22, 40, 40, 40]);
  for (const r of rows) t.push([r.step, r.action, r.resource ?? '', r.outcome]);
  return `${what}: ${execution.dryRun ? 'DRY-RUN (nothing is changed; add --apply to act)' : 'APPLY'}\n${t.toString()}\n${execution.status}${execution.failureMessage ? `: ${execution.failureMessage}` : ''}\n`;
}

export function registerRelease(program: Command, playbooks: readonly PlaybookEntry[]): void {
  withResponseOptions(
    program
      .command('release')
      .description(
        'Undo a containment a person no longer wants: release an isolated instance, unblock addresses, or remove expired blocks; plans only unless --apply.',
      )
      .option(
        '--instance <id>',
        'put back what isolating the instance recorded (groups, profile, target groups, Auto Scaling group)',
      )
      .option(
        '--ip <addresses>',
        'remove the network ACL and WAF blocks of these addresses (comma-separated)',
      )
      .option(
        '--expired',
        'remove every block older than the retention period (what the deployed prune does every hour)',
      ),
  ).action(async (opts: ReleaseCliOptions) => {
    checkFormat(opts);
    const chosen = [opts.instance, opts.ip, opts.expired].filter(
      (x) => x !== undefined && x !== false,
    ).length;
    if (chosen !== 1) throw new UsageError('Give exactly one of --instance, --ip or --expired.');
    if (opts.instance && !/^i-[0-9a-f]{8,17}$/.test(opts.instance))
      throw new UsageError(`--instance ${opts.instance} is not an instance id.`);
    const ips = opts.ip
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s);
    for (const ip of ips ?? [])
      if (!parseIpAddress(ip)) throw new UsageError(`--ip: ${ip} is not an IP address.`);
    const clients = await connect(opts);
    const common = {
      clients,
      playbooks,
      apply: Boolean(opts.apply),
      settings: settingsFrom(opts),
      lambdaPrefix: opts.lambdaPrefix,
      ...(opts.automationRoleArn ? { assumeRoleArn: opts.automationRoleArn } : {}),
    };
    const startedAt = new Date();
    const execution = opts.instance
      ? await releaseInstance({ ...common, instanceId: opts.instance })
      : await releaseAddresses({ ...common, ...(ips ? { ips } : {}) });
    const playbook = opts.instance ? 'isolate-ec2-instance' : 'block-ip';
    const rows = stepsOf(playbook, execution).map((s) => ({ ...s, executionId: execution.executionId }));
    const what = opts.instance
      ? `Release ${opts.instance}`
      : ips
        ? `Unblock ${ips.join(', ')}`
        : 'Remove expired blocks';
    withHistory(opts.db, (store) =>
      store.incidents().record({
        kind: 'release',
        findingId: 'release',
        source: 'rebaseline',
        findingType: what,
        severity: 0,
        resource: opts.instance ?? ips?.join(',') ?? 'expired blocks',
        startedAt,
        endedAt: new Date(),
        applied: Boolean(opts.apply),
        status: execution.status !== 'Success' ? 'failed' : opts.apply ? 'released' : 'planned',
        actor: localActor(),
        finding: {},
        decision: { reasons: [what] },
        steps: rows,
      }),
    );
    process.stdout.write(
      opts.format === 'json'
        ? `${JSON.stringify({ release: what, applied: Boolean(opts.apply), status: execution.status, ...(execution.failureMessage ? { message: execution.failureMessage } : {}), steps: rows.map(({ step, action, resource, inputs, outcome }) => ({ playbook, step, action, resource, inputs, outcome })) }, null, 2)}\n`
        : report(what, execution, rows),
    );
    if (execution.status !== 'Success') process.exitCode = 1;
  });
}

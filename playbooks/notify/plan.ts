import type { ResponseSummary } from '../../shared/incident/summary';

/**
 * notify, pure: one SNS message per response. Given a response (or its dry-run): Then the subject names the severity,
 * the finding type and the resource; the body says what was found, what was decided and why, what each step did (or
 * would do), how to release, and where to look in the console.
 */

/** SNS subjects: at most 100 printable ASCII characters, no line break. */
export const MAX_SUBJECT = 100;

function ascii(text: string): string {
  return text.replace(/[^\x20-\x7E]/g, '?');
}

const CONSOLE = (region: string, partition: string) =>
  partition === 'aws-cn'
    ? `https://${region}.console.amazonaws.cn`
    : partition === 'aws-us-gov'
      ? `https://console.amazonaws-us-gov.com`
      : `https://${region}.console.aws.amazon.com`;

/** The console links of the finding and the resource. */
export function consoleLinks(summary: ResponseSummary): string[] {
  const { finding } = summary;
  const region = finding.region ?? 'us-east-1';
  const base = CONSOLE(region, finding.partition);
  const links = [
    finding.source === 'guardduty'
      ? `GuardDuty finding: ${base}/guardduty/home?region=${region}#/findings?fId=${encodeURIComponent(finding.id)}`
      : `Security Hub finding: ${base}/securityhub/home?region=${region}#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A${encodeURIComponent(finding.id)}`,
  ];
  if (finding.instanceId)
    links.push(
      `Instance: ${base}/ec2/home?region=${region}#InstanceDetails:instanceId=${finding.instanceId}`,
    );
  for (const p of summary.playbooks)
    if (p.executionId && /^[0-9a-f-]{36}$/.test(p.executionId))
      links.push(
        `${p.playbook} execution: ${base}/systems-manager/automation/execution/${p.executionId}?region=${region}`,
      );
  return links;
}

/** `[rebaseline] HIGH 8 UnauthorizedAccess:EC2/SSHBruteForce on i-0123… (dry-run)`, cut to SNS's 100 characters. */
export function subjectOf(summary: ResponseSummary): string {
  const { finding } = summary;
  const failed = summary.playbooks.some((p) => p.status !== 'Success' && p.playbook !== 'notify');
  const state = summary.decision.notifyOnly
    ? 'notified'
    : !summary.applied
      ? 'dry-run'
      : failed
        ? 'FAILED'
        : 'contained';
  const text = ascii(
    `[rebaseline] ${finding.severityBand} ${finding.severity} ${finding.type} on ${finding.resource} (${state})`,
  );
  return text.length > MAX_SUBJECT ? `${text.slice(0, MAX_SUBJECT - 1)}~` : text;
}

/** The readable body. */
export function messageOf(summary: ResponseSummary): string {
  const { finding, decision } = summary;
  const lines: string[] = [];
  lines.push(
    `rebaseline ${summary.applied ? 'responded to' : 'planned a response to (DRY-RUN: nothing was changed)'} a ${finding.source === 'guardduty' ? 'GuardDuty' : 'Security Hub'} finding.`,
    '',
    'WHAT WAS FOUND',
    `  ${finding.type}, severity ${finding.severity} (${finding.severityBand})${finding.sample ? ' - a GuardDuty SAMPLE finding' : ''}`,
    ...(finding.title ? [`  ${finding.title}`] : []),
    `  Resource: ${finding.resource}${finding.resourceRole ? ` (${finding.resourceRole === 'TARGET' ? 'the target' : 'the actor'}${finding.connectionDirection ? `, ${finding.connectionDirection.toLowerCase()}` : ''})` : ''}`,
    `  Account ${finding.accountId ?? 'unknown'}, region ${finding.region ?? 'unknown'}; finding ${finding.id}`,
  );
  if (finding.remoteIps.length) lines.push(`  Remote addresses: ${finding.remoteIps.join(', ')}`);
  if (finding.domains.length) lines.push(`  Domains: ${finding.domains.join(', ')}`);
  lines.push('', 'DECISION');
  for (const r of decision.reasons) lines.push(`  ${r}`);
  lines.push(`  Playbooks: ${decision.playbooks.join(' -> ')}`);
  for (const s of decision.spared) lines.push(`  Not blocked: ${s.address} ${s.reason}.`);
  lines.push(
    '',
    summary.applied
      ? 'WHAT WAS DONE'
      : 'WHAT WOULD BE DONE (run again with --apply, or turn automatic response on)',
  );
  const ran = summary.playbooks.filter((p) => p.playbook !== 'notify');
  if (ran.length === 0) lines.push('  Nothing: a person decides.');
  for (const p of ran) {
    lines.push(
      `  ${p.playbook}: ${p.status}${p.executionId ? ` (execution ${p.executionId})` : ''}${p.message ? ` - ${p.message}` : ''}`,
    );
    for (const c of p.calls)
      lines.push(`    [${c.outcome}] ${c.action} ${c.resource}: ${c.why}${c.error ? ` (${c.error})` : ''}`);
    for (const n of p.notes) lines.push(`    note: ${n}`);
  }
  const release: string[] = [];
  const isolated = ran.find((p) => p.playbook === 'isolate-ec2-instance');
  if (isolated && finding.instanceId)
    release.push(
      `  Release the instance (a person decided it is clean): rebaseline release --instance ${finding.instanceId} --apply`,
    );
  // The deployed router may run block-ip in several executions (SSM's parameter length): every one counts.
  const blocked = ran.filter((p) => p.playbook === 'block-ip');
  if (blocked.length) {
    const ips = [
      ...new Set(
        blocked
          .flatMap((p) => p.calls)
          .filter((c) => /NetworkAclEntry|UpdateIPSet/.test(c.action))
          .map((c) => /(\S+)\/(32|128)/.exec(c.why)?.[1])
          .filter((x): x is string => !!x),
      ),
    ];
    if (ips.length)
      release.push(
        `  Unblock: rebaseline release --ip ${ips.join(',')} --apply (entries also expire after the retention period)`,
      );
  }
  const revoked = ran.find((p) => p.playbook === 'revoke-role-sessions');
  if (revoked)
    release.push(
      '  Sessions revoked stay revoked: remove the AWSRevokeOlderSessions policy from the role once its credentials are rotated.',
    );
  if (release.length) lines.push('', 'HOW TO RELEASE', ...release);
  lines.push('', 'CONSOLE', ...consoleLinks(summary).map((l) => `  ${l}`));
  lines.push(
    '',
    `Started ${summary.startedAt}${summary.endedAt ? `, ended ${summary.endedAt}` : ''} by ${summary.actor}.`,
  );
  return lines.join('\n');
}

/** The most of a malformed event a notification quotes (SNS holds 256 KB; a person reads the start). */
export const QUOTED_EVENT_CHARS = 4000;

/** `[rebaseline] Malformed finding: detail.severity`: an event that started nothing. */
export function malformedSubjectOf(field: string): string {
  const text = ascii(`[rebaseline] Malformed finding: ${field}`);
  return text.length > MAX_SUBJECT ? `${text.slice(0, MAX_SUBJECT - 1)}~` : text;
}

/** The body for an event that could not be read: the field and the problem, what to do, the event's start. */
export function malformedMessageOf(event: unknown, field: string, problem: string): string {
  const envelope = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const named = (key: string) => (typeof envelope[key] === 'string' ? String(envelope[key]) : '(none)');
  let text: string;
  try {
    text = JSON.stringify(event, null, 2) ?? String(event);
  } catch {
    text = String(event);
  }
  return [
    `A finding arrived that rebaseline cannot read: ${field} ${problem}`,
    '',
    'No playbook was started. Look at the finding in the console (GuardDuty or Security Hub) and respond by hand,',
    'or correct the event and run: rebaseline respond --finding <file.json>',
    '',
    `Event: source ${named('source')}, detail-type ${named('detail-type')}, id ${named('id')}.`,
    '',
    text.length > QUOTED_EVENT_CHARS
      ? `${text.slice(0, QUOTED_EVENT_CHARS)}\n… (${text.length} characters in all)`
      : text,
  ].join('\n');
}

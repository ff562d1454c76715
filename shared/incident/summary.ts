import type { Decision } from './decision';
import type { Finding } from './finding';

/** One call of a playbook run, as a response reports it. */
export interface SummaryCall {
  step: string;
  /** `ec2:CreateNetworkAclEntry`, `aws:approve`, `aws:runCommand`… */
  action: string;
  resource: string;
  why: string;
  outcome: string;
  error?: string;
}

/** One playbook of a response, as run (or planned). */
export interface SummaryPlaybook {
  playbook: string;
  /** SSM's status of the execution (`Success`, `Failed`…). */
  status: string;
  executionId?: string;
  message?: string;
  calls: SummaryCall[];
  notes: string[];
}

/** A whole response to one finding: what the notification says and the history keeps. */
export interface ResponseSummary {
  finding: Pick<
    Finding,
    | 'source'
    | 'id'
    | 'type'
    | 'severity'
    | 'severityBand'
    | 'accountId'
    | 'region'
    | 'partition'
    | 'resourceRole'
    | 'connectionDirection'
    | 'title'
    | 'sample'
  > & { resource: string; instanceId?: string; remoteIps: string[]; domains: string[] };
  decision: Pick<Decision, 'notifyOnly' | 'reasons' | 'spared' | 'filteredBy'> & { playbooks: string[] };
  applied: boolean;
  playbooks: SummaryPlaybook[];
  startedAt: string;
  endedAt?: string;
  /** Who ran it (the CLI user, or the deployed router). */
  actor: string;
}

/**
 * The finding as a response summary reports it (the notification, the history, the CLI's JSON): the same for the
 * command line and the deployed router.
 * @example
 * const summary: ResponseSummary = { finding: summaryFinding(finding), … };
 */
export function summaryFinding(finding: Finding): ResponseSummary['finding'] {
  const instanceId = finding.instance?.instanceId ?? finding.accessKey?.instanceId;
  return {
    source: finding.source,
    id: finding.id,
    type: finding.type,
    severity: finding.severity,
    severityBand: finding.severityBand,
    accountId: finding.accountId,
    region: finding.region,
    partition: finding.partition,
    resourceRole: finding.resourceRole,
    connectionDirection: finding.connectionDirection,
    title: finding.title,
    sample: finding.sample,
    resource:
      finding.instance?.instanceId ??
      finding.accessKey?.roleName ??
      finding.accessKey?.userName ??
      finding.resourceType,
    ...(instanceId ? { instanceId } : {}),
    remoteIps: finding.remoteIps.map((r) => r.address),
    domains: finding.domains,
  };
}

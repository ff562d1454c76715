import { PlaybookRefusedError } from '../errors';
import type { PlannedResponse, PlaybookId } from './decision';
import { describeFinding, type Finding } from './finding';
import type { IpAddress } from './ip';
import type { PlaybookMetadata } from './playbook';
import type { ResponseSettings } from './settings';

function detectedAt(finding: Finding): string {
  const text = finding.createdAt ?? finding.updatedAt;
  const date = text ? new Date(text) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : '';
}

/** The document parameters of one playbook for one planned response, from its metadata's sources. */
export function playbookParameters(
  meta: PlaybookMetadata,
  finding: Finding,
  planned: PlannedResponse,
  settings: ResponseSettings,
  deployment: { lambdaPrefix: string; assumeRoleArn: string; summary?: string },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, source] of Object.entries(meta.parameters)) {
    switch (source.source) {
      case 'static':
        out[name] = source.value;
        break;
      case 'setting':
        out[name] = settings[source.setting];
        break;
      case 'lambda':
        out[name] = `${deployment.lambdaPrefix}${meta.id}`;
        break;
      case 'assumeRole':
        out[name] = deployment.assumeRoleArn;
        break;
      case 'finding': {
        const values: Record<string, string> = {
          findingId: finding.id,
          findingType: finding.type,
          severity: String(finding.severity),
          instanceId: planned.instanceId ?? '',
          roleName: planned.roleName ?? '',
          ipAddresses: (planned.ips ?? []).map((i) => i.address).join(','),
          directions: planned.directions ?? 'inbound',
          detectedAt: detectedAt(finding),
          summary: deployment.summary ?? '{}',
        };
        out[name] = values[source.field] ?? '';
        break;
      }
    }
  }
  return out;
}

/**
 * A playbook a person chose for a finding (`--playbook`, a Security Hub custom action), whatever the table says:
 * its target from the finding.
 * @throws PlaybookRefusedError when the finding names nothing the playbook can act on.
 */
export function forcedResponse(finding: Finding, playbook: PlaybookId): PlannedResponse {
  const instanceId = finding.instance?.instanceId ?? finding.accessKey?.instanceId;
  const reason = `Chosen by a person (--playbook) for ${describeFinding(finding)}.`;
  if (playbook === 'block-ip') {
    if (finding.remoteIps.length === 0)
      throw new PlaybookRefusedError(`--playbook block-ip: the finding names no remote address.`);
    return {
      playbook,
      reason,
      ips: finding.remoteIps.map(({ address, version, cidr }) => ({ address, version, cidr })),
      directions: 'inbound',
      ...(instanceId ? { instanceId } : {}),
    };
  }
  if (playbook === 'revoke-role-sessions') {
    if (!finding.accessKey?.roleName && !instanceId)
      throw new PlaybookRefusedError(
        '--playbook revoke-role-sessions: the finding names neither a role nor an instance.',
      );
    return {
      playbook,
      reason,
      ...(finding.accessKey?.roleName ? { roleName: finding.accessKey.roleName } : {}),
      ...(instanceId ? { instanceId } : {}),
    };
  }
  if (playbook !== 'notify' && !instanceId)
    throw new PlaybookRefusedError(`--playbook ${playbook}: the finding names no instance.`);
  return { playbook, reason, ...(instanceId ? { instanceId } : {}) };
}

/** SSM Automation takes at most 512 characters in one parameter value (`AutomationParameterValue`). */
export const MAX_PARAMETER_VALUE = 512;

/**
 * A block-ip response as executions SSM accepts: its addresses, comma-joined into one parameter, in parts of at most
 * {@link MAX_PARAMETER_VALUE} characters (a port probe names dozens; about 33 IPv4 or 13 IPv6 addresses fit in one).
 * Any other response is one execution.
 * @example
 * executionParts({ playbook: 'block-ip', ips: fortyAddresses, … }).length; // 2
 */
export function executionParts(planned: PlannedResponse): PlannedResponse[] {
  if (planned.playbook !== 'block-ip' || !planned.ips?.length) return [planned];
  const parts: IpAddress[][] = [[]];
  let length = 0;
  for (const ip of planned.ips) {
    const current = parts[parts.length - 1] as IpAddress[];
    const added = current.length ? ip.address.length + 1 : ip.address.length;
    if (current.length && length + added > MAX_PARAMETER_VALUE) {
      parts.push([ip]);
      length = ip.address.length;
    } else {
      current.push(ip);
      length += added;
    }
  }
  return parts.map((ips) => ({ ...planned, ips }));
}

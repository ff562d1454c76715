import type { ApiCall } from '../../shared/incident/calls';

/**
 * revoke-role-sessions, pure. Given/When/Then:
 * - Given a role whose instance credentials were used outside AWS: When revoked, Then the role has an inline policy
 *   denying everything to sessions issued before now (`DateLessThan aws:TokenIssueTime`), the policy the IAM
 *   console's "Revoke active sessions" writes, under the same name, so either converges with the other.
 * - Given a revocation already made after the finding was detected: Then nothing changes (a retry must not cut the
 *   fresh credentials issued since, which the role's legitimate users now hold).
 */

/** The name the IAM console uses for the same policy. */
export const REVOKE_POLICY = 'AWSRevokeOlderSessions';

export function revokePolicy(cutoff: Date): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff.toISOString().replace(/\.\d{3}Z$/, 'Z') } },
      },
    ],
  };
}

/** The cutoff of an existing revoke policy (the latest, if several statements), or undefined. */
export function cutoffOf(document: unknown): Date | undefined {
  const statements = (document as { Statement?: unknown })?.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  let latest: Date | undefined;
  for (const s of list as { Effect?: string; Condition?: Record<string, Record<string, unknown>> }[]) {
    const value = s.Effect === 'Deny' ? s.Condition?.DateLessThan?.['aws:TokenIssueTime'] : undefined;
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (date && !Number.isNaN(date.getTime()) && (!latest || date > latest)) latest = date;
  }
  return latest;
}

/** The call that revokes the role's older sessions, or why none is needed. */
export function planRevoke(
  roleName: string,
  existing: unknown,
  detectedAt: Date | undefined,
  now: Date,
): { calls: ApiCall[]; notes: string[] } {
  const cutoff = cutoffOf(existing);
  if (cutoff && (!detectedAt || cutoff >= detectedAt))
    return {
      calls: [],
      notes: [
        `Sessions of ${roleName} issued before ${cutoff.toISOString()} are already denied (after the finding was detected): not changed.`,
      ],
    };
  return {
    calls: [
      {
        service: 'iam',
        api: 'PutRolePolicy',
        resource: roleName,
        inputs: {
          RoleName: roleName,
          PolicyName: REVOKE_POLICY,
          PolicyDocument: JSON.stringify(revokePolicy(now)),
        },
        why: `Deny every session of ${roleName} issued before ${now.toISOString()} (new sessions keep working).`,
      },
    ],
    notes: cutoff
      ? [`The previous revocation (${cutoff.toISOString()}) predates the finding: moved to now.`]
      : [],
  };
}

/**
 * collect-evidence, pure. Given/When/Then:
 * - Given a running instance managed by Systems Manager: When evidence is collected, Then the volatile-data
 *   command runs on it and its archive lands at `incidents/<finding>/<instance>/<time>/volatile.tar.gz` (Windows:
 *   `volatile.zip`) in the evidence bucket, tagged with the finding and the instance.
 * - Given a stopped instance (nothing volatile left) or the skip tag: Then nothing runs.
 */

/** The key prefix of one capture: one per run, so a second capture never overwrites the first. */
export function evidencePrefix(findingId: string, instanceId: string, now: Date): string {
  return `incidents/${findingId}/${instanceId}/${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}`;
}

/** The archive the command uploads, by platform. */
export function evidenceKey(prefix: string, platform: 'Linux' | 'Windows'): string {
  return `${prefix}/volatile.${platform === 'Windows' ? 'zip' : 'tar.gz'}`;
}

/** Tags the command writes on the archive. */
export const EVIDENCE_TAGS = { finding: 'rebaseline-finding', instance: 'rebaseline-instance' } as const;

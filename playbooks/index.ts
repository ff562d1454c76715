import { join } from 'node:path';
import type { AwsClients } from '../shared/aws/clients';
import type { PlaybookMetadata } from '../shared/incident/playbook';
import { playbookMetadata } from '../shared/metadata';
import { isFunctionOf } from '../shared/remediation/metadata';
import { createHandler as blockIp } from './block-ip/handler';
import blockIpMeta from './block-ip/playbook.json';
import { createHandler as collectEvidence } from './collect-evidence/handler';
import collectEvidenceMeta from './collect-evidence/playbook.json';
import { createHandler as isolateEc2Instance } from './isolate-ec2-instance/handler';
import isolateEc2InstanceMeta from './isolate-ec2-instance/playbook.json';
import { createHandler as notify } from './notify/handler';
import notifyMeta from './notify/playbook.json';
import { createHandler as revokeRoleSessions } from './revoke-role-sessions/handler';
import revokeRoleSessionsMeta from './revoke-role-sessions/playbook.json';

/** The Lambda of a playbook, built for given clients (the deployed Lambda uses the default chain). */
export type PlaybookLambdaFactory = (
  clients?: (region: string) => AwsClients,
) => (payload: unknown) => Promise<unknown>;

/** A playbook: its metadata, its folder (holding `document.yaml`) and, when it has one, its Lambda. */
export interface Playbook {
  meta: PlaybookMetadata;
  dir: string;
  createHandler?: PlaybookLambdaFactory;
}

/** Every playbook rebaseline ships. A playbook folder missing here fails the registry test. */
export const PLAYBOOKS: readonly Playbook[] = [
  {
    meta: playbookMetadata(collectEvidenceMeta),
    dir: join(__dirname, 'collect-evidence'),
    createHandler: collectEvidence,
  },
  {
    meta: playbookMetadata(isolateEc2InstanceMeta),
    dir: join(__dirname, 'isolate-ec2-instance'),
    createHandler: isolateEc2Instance,
  },
  { meta: playbookMetadata(blockIpMeta), dir: join(__dirname, 'block-ip'), createHandler: blockIp },
  {
    meta: playbookMetadata(revokeRoleSessionsMeta),
    dir: join(__dirname, 'revoke-role-sessions'),
    createHandler: revokeRoleSessions,
  },
  { meta: playbookMetadata(notifyMeta), dir: join(__dirname, 'notify'), createHandler: notify },
];

export function findPlaybook(id: string): Playbook | undefined {
  return PLAYBOOKS.find((p) => p.meta.id === id);
}

/** The playbook whose Lambda a document names: the function name (or ARN's function part) ends with its id. */
export function playbookForFunction(functionName: string): Playbook | undefined {
  return PLAYBOOKS.find((p) => p.createHandler && isFunctionOf(functionName, p.meta.id));
}

import { join } from 'node:path';
import type { AwsClients } from '../shared/aws/clients';
import type { InvocationContext } from '../shared/lambda/remediation';
import { remediationMetadata } from '../shared/metadata';
import type { RemediationMetadata } from '../shared/remediation/metadata';
import { isFunctionOf } from '../shared/remediation/metadata';
import { createHandler as blockS3AccountPublicAccess } from './block-s3-account-public-access/handler';
import blockS3AccountPublicAccessMeta from './block-s3-account-public-access/remediation.json';
import { createHandler as blockS3BucketPublicAccess } from './block-s3-bucket-public-access/handler';
import blockS3BucketPublicAccessMeta from './block-s3-bucket-public-access/remediation.json';
import { createHandler as enableCloudTrail } from './enable-cloudtrail/handler';
import enableCloudTrailMeta from './enable-cloudtrail/remediation.json';
import { createHandler as enableGuardduty } from './enable-guardduty/handler';
import enableGuarddutyMeta from './enable-guardduty/remediation.json';
import { createHandler as enableVpcFlowLogs } from './enable-vpc-flow-logs/handler';
import enableVpcFlowLogsMeta from './enable-vpc-flow-logs/remediation.json';
import { createHandler as removeRootAccessKeys } from './remove-root-access-keys/handler';
import removeRootAccessKeysMeta from './remove-root-access-keys/remediation.json';
import { createHandler as revokePublicIngress } from './revoke-public-ingress/handler';
import revokePublicIngressMeta from './revoke-public-ingress/remediation.json';

/** The Lambda of a remediation, built for given clients (the deployed Lambda uses the default chain). */
export type RemediationLambdaFactory = (
  clients?: (region: string) => AwsClients,
) => (payload: unknown, context?: InvocationContext) => Promise<unknown>;

/** A remediation: its metadata, its folder (holding `document.yaml`) and, when it has one, its Lambda. */
export interface Remediation {
  meta: RemediationMetadata;
  dir: string;
  createHandler?: RemediationLambdaFactory;
}

/** Every remediation rebaseline ships. A remediation folder missing here fails the registry test. */
export const REMEDIATIONS: readonly Remediation[] = [
  {
    meta: remediationMetadata(revokePublicIngressMeta),
    dir: join(__dirname, 'revoke-public-ingress'),
    createHandler: revokePublicIngress,
  },
  {
    meta: remediationMetadata(blockS3BucketPublicAccessMeta),
    dir: join(__dirname, 'block-s3-bucket-public-access'),
    createHandler: blockS3BucketPublicAccess,
  },
  {
    meta: remediationMetadata(blockS3AccountPublicAccessMeta),
    dir: join(__dirname, 'block-s3-account-public-access'),
    createHandler: blockS3AccountPublicAccess,
  },
  {
    meta: remediationMetadata(removeRootAccessKeysMeta),
    dir: join(__dirname, 'remove-root-access-keys'),
    createHandler: removeRootAccessKeys,
  },
  {
    meta: remediationMetadata(enableCloudTrailMeta),
    dir: join(__dirname, 'enable-cloudtrail'),
    createHandler: enableCloudTrail,
  },
  {
    meta: remediationMetadata(enableGuarddutyMeta),
    dir: join(__dirname, 'enable-guardduty'),
    createHandler: enableGuardduty,
  },
  {
    meta: remediationMetadata(enableVpcFlowLogsMeta),
    dir: join(__dirname, 'enable-vpc-flow-logs'),
    createHandler: enableVpcFlowLogs,
  },
];

export function findRemediation(id: string): Remediation | undefined {
  return REMEDIATIONS.find((r) => r.meta.id === id);
}

/** The remediation whose Lambda a document names: the function name (or ARN's function part) ends with its id. */
export function remediationForFunction(functionName: string): Remediation | undefined {
  return REMEDIATIONS.find((r) => r.createHandler && isFunctionOf(functionName, r.meta.id));
}

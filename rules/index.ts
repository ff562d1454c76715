import type { AnyRule } from '../shared/rule';
import { rule as cloudtrailMultiRegionLogging } from './cloudtrail-multi-region-logging/evaluate';
import { rule as ec2SecurityGroupNoPublicIngress } from './ec2-security-group-no-public-ingress/evaluate';
import { rule as guarddutyEnabled } from './guardduty-enabled/evaluate';
import { rule as iamRootAccessKeysAbsent } from './iam-root-access-keys-absent/evaluate';
import { rule as s3AccountPublicAccessBlocked } from './s3-account-public-access-blocked/evaluate';
import { rule as s3BucketNoPublicAccess } from './s3-bucket-no-public-access/evaluate';
import { rule as vpcFlowLogsEnabled } from './vpc-flow-logs-enabled/evaluate';

/** Every rule rebaseline ships. A rule folder missing here fails `test/rules/registry.test.ts`. */
export const RULES: readonly AnyRule[] = [
  ec2SecurityGroupNoPublicIngress,
  s3BucketNoPublicAccess,
  s3AccountPublicAccessBlocked,
  iamRootAccessKeysAbsent,
  cloudtrailMultiRegionLogging,
  guarddutyEnabled,
  vpcFlowLogsEnabled,
];

export function findRule(id: string): AnyRule | undefined {
  return RULES.find((r) => r.meta.id === id);
}

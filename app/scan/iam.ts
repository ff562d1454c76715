import type { RemediationIamStatement } from '../../shared/remediation/metadata';

/**
 * What `rebaseline scan` reads in every account it scans, beyond the reads each rule declares in rule.json: the
 * account's enabled regions (a scan of several regions), and AWS Config's recorder and items (`--source auto`, the
 * default, and `config`). Granted by the read-only policy (`rebaseline iam-policy --read-only`) and by the member
 * execution role of conformance-packs/member-roles.yaml.
 */
export const SCAN_READS: readonly RemediationIamStatement[] = [
  {
    actions: ['ec2:DescribeRegions'],
    resources: ['*'],
    reason: 'List the regions enabled in the account (scan --regions all).',
    wildcardReason: 'EC2 Describe* actions do not support resource-level permissions.',
  },
  {
    actions: [
      'config:DescribeConfigurationRecorders',
      'config:DescribeConfigurationRecorderStatus',
      'config:ListDiscoveredResources',
      'config:BatchGetResourceConfig',
    ],
    resources: ['*'],
    reason:
      "Read AWS Config's inventory instead of each resource (scan --source auto|config): whether the recorder records a type, and its configuration items.",
    wildcardReason:
      "ListDiscoveredResources and BatchGetResourceConfig have no resource type; a recorder's ARN ends with an id Config makes up, so it cannot be named in advance.",
  },
];

/**
 * What `rebaseline scan --org` needs in the account it runs from (the management account or a delegated
 * administrator), beyond the read-only policy (its own account may be scanned too): the organisation's accounts, the
 * member role of each (only in the organisation), and the organisation's configuration aggregator (`--aggregator`).
 */
export const ORGANIZATION_SCAN_STATEMENTS: readonly RemediationIamStatement[] = [
  {
    actions: ['organizations:ListAccounts'],
    resources: ['*'],
    reason: "List the organization's accounts and their state.",
    wildcardReason: 'ListAccounts has no resource type.',
  },
  {
    actions: ['sts:AssumeRole'],
    resources: [`arn:\${Partition}:iam::*:role/rebaseline-execution`],
    condition: { StringEquals: { 'aws:ResourceOrgID': `\${OrganizationId}` } },
    reason:
      'Assume the member role conformance-packs/member-roles.yaml creates in each account, in this organization only (with --role-name, grant that role instead).',
  },
  {
    actions: ['config:ListAggregateDiscoveredResources', 'config:BatchGetAggregateResourceConfig'],
    resources: [`arn:\${Partition}:config:*:\${AccountId}:config-aggregator/*`],
    reason:
      "Read the organization's configuration items through its aggregator in this account (scan --org --aggregator).",
  },
];

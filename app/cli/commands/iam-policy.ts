import type { Command } from 'commander';
import { UsageError } from '../../../shared/errors';
import type { AnyRule } from '../../../shared/rule';
import { ANY_ACCOUNT, iamPolicy, MANAGED_POLICY_MAX_CHARACTERS, policySize } from '../../iam-policy';
import type { RemediationEntry } from '../../remediate';
import { selectRules } from './scan';

interface IamPolicyCliOptions {
  readOnly?: boolean;
  remediate?: boolean;
  org?: boolean;
  rules?: string;
  accountId?: string;
  organizationId?: string;
  partition: string;
  enable?: string;
}

export function registerIamPolicy(
  program: Command,
  rules: readonly AnyRule[],
  remediations: readonly RemediationEntry[],
): void {
  program
    .command('iam-policy')
    .description(
      'Print the least-privilege IAM policy to attach for scan (--read-only) or remediate (--remediate), generated from what the rules and remediations declare.',
    )
    .option('--read-only', 'what `rebaseline scan` reads (and `audit import` does not need)')
    .option(
      '--org',
      'what `rebaseline scan --org` needs where it runs (management or delegated administrator account): the reads, ListAccounts, the member role, the aggregator',
    )
    .option(
      '--remediate',
      'what `rebaseline remediate --apply` needs: the reads plus each remediation’s actions',
    )
    .option('--rules <ids>', 'only these rules (and their remediations), comma-separated (default: all)')
    .option(
      '--account-id <id>',
      `name this account in resource ARNs (default: \${aws:PrincipalAccount}, the account the policy is attached in)`,
    )
    .option(
      '--organization-id <id>',
      `name this organization in conditions (default: \${aws:PrincipalOrgID}, the principal's own)`,
    )
    .option('--partition <partition>', 'aws, aws-us-gov or aws-cn', 'aws')
    .option(
      '--enable <stage-parameters>',
      'grant what these stage parameters turn on, comma-separated (rootCredentialsManagement: sts:AssumeRoot for remove-root-access-keys)',
    )
    .addHelpText(
      'after',
      '\nThe same policies, for all rules, are in docs/iam/read-only-policy.json, docs/iam/organization-scan-policy.json and docs/iam/remediation-policy.json.',
    )
    .action((opts: IamPolicyCliOptions) => {
      const kinds = [opts.readOnly, opts.remediate, opts.org].filter(Boolean).length;
      if (kinds !== 1) throw new UsageError('Give exactly one of --read-only, --org or --remediate.');
      if (opts.accountId !== undefined && !/^\d{12}$/.test(opts.accountId))
        throw new UsageError(`--account-id must be 12 digits, not ${opts.accountId}.`);
      if (opts.organizationId !== undefined && !/^o-[a-z0-9]{10,32}$/.test(opts.organizationId))
        throw new UsageError(
          `--organization-id must be an organization id (o-…), not ${opts.organizationId}.`,
        );
      if (!/^aws(-[a-z]+)*$/.test(opts.partition))
        throw new UsageError(
          `--partition must be an AWS partition (aws, aws-us-gov, aws-cn), not ${opts.partition}.`,
        );
      const policy = iamPolicy(opts.readOnly ? 'read-only' : opts.org ? 'organization' : 'remediate', {
        rules: selectRules(rules, opts.rules).map((r) => r.meta),
        remediations,
        target: {
          partition: opts.partition,
          accountId: opts.accountId ?? ANY_ACCOUNT.accountId,
          region: ANY_ACCOUNT.region,
          organizationId: opts.organizationId ?? ANY_ACCOUNT.organizationId,
        },
        enabled: opts.enable
          ?.split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      });
      process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
      const size = policySize(policy);
      if (size > MANAGED_POLICY_MAX_CHARACTERS)
        process.stderr.write(
          `rebaseline: note: this policy is ${size} characters, over IAM's ${MANAGED_POLICY_MAX_CHARACTERS} for a managed policy; split it or select fewer --rules.\n`,
        );
    });
}

import { expect } from 'chai';
import {
  ANY_ACCOUNT,
  documentApiActions,
  IamPolicyError,
  iamPolicy,
  MANAGED_POLICY_MAX_CHARACTERS,
  policyDocument,
  policySize,
  remediationStatements,
  renderArn,
} from '../../app/iam-policy';
import { SCAN_READS } from '../../app/scan/iam';
import { loadAutomationDocument } from '../../app/ssm/document';
import { REMEDIATIONS } from '../../remediations';
import { RULES } from '../../rules';
import { leastPrivilegeProblems } from '../../scripts/deploy/iam';

const rules = RULES.map((r) => r.meta);
const actionsOf = (policy: { Statement: { Action: string[] }[] }) =>
  new Set(policy.Statement.flatMap((s) => s.Action));

describe('IAM policies to attach (app/iam-policy.ts)', () => {
  const readOnly = iamPolicy('read-only', { rules });
  const remediate = iamPolicy('remediate', { rules, remediations: REMEDIATIONS });

  it('grants scan exactly the reads the rules declare and its own (regions, Config’s inventory), and nothing that writes', () => {
    expect([...actionsOf(readOnly)].sort()).to.deep.equal(
      [...new Set([...rules, { iam: SCAN_READS }].flatMap((r) => r.iam.flatMap((s) => s.actions)))].sort(),
    );
    for (const action of actionsOf(readOnly))
      expect(action, action).to.match(/:(Describe|Get|List|BatchGet|GenerateCredentialReport)/);
  });

  it('grants scan --org the reads, the organisation’s accounts, the member role in the organisation only, and the aggregator', () => {
    const organization = iamPolicy('organization', { rules });
    expect(leastPrivilegeProblems(organization)).to.deep.equal([]);
    for (const action of actionsOf(readOnly))
      expect(actionsOf(organization).has(action), action).to.equal(true);
    const assume = organization.Statement.find((s) => s.Action.includes('sts:AssumeRole'));
    expect(assume?.Resource).to.deep.equal(['arn:aws:iam::*:role/rebaseline-execution']);
    expect(assume?.Condition).to.deep.equal({
      StringEquals: { 'aws:ResourceOrgID': `\${aws:PrincipalOrgID}` },
    });
    expect(actionsOf(organization).has('organizations:ListAccounts')).to.equal(true);
    expect(
      organization.Statement.find((s) => s.Action.includes('config:BatchGetAggregateResourceConfig'))
        ?.Resource,
    ).to.deep.equal([`arn:aws:config:*:\${aws:PrincipalAccount}:config-aggregator/*`]);
    for (const action of actionsOf(organization))
      expect(action, action).to.match(/:(Describe|Get|List|BatchGet|GenerateCredentialReport|AssumeRole$)/);
  });

  it('grants remediate the reads plus every API the documents call and their Lambdas’ actions, not lambda:InvokeFunction', () => {
    const actions = actionsOf(remediate);
    for (const r of REMEDIATIONS) {
      const document = loadAutomationDocument(`${r.dir}/document.yaml`);
      for (const action of documentApiActions(document))
        expect(actions.has(action), `${r.meta.id}: ${action}`).to.equal(true);
      for (const s of (r.meta.lambda?.iam ?? []).filter((st) => !st.enabledBy))
        for (const action of s.actions)
          expect(actions.has(action), `${r.meta.id} Lambda: ${action}`).to.equal(true);
    }
    for (const action of actionsOf(readOnly)) expect(actions.has(action), action).to.equal(true);
    expect(actions.has('lambda:InvokeFunction')).to.equal(false);
    expect(actions.has('ec2:RevokeSecurityGroupIngress')).to.equal(true);
    expect(actions.has('s3:PutAccountPublicAccessBlock')).to.equal(true);
  });

  it('is least privilege, attachable in any account, and fits a managed policy', () => {
    for (const policy of [readOnly, remediate]) {
      expect(leastPrivilegeProblems(policy)).to.deep.equal([]);
      expect(policySize(policy)).to.be.at.most(MANAGED_POLICY_MAX_CHARACTERS);
      const text = JSON.stringify(policy);
      expect(text).not.to.match(/\$\{(Partition|AccountId|Region)\}/);
      expect(text).not.to.match(/\d{12}/);
      for (const s of policy.Statement) expect(s.Sid).to.match(/^[A-Za-z0-9]+$/);
      expect(new Set(policy.Statement.map((s) => s.Sid)).size).to.equal(policy.Statement.length);
    }
    expect(JSON.stringify(remediate)).to.include(`arn:aws:ec2:*:\${aws:PrincipalAccount}:security-group/*`);
  });

  it('keeps the broadest grant of an action and merges statements by resource', () => {
    const policy = policyDocument(
      [
        {
          actions: ['cloudtrail:GetTrailStatus'],
          resources: [`arn:\${Partition}:cloudtrail:*:*:trail/*`],
          reason: 'a',
        },
        {
          actions: ['cloudtrail:GetTrailStatus', 'cloudtrail:StartLogging'],
          resources: [`arn:\${Partition}:cloudtrail:*:\${AccountId}:trail/*`],
          reason: 'b',
        },
        { actions: ['s3:ListAllMyBuckets'], resources: ['*'], reason: 'c' },
      ],
      { ...ANY_ACCOUNT, accountId: '111122223333' },
    );
    expect(policy.Statement.map((s) => [s.Sid, s.Action, s.Resource])).to.deep.equal([
      ['S3ReadAnyResource', ['s3:ListAllMyBuckets'], ['*']],
      ['CloudtrailRead', ['cloudtrail:GetTrailStatus'], ['arn:aws:cloudtrail:*:*:trail/*']],
      ['CloudtrailWrite', ['cloudtrail:StartLogging'], ['arn:aws:cloudtrail:*:111122223333:trail/*']],
    ]);
  });

  it('refuses a document that calls an API its remediation.json does not declare, and unknown placeholders', () => {
    const revoke = REMEDIATIONS.find((r) => r.meta.id === 'revoke-public-ingress')!;
    const document = loadAutomationDocument(`${revoke.dir}/document.yaml`);
    const undeclared = {
      ...revoke.meta,
      iam: revoke.meta.iam.filter((s) => !s.actions.includes('ec2:RevokeSecurityGroupIngress')),
    };
    expect(() => remediationStatements([{ meta: undeclared, document }])).to.throw(
      IamPolicyError,
      /The document of revoke-public-ingress calls ec2:AuthorizeSecurityGroupIngress, ec2:CreateTags, ec2:RevokeSecurityGroupIngress, which remediations\/revoke-public-ingress\/remediation.json does not declare\./,
    );
    expect(() => renderArn(`arn:\${Partition}:s3:::\${Bucket}`, ANY_ACCOUNT)).to.throw(
      IamPolicyError,
      /Unknown placeholder \$\{Bucket\}/,
    );
  });

  it('grants sts:AssumeRoot only when asked, with its conditions, in the principal’s organization', () => {
    expect(actionsOf(remediate).has('sts:AssumeRoot')).to.equal(false);
    const root = iamPolicy('remediate', {
      rules,
      remediations: REMEDIATIONS,
      enabled: ['rootCredentialsManagement'],
    });
    const statement = root.Statement.find((s) => s.Action.includes('sts:AssumeRoot'))!;
    expect(statement.Action).to.deep.equal(['sts:AssumeRoot']);
    expect(statement.Condition).to.deep.equal({
      StringEquals: {
        'aws:ResourceOrgID': `\${aws:PrincipalOrgID}`,
        'sts:TaskPolicyArn': [
          'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials',
          'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials',
        ],
      },
    });
    expect(leastPrivilegeProblems(root)).to.deep.equal([]);
  });

  it('selects the remediations of the selected rules only', () => {
    const sg = iamPolicy('remediate', {
      rules: rules.filter((r) => r.id === 'ec2-security-group-no-public-ingress'),
      remediations: REMEDIATIONS,
    });
    const scanReads = SCAN_READS.flatMap((s) => s.actions);
    expect([...actionsOf(sg)].filter((a) => !scanReads.includes(a)).sort()).to.deep.equal([
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:CreateTags',
      'ec2:DescribeSecurityGroups',
      'ec2:GetManagedPrefixListEntries',
      'ec2:RevokeSecurityGroupIngress',
    ]);
  });
});

import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { expect } from 'chai';
import { REVOKED_INGRESS_TAG } from '../../remediations/revoke-public-ingress/handler';
import { assumeRole, callerIdentity } from '../../shared/aws/assume-role';
import type { AwsClients } from '../../shared/aws/clients';
import { EC2 } from '../../shared/aws/services/ec2';
import { EXECUTION_ROLE_EXTERNAL_ID_ENV, EXECUTION_ROLE_NAME_ENV } from '../../shared/aws/target-account';
import { awsErrorName } from '../../shared/errors';
import { useMoto } from '../helpers/moto';
import {
  ACCOUNT,
  createInsecureGroup,
  describeGroup,
  type InsecureGroup,
  motoClients,
  mutations,
  runRemediation,
  sources,
  tagsOf,
} from './helpers';

/** moto gives credentials of an assumed role the account id of the role's ARN: that is the member account. */
const MEMBER = '210987654321';
const CENTRAL = ACCOUNT;
const ID = 'revoke-public-ingress';

/**
 * Scenarios
 * - Given a member account's automation (its automation role) runs the document, and the remediation's Lambda runs
 *   in the central security account with EXECUTION_ROLE_NAME set, then the Lambda reads the member's group through
 *   the execution role, the member's own API steps revoke, and the member's group ends compliant.
 * - Given the same without EXECUTION_ROLE_NAME, then the plan fails naming the problem and nothing changes.
 */
describe('remediations served by the central account’s Lambda (runner + moto_server)', () => {
  const moto = useMoto();
  let centralCalls: string[];
  let memberCalls: string[];
  /** The central account's remediation Lambda credentials. */
  let central: AwsClients;
  /** The member's automation assume role: the runner's credentials, as SSM's in the member account. */
  let member: AwsClients;
  let sg: InsecureGroup;
  const saved = {
    name: process.env[EXECUTION_ROLE_NAME_ENV],
    externalId: process.env[EXECUTION_ROLE_EXTERNAL_ID_ENV],
  };

  /** The central Lambda as a member's document names it: through the member's own alias. */
  const MEMBER_ALIAS_ARN = `arn:aws:lambda:us-east-1:${CENTRAL}:function:rebaseline-prod-${ID}:member-${MEMBER}`;
  const run = (functionName = MEMBER_ALIAS_ARN) =>
    runRemediation(
      ID,
      member,
      { GroupId: sg.groupId, AuthorizedTcpPorts: '443', LambdaFunctionName: functionName },
      { lambdaAws: central },
    );

  beforeEach(async () => {
    centralCalls = [];
    memberCalls = [];
    central = motoClients(moto.endpoint, centralCalls);
    member = await assumeRole(
      motoClients(moto.endpoint, memberCalls),
      `arn:aws:iam::${MEMBER}:role/rebaseline-automation-${ID}`,
      'automation',
    );
    sg = await createInsecureGroup(member);
    centralCalls.length = 0;
    memberCalls.length = 0;
    process.env[EXECUTION_ROLE_NAME_ENV] = 'rebaseline-execution';
    process.env[EXECUTION_ROLE_EXTERNAL_ID_ENV] = 'rebaseline-test-external-id';
  });

  afterEach(() => {
    for (const [key, value] of [
      [EXECUTION_ROLE_NAME_ENV, saved.name],
      [EXECUTION_ROLE_EXTERNAL_ID_ENV, saved.externalId],
    ] as const)
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  });

  it('the emulator keeps the two accounts apart: the member’s group does not exist in the central account', async () => {
    expect((await callerIdentity(member)).accountId).to.equal(MEMBER);
    expect((await callerIdentity(central)).accountId).to.equal(CENTRAL);
    const error = await central
      .get(EC2)
      .send(new DescribeSecurityGroupsCommand({ GroupIds: [sg.groupId] }))
      .catch((e: unknown) => e);
    expect(awsErrorName(error)).to.equal('InvalidGroup.NotFound');
  });

  it('plans from the member’s group through the execution role, revokes in the member, verifies there', async () => {
    // Prepare
    const before = await describeGroup(member, sg.groupId);

    // Act
    const execution = await run();

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal([
      'PlanRevocation:Success',
      'CheckAnythingToRevoke:Success',
      'AuthorizeKeptIngress:Success',
      'RevokePublicIngress:Success',
      'TagRevokedIngress:Success',
      'VerifyNoPublicIngress:Success',
    ]);
    expect(execution.outputs['PlanRevocation.RevokeCount']).to.equal(4);
    expect(JSON.parse(String(execution.outputs['PlanRevocation.PreviousIngress']))).to.deep.equal(
      before.IpPermissions,
    );
    expect(execution.outputs['VerifyNoPublicIngress.Compliant']).to.equal(true);
    // The end state, re-read in the member account.
    const after = await describeGroup(member, sg.groupId);
    expect(sources(after)).to.deep.equal([
      'icmp -1--1 0.0.0.0/0',
      'tcp 22-22 10.0.0.0/8',
      'tcp 443-443 0.0.0.0/0',
      `tcp 5432-5432 ${sg.peerGroupId}`,
      'udp 53-53 192.168.0.0/16',
    ]);
    expect(tagsOf(after)[REVOKED_INGRESS_TAG]).to.equal(execution.outputs['PlanRevocation.TagValue']);
    // The central Lambda only read (once through AssumeRole per Lambda step); the member's automation changed.
    expect(mutations(centralCalls)).to.deep.equal(['sts:AssumeRole', 'sts:AssumeRole']);
    expect(centralCalls).to.include('ec2:DescribeSecurityGroups');
    expect(mutations(memberCalls)).to.deep.equal([
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:RevokeSecurityGroupIngress',
      'ec2:CreateTags',
    ]);
  });

  it('through the unqualified function (no member alias) the central Lambda refuses the member, reading nothing', async () => {
    // Prepare
    const before = await describeGroup(member, sg.groupId);
    memberCalls.length = 0;

    // Act
    const execution = await run(`arn:aws:lambda:us-east-1:${CENTRAL}:function:rebaseline-prod-${ID}`);

    // Assess
    expect(execution.status).to.equal('Failed');
    expect(execution.failureMessage)
      .to.include('RemediationDeniedError')
      .and.include(`may act on account ${CENTRAL} only`)
      .and.include(`the payload names account ${MEMBER}`);
    // Only the Lambda's own identity was asked (once per attempt of the step): no AssumeRole, no read.
    expect(centralCalls).to.not.be.empty;
    expect(centralCalls.every((c) => c === 'sts:GetCallerIdentity')).to.equal(true);
    expect(mutations(memberCalls)).to.deep.equal([]);
    expect(sources(await describeGroup(member, sg.groupId))).to.deep.equal(sources(before));
  });

  it('without EXECUTION_ROLE_NAME the plan fails clearly, and nothing is read or changed', async () => {
    // Prepare
    delete process.env[EXECUTION_ROLE_NAME_ENV];
    const before = await describeGroup(member, sg.groupId);
    memberCalls.length = 0;

    // Act
    const execution = await run();

    // Assess
    expect(execution.status).to.equal('Failed');
    expect(execution.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal(['PlanRevocation:Failed']);
    expect(execution.failureMessage)
      .to.include('TargetAccountUnreachableError')
      .and.include(
        `the automation runs in account ${MEMBER}, but this Lambda runs in account ${CENTRAL} and EXECUTION_ROLE_NAME is not set`,
      );
    expect(centralCalls.filter((c) => !c.startsWith('sts:'))).to.deep.equal([]);
    expect(mutations(memberCalls)).to.deep.equal([]);
    const after = await describeGroup(member, sg.groupId);
    expect(sources(after)).to.deep.equal(sources(before));
    expect(tagsOf(after)).to.deep.equal(tagsOf(before));
  });
});

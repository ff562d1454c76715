import { join } from 'node:path';
import { DeleteAccessKeyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { PublishCommand } from '@aws-sdk/client-sns';
import { AssumeRootCommand } from '@aws-sdk/client-sts';
import { expect } from 'chai';
import { loadAutomationDocument } from '../../../app/ssm/document';
import { type AutomationExecution, runAutomation } from '../../../app/ssm/runner';
import { findRemediation, remediationForFunction } from '../../../remediations';
import { AwsClients } from '../../../shared/aws/clients';
import { TEST_CREDENTIALS } from '../../helpers/moto';
import {
  awsError,
  MANAGEMENT,
  MEMBER,
  REPORT_ACCOUNT,
  TOPIC,
  useFakeOrganization,
} from './fake-organization';

const remediation = findRemediation('remove-root-access-keys');
const document = loadAutomationDocument(
  join(__dirname, '../../../remediations/remove-root-access-keys/document.yaml'),
);
const FUNCTION = `arn:aws:lambda:us-east-1:${MANAGEMENT}:function:rebaseline-prod-remove-root-access-keys`;

/** The document, executed by the local runner; its Lambda runs in-process with the stubbed clients. */
function execute(parameters: Record<string, unknown>, dryRun = false): Promise<AutomationExecution> {
  const aws = new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
  // The automation runs in the target account (its own Config rule), and calls the Lambda through its own alias.
  const target = String(parameters.TargetAccountId ?? MEMBER);
  return runAutomation(document, {
    aws,
    dryRun,
    accountId: target,
    parameters: {
      TargetAccountId: MEMBER,
      NotificationTopicArn: TOPIC,
      LambdaFunctionName: `${FUNCTION}:member-${target}`,
      AutomationAssumeRole: `arn:aws:iam::${MANAGEMENT}:role/rebaseline-remove-root-access-keys`,
      ...parameters,
    },
    lambdas: (name) => remediationForFunction(name)?.createHandler?.(() => aws),
  });
}

const stepStatuses = (e: AutomationExecution) => e.steps.map((s) => [s.name, s.status]);

describe('remove-root-access-keys document (local runner, recorded responses)', () => {
  const org = useFakeOrganization();

  it('is registered with its Lambda', () => {
    expect(remediation?.meta.rules).to.deep.equal(['iam-root-access-keys-absent']);
    expect(remediationForFunction(FUNCTION)?.meta.id).to.equal('remove-root-access-keys');
  });

  it('from the management account removes the root keys and verifies none remains', async () => {
    org.as('management');

    const execution = await execute({});

    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(stepStatuses(execution)).to.deep.equal([
      ['RemoveRootAccessKeys', 'Success'],
      ['VerifyRootKeysRemoved', 'Success'],
    ]);
    expect(org.rootKeys).to.deep.equal([]);
    expect(execution.outputs['RemoveRootAccessKeys.Outcome']).to.equal('Removed');
    expect(
      (
        execution.outputs['RemoveRootAccessKeys.Keys'] as { accessKeyId: string; lastUsedDate?: string }[]
      ).map((k) => [k.accessKeyId, k.lastUsedDate ?? 'never']),
    ).to.deep.equal([
      ['AKIA…MPLE', '2015-03-13T10:45:00.000Z'],
      ['AKIA…MPLE', 'never'],
    ]);
    expect(execution.outputs['VerifyRootKeysRemoved.Message']).to.equal(
      `Verified: the root user of account ${MEMBER} has no access keys.`,
    );
  });

  it('from the IAM delegated administrator removes the root keys too', async () => {
    org.as('delegatedAdministrator');

    const execution = await execute({});

    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(org.rootKeys).to.deep.equal([]);
  });

  it('run twice: the second run changes nothing and says so', async () => {
    org.as('management');
    await execute({});
    org.iam.resetHistory();

    const second = await execute({});

    expect(second.status).to.equal('Success');
    expect(second.outputs['RemoveRootAccessKeys.Outcome']).to.equal('AlreadyCompliant');
    expect(second.outputs['RemoveRootAccessKeys.Message']).to.equal(
      `The root user of account ${MEMBER} has no access keys; nothing to change.`,
    );
    expect(org.iam.commandCalls(UpdateAccessKeyCommand)).to.have.length(0);
    expect(org.iam.commandCalls(DeleteAccessKeyCommand)).to.have.length(0);
  });

  it('elsewhere notifies with the manual instructions and ends Failed: a person must act', async () => {
    org.asTheMemberItself();

    const execution = await execute({ TargetAccountId: REPORT_ACCOUNT });

    expect(stepStatuses(execution)).to.deep.equal([
      ['RemoveRootAccessKeys', 'Success'],
      ['VerifyRootKeysRemoved', 'Failed'],
    ]);
    expect(execution.status).to.equal('Failed');
    expect(execution.failureMessage).to.include(
      `ManualActionRequiredError: Root access keys of account ${REPORT_ACCOUNT} cannot be removed from account ${REPORT_ACCOUNT}`,
    );
    expect(execution.failureMessage).to.include(
      `A person must act; the instructions were published to ${TOPIC}.`,
    );
    expect(execution.outputs['RemoveRootAccessKeys.Outcome']).to.equal('ManualActionRequired');
    const published = org.sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).to.have.length(1);
    expect(published[0]?.Message).to.include(
      `1. Sign in to the AWS Management Console as the root user of account ${REPORT_ACCOUNT}`,
    );
    expect(org.sts.commandCalls(AssumeRootCommand)).to.have.length(0);
    expect(org.rootKeys).to.have.length(2);
  });

  it('refuses the management account as target (notification, Failed)', async () => {
    org.as('management');

    const execution = await execute({ TargetAccountId: MANAGEMENT });

    expect(execution.status).to.equal('Failed');
    expect(execution.failureMessage).to.include("is the organization's management account");
    expect(org.sts.commandCalls(AssumeRootCommand)).to.have.length(0);
    expect(org.sns.commandCalls(PublishCommand)).to.have.length(1);
  });

  it('dry-run: plans the exact key calls, changes nothing, and would verify', async () => {
    org.as('management');

    const execution = await execute({}, true);

    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.plan).to.deep.equal([
      {
        step: 'RemoveRootAccessKeys',
        service: 'iam',
        api: 'UpdateAccessKey',
        inputs: { AccessKeyId: 'AKIA…MPLE', Status: 'Inactive' },
        via: 'aws:invokeLambdaFunction',
      },
      {
        step: 'RemoveRootAccessKeys',
        service: 'iam',
        api: 'DeleteAccessKey',
        inputs: { AccessKeyId: 'AKIA…MPLE' },
        via: 'aws:invokeLambdaFunction',
      },
      {
        step: 'RemoveRootAccessKeys',
        service: 'iam',
        api: 'DeleteAccessKey',
        inputs: { AccessKeyId: 'AKIA…MPLE' },
        via: 'aws:invokeLambdaFunction',
      },
    ]);
    expect(execution.outputs['VerifyRootKeysRemoved.Message']).to.match(/^Would verify/);
    expect(org.rootKeys.map((k) => [k.AccessKeyId, k.Status])).to.deep.equal([
      ['AKIA111111111EXAMPLE', 'Active'],
      ['AKIA222222222EXAMPLE', 'Inactive'],
    ]);
    expect(org.iam.commandCalls(DeleteAccessKeyCommand)).to.have.length(0);
  });

  it('fails at the first step with a clear message when AssumeRoot is denied', async () => {
    org.as('management');
    org.sts
      .on(AssumeRootCommand)
      .rejects(awsError('AccessDenied', 'not authorized to perform: sts:AssumeRoot'));

    const execution = await execute({});

    expect(stepStatuses(execution)).to.deep.equal([['RemoveRootAccessKeys', 'Failed']]);
    expect(execution.failureMessage).to.include(
      `RemediationDeniedError: sts:AssumeRoot into account ${MEMBER} with arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials failed (AccessDenied)`,
    );
    expect(org.rootKeys).to.have.length(2);
  });
});

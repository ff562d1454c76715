import {
  DeleteAccessKeyCommand,
  ListAccessKeysCommand,
  ListOrganizationsFeaturesCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  ListDelegatedAdministratorsCommand,
} from '@aws-sdk/client-organizations';
import { PublishCommand } from '@aws-sdk/client-sns';
import { AssumeRootCommand } from '@aws-sdk/client-sts';
import { expect } from 'chai';
import sinon from 'sinon';
import {
  createHandler,
  manualInstructions,
  parsePayload,
  type Result,
} from '../../../remediations/remove-root-access-keys/handler';
import { AwsClients } from '../../../shared/aws/clients';
import { STS } from '../../../shared/aws/services/sts';
import {
  ManualActionRequiredError,
  RemediationDeniedError,
  RemediationInputError,
  RemediationVerificationError,
} from '../../../shared/errors';
import { logger } from '../../../shared/logger';
import { TEST_CREDENTIALS } from '../../helpers/moto';
import {
  AUDIT_TASK,
  awsError,
  DELETE_TASK,
  MANAGEMENT,
  MEMBER,
  REPORT_ACCOUNT,
  signingKey,
  TOPIC,
  useFakeOrganization,
} from './fake-organization';

const handler = createHandler(() => new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS }));
const FUNCTION = `arn:aws:lambda:us-east-1:${MANAGEMENT}:function:rebaseline-prod-remove-root-access-keys`;
/** As the target account's automation invokes it: through that account's alias, naming that account. */
const run = (p: Record<string, unknown>) =>
  handler(
    { AccountId: p.TargetAccountId, ...p },
    { invokedFunctionArn: `${FUNCTION}:member-${p.TargetAccountId}` },
  );
const payload = (extra: Record<string, unknown> = {}) => ({
  Mode: 'apply',
  TargetAccountId: MEMBER,
  NotificationTopicArn: TOPIC,
  ...extra,
});

describe('remove-root-access-keys handler', () => {
  const org = useFakeOrganization();

  describe('in the management account', () => {
    it('records, deactivates, then deletes every root key of the member account in a root session', async () => {
      org.as('management');

      const result = await run(payload());

      expect(org.rootKeys, 'keys left in the member account').to.deep.equal([]);
      expect(org.sts.commandCalls(AssumeRootCommand).map((c) => c.args[0].input)).to.deep.equal([
        { TargetPrincipal: MEMBER, TaskPolicyArn: { arn: DELETE_TASK }, DurationSeconds: 900 },
      ]);
      const mutations = org.iam
        .calls()
        .map((c) => c.args[0])
        .filter((c) => c instanceof UpdateAccessKeyCommand || c instanceof DeleteAccessKeyCommand)
        .map((c) => [c.constructor.name, c.input]);
      expect(mutations).to.deep.equal([
        ['UpdateAccessKeyCommand', { AccessKeyId: 'AKIA111111111EXAMPLE', Status: 'Inactive' }],
        ['DeleteAccessKeyCommand', { AccessKeyId: 'AKIA111111111EXAMPLE' }],
        ['DeleteAccessKeyCommand', { AccessKeyId: 'AKIA222222222EXAMPLE' }],
      ]);
      for (const call of org.iam.commandCalls(DeleteAccessKeyCommand))
        expect(await signingKey(call.thisValue), 'signed by the root session').to.equal(
          'ASIAIOSFODNN7EXAMPLE',
        );
      expect(result).to.deep.include({ outcome: 'Removed', role: 'management', remaining: 0 });
      // Key ids leave the Lambda masked (outputs and messages are logged and stored).
      expect(result.outcome === 'Removed' && result.keys).to.deep.equal([
        {
          accessKeyId: 'AKIA…MPLE',
          status: 'Active',
          createDate: '2016-12-01T22:19:58.000Z',
          lastUsedDate: '2015-03-13T10:45:00.000Z',
          lastUsedService: 'iam',
          lastUsedRegion: 'us-east-1',
        },
        {
          accessKeyId: 'AKIA…MPLE',
          status: 'Inactive',
          createDate: '2016-12-01T22:20:01.000Z',
          lastUsedDate: undefined,
          lastUsedService: undefined,
          lastUsedRegion: undefined,
        },
      ]);
      expect(org.sns.commandCalls(PublishCommand)).to.have.length(0);
    });

    it('refuses the management account itself as target and notifies instead', async () => {
      org.as('management');

      const result = await run(payload({ TargetAccountId: MANAGEMENT }));

      expect(org.sts.commandCalls(AssumeRootCommand)).to.have.length(0);
      expect(org.rootKeys).to.have.length(2);
      expect(result.outcome).to.equal('ManualActionRequired');
      expect(result.outcome === 'ManualActionRequired' && result.reason).to.equal(
        `account ${MANAGEMENT} is the organization's management account; sts:AssumeRoot only reaches member accounts, so its root user must delete the keys`,
      );
      const published = org.sns.commandCalls(PublishCommand)[0]?.args[0].input;
      expect(published?.TopicArn).to.equal(TOPIC);
      expect(published?.Subject).to.equal(
        `rebaseline: delete the root access keys of AWS account ${MANAGEMENT}`,
      );
    });

    it('notifies when the target is not a member of the organization', async () => {
      org.as('management');
      org.orgs.on(DescribeAccountCommand).rejects(awsError('AccountNotFoundException'));

      const result = await run(payload({ TargetAccountId: '333333333333' }));

      expect(org.sts.commandCalls(AssumeRootCommand)).to.have.length(0);
      expect(result.outcome === 'ManualActionRequired' && result.reason).to.equal(
        'account 333333333333 is not a member of organization o-exampleorgid',
      );
      expect(org.sns.commandCalls(PublishCommand)).to.have.length(1);
    });

    it('notifies when centralized root access is not enabled', async () => {
      org.as('management');
      org.iam
        .on(ListOrganizationsFeaturesCommand)
        .resolves({ OrganizationId: 'o-exampleorgid', EnabledFeatures: [] });

      const result = await run(payload());

      expect(org.sts.commandCalls(AssumeRootCommand)).to.have.length(0);
      expect(result.outcome === 'ManualActionRequired' && result.reason).to.match(
        /^centralized root access is not enabled in organization o-exampleorgid/,
      );
    });

    it('changes nothing and says so when the root user has no key (idempotent)', async () => {
      org.as('management');
      org.rootKeys = [];

      const result = await run(payload());

      expect(result).to.deep.include({ outcome: 'AlreadyCompliant', keys: [] });
      expect(result.message).to.equal(
        `The root user of account ${MEMBER} has no access keys; nothing to change.`,
      );
      expect(org.iam.commandCalls(UpdateAccessKeyCommand)).to.have.length(0);
      expect(org.iam.commandCalls(DeleteAccessKeyCommand)).to.have.length(0);
    });

    it('treats a key deleted meanwhile as removed', async () => {
      org.as('management');
      org.iam.on(DeleteAccessKeyCommand).callsFake(async (input: { AccessKeyId: string }) => {
        org.rootKeys = org.rootKeys.filter((k) => k.AccessKeyId !== input.AccessKeyId);
        throw awsError('NoSuchEntity');
      });

      const result = await run(payload());

      expect(org.rootKeys).to.deep.equal([]);
      expect(result.outcome === 'Removed' && result.actions.map((a) => a.deleted)).to.deep.equal([
        'gone',
        'gone',
      ]);
    });

    it('still deletes a key when the root-task policy does not allow deactivating it', async () => {
      org.as('management');
      org.iam.on(UpdateAccessKeyCommand).rejects(awsError('AccessDenied'));

      const result = await run(payload());

      expect(org.rootKeys).to.deep.equal([]);
      expect(result.outcome === 'Removed' && result.actions).to.deep.equal([
        { accessKeyId: 'AKIA…MPLE', deactivated: 'not-permitted', deleted: 'yes' },
        { accessKeyId: 'AKIA…MPLE', deactivated: 'already-inactive', deleted: 'yes' },
      ]);
    });

    it('fails when a key is still listed after deleting it (re-read while IAM catches up)', async () => {
      org.as('management');
      org.iam.on(DeleteAccessKeyCommand).resolves({});

      const error = await run(payload()).catch((e: unknown) => e);

      expect(error).to.be.instanceOf(RemediationVerificationError);
      expect((error as Error).message).to.equal(
        `Root access key(s) AKIA…MPLE, AKIA…MPLE of account ${MEMBER} still exist after deletion.`,
      );
      expect(org.iam.commandCalls(ListAccessKeysCommand)).to.have.length(4);
    });

    it('plans in a dry run: key ids, last use and the exact calls, changing nothing', async () => {
      org.as('management');

      const result = await run(payload({ DryRun: true }));

      expect(org.rootKeys.map((k) => [k.AccessKeyId, k.Status])).to.deep.equal([
        ['AKIA111111111EXAMPLE', 'Active'],
        ['AKIA222222222EXAMPLE', 'Inactive'],
      ]);
      expect(org.sts.commandCalls(AssumeRootCommand)[0]?.args[0].input.TaskPolicyArn).to.deep.equal({
        arn: AUDIT_TASK,
      });
      expect(org.iam.commandCalls(UpdateAccessKeyCommand)).to.have.length(0);
      expect(org.iam.commandCalls(DeleteAccessKeyCommand)).to.have.length(0);
      expect(result.outcome).to.equal('Planned');
      expect(result.outcome === 'Planned' && result.plan).to.deep.equal([
        {
          service: 'iam',
          api: 'UpdateAccessKey',
          inputs: { AccessKeyId: 'AKIA…MPLE', Status: 'Inactive' },
        },
        { service: 'iam', api: 'DeleteAccessKey', inputs: { AccessKeyId: 'AKIA…MPLE' } },
        { service: 'iam', api: 'DeleteAccessKey', inputs: { AccessKeyId: 'AKIA…MPLE' } },
      ]);
      expect(result.message).to.equal(
        `Would remove 2 root access key(s) of account ${MEMBER}: AKIA…MPLE (Active, created 2016-12-01T22:19:58.000Z, last used 2015-03-13T10:45:00.000Z with iam in us-east-1); AKIA…MPLE (Inactive, created 2016-12-01T22:20:01.000Z, never used).`,
      );
    });

    it('fails clearly, changing nothing, when AssumeRoot is denied', async () => {
      org.as('management');
      org.sts
        .on(AssumeRootCommand)
        .rejects(awsError('AccessDenied', 'User is not authorized to perform: sts:AssumeRoot'));

      let error: unknown;
      try {
        await run(payload());
      } catch (e) {
        error = e;
      }

      expect(error).to.be.instanceOf(RemediationDeniedError);
      expect((error as Error).message).to.equal(
        `sts:AssumeRoot into account ${MEMBER} with ${DELETE_TASK} failed (AccessDenied): check that the Lambda role in account ${MANAGEMENT} is allowed sts:AssumeRoot with that task policy, that centralized root access is enabled, that no SCP denies it, and that the call goes to a regional STS endpoint (region us-east-1).`,
      );
      expect(org.rootKeys).to.have.length(2);
      expect(org.iam.commandCalls(DeleteAccessKeyCommand)).to.have.length(0);
    });
  });

  describe('as the IAM delegated administrator', () => {
    it('removes the keys after finding itself among the delegated administrators of org.iam.amazonaws.com', async () => {
      org.as('delegatedAdministrator');

      const result = await run(payload());

      expect(org.orgs.commandCalls(ListDelegatedAdministratorsCommand)[0]?.args[0].input).to.include({
        ServicePrincipal: 'iam.amazonaws.com',
      });
      expect(result).to.deep.include({ outcome: 'Removed', role: 'delegated-administrator' });
      expect(org.rootKeys).to.deep.equal([]);
    });
  });

  describe('anywhere else', () => {
    const REASON = `account ${REPORT_ACCOUNT} is neither the management account (${MANAGEMENT}) of organization o-exampleorgid nor its delegated administrator for IAM, so it cannot open a root session`;

    it('publishes the exact manual instructions to the topic and changes nothing', async () => {
      org.asTheMemberItself();

      const result = await run(payload({ TargetAccountId: REPORT_ACCOUNT }));

      expect(org.sts.commandCalls(AssumeRootCommand)).to.have.length(0);
      expect(org.iam.commandCalls(DeleteAccessKeyCommand)).to.have.length(0);
      expect(org.sns.commandCalls(PublishCommand).map((c) => c.args[0].input)).to.deep.equal([
        {
          TopicArn: TOPIC,
          Subject: `rebaseline: delete the root access keys of AWS account ${REPORT_ACCOUNT}`,
          Message: [
            `The root user of AWS account ${REPORT_ACCOUNT} has access keys, and rebaseline did not delete them because ${REASON}.`,
            '',
            'A person must act:',
            `1. Sign in to the AWS Management Console as the root user of account ${REPORT_ACCOUNT} (https://console.aws.amazon.com/, "Root user").`,
            '2. Open the account menu (top right) and choose "Security credentials".',
            '3. In "Access keys", for each key: choose Actions > Deactivate, confirm, then Actions > Delete, enter the key id and confirm.',
            'Root access keys to delete (from the IAM credential report; the page shows their ids next to these dates):',
            '  - access key 1 (Active, created 2011-08-19T05:12:23.000Z, last used 2015-07-04T15:09:00.000Z with s3 in us-east-1)',
            '  - access key 2 (Inactive, created 2007-10-13T16:49:50.000Z, never used)',
            '4. Check that "Access keys" is empty. Before deleting, make sure nothing still signs requests with these keys (the last-used dates above say when they last did).',
            '',
            'Alternatively, from the organization management account (or the IAM delegated administrator) with centralized root access enabled:',
            `  aws sts assume-root --region <region> --target-principal ${REPORT_ACCOUNT} --task-policy-arn arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials`,
            '  then, with the returned credentials: aws iam list-access-keys; aws iam delete-access-key --access-key-id <id>',
          ].join('\n'),
        },
      ]);
      expect(result).to.deep.include({
        outcome: 'ManualActionRequired',
        role: 'none',
        reason: REASON,
        published: true,
        message: `Root access keys of account ${REPORT_ACCOUNT} were not removed: ${REASON}. A person must act; the instructions were published to ${TOPIC}.`,
      });
    });

    it('then fails the verification step, saying a person must act', async () => {
      org.asTheMemberItself();

      let error: unknown;
      try {
        await run(payload({ Mode: 'verify', TargetAccountId: REPORT_ACCOUNT }));
      } catch (e) {
        error = e;
      }

      expect(error).to.be.instanceOf(ManualActionRequiredError);
      expect((error as Error).message).to.equal(
        `Root access keys of account ${REPORT_ACCOUNT} cannot be removed from account ${REPORT_ACCOUNT}: ${REASON}. A person must act; the instructions were published to ${TOPIC}.`,
      );
      expect(org.sns.commandCalls(PublishCommand)).to.have.length(0);
    });

    it('notifies when the account is not in an organization', async () => {
      org.asTheMemberItself();
      org.orgs.on(DescribeOrganizationCommand).rejects(awsError('AWSOrganizationsNotInUseException'));

      const result = await run(payload({ TargetAccountId: REPORT_ACCOUNT }));

      expect(result.outcome === 'ManualActionRequired' && result.reason).to.equal(
        `account ${REPORT_ACCOUNT} is not in an AWS Organization`,
      );
      expect(org.sns.commandCalls(PublishCommand)).to.have.length(1);
    });

    it('in a dry run returns the notification without publishing it', async () => {
      org.asTheMemberItself();

      const result = await run(payload({ TargetAccountId: REPORT_ACCOUNT, DryRun: true }));

      expect(org.sns.commandCalls(PublishCommand)).to.have.length(0);
      expect(result).to.deep.include({ outcome: 'ManualActionRequired', published: false });
      expect(
        result.outcome === 'ManualActionRequired' && result.plan?.map((p) => [p.service, p.api]),
      ).to.deep.equal([['sns', 'Publish']]);
      expect(result.message).to.match(/the instructions would be published to arn:aws:sns:/);
    });

    it('keeps the instructions in the output when no topic is configured', async () => {
      org.asTheMemberItself();

      const result = await run(payload({ TargetAccountId: REPORT_ACCOUNT, NotificationTopicArn: '' }));

      expect(org.sns.commandCalls(PublishCommand)).to.have.length(0);
      expect(result.outcome === 'ManualActionRequired' && result.notification.message).to.include(
        'access key 1 (Active',
      );
      expect(result.message).to.match(
        /the instructions are in this output \(no notification topic is configured\)\.$/,
      );
    });
  });

  describe('verification', () => {
    it('passes when the root session lists no key, read with the audit task policy', async () => {
      org.as('management');
      org.rootKeys = [];

      const result: Result = await run(payload({ Mode: 'verify' }));

      expect(result).to.deep.include({ outcome: 'Verified', remaining: 0 });
      expect(org.sts.commandCalls(AssumeRootCommand)[0]?.args[0].input.TaskPolicyArn).to.deep.equal({
        arn: AUDIT_TASK,
      });
    });

    it('fails naming the keys that remain', async () => {
      org.as('management');

      let error: unknown;
      try {
        await run(payload({ Mode: 'verify' }));
      } catch (e) {
        error = e;
      }

      expect(error).to.be.instanceOf(RemediationVerificationError);
      expect((error as Error).message).to.include('AKIA…MPLE (Active');
    });

    it('in a dry run says what it would verify', async () => {
      const result = await run(payload({ Mode: 'verify', DryRun: true }));

      expect(result.outcome).to.equal('WouldVerify');
      expect(org.sts.calls()).to.have.length(0);
    });
  });

  describe('a member can never steer it into another account', () => {
    const OTHER_MEMBER = '444455556666';
    const invoke = (p: Record<string, unknown>, alias?: string) =>
      handler(p, { invokedFunctionArn: alias ? `${FUNCTION}:member-${alias}` : FUNCTION });

    for (const [what, p, alias] of [
      [
        'member A’s alias naming B as the target',
        { AccountId: OTHER_MEMBER, TargetAccountId: MEMBER },
        OTHER_MEMBER,
      ],
      [
        'member A’s alias naming B as both accounts',
        { AccountId: MEMBER, TargetAccountId: MEMBER },
        OTHER_MEMBER,
      ],
      ['the unqualified function naming a member', { AccountId: MEMBER, TargetAccountId: MEMBER }, undefined],
    ] as const)
      for (const dryRun of [false, true])
        it(`${what}${dryRun ? ' (dry run)' : ''} → refused before any Organizations, STS or IAM call; no key id returned`, async () => {
          org.as('management');

          const error = await invoke(
            { Mode: 'apply', NotificationTopicArn: TOPIC, DryRun: dryRun, ...p },
            alias,
          ).catch((e: unknown) => e);

          expect(error).to.be.instanceOf(RemediationDeniedError);
          expect((error as Error).message).to.not.match(/AKIA/);
          expect(org.sts.commandCalls(AssumeRootCommand)).to.have.length(0);
          expect(org.orgs.calls()).to.have.length(0);
          expect(org.iam.calls()).to.have.length(0);
          expect(org.sns.calls()).to.have.length(0);
          expect(org.rootKeys).to.have.length(2);
        });
  });

  describe('logs', () => {
    const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
    let spies: sinon.SinonSpy[];
    beforeEach(() => {
      spies = levels.map((level) => sinon.spy(logger, level));
    });
    afterEach(() => {
      for (const spy of spies) spy.restore();
    });
    const logged = () => JSON.stringify(spies.flatMap((spy) => spy.getCalls().map((c) => c.args)));

    it('never carry a root access key id, at any level: removal, dry run, verification failure, manual instructions', async () => {
      org.as('management');
      await run(payload({ DryRun: true }));
      org.iam.on(DeleteAccessKeyCommand).rejects(awsError('ServiceFailure'));
      await run(payload()).catch(() => undefined);
      org.as('management');
      await run(payload()).catch(() => undefined);
      await run(payload({ Mode: 'verify' })).catch(() => undefined);
      await run(payload({ TargetAccountId: REPORT_ACCOUNT })).catch(() => undefined);

      const text = logged();
      expect(
        spies.some((spy) => spy.called),
        'something was logged',
      ).to.equal(true);
      expect(text).to.not.match(/AKIA[0-9A-Z]{16}/);
    });
  });

  describe('input', () => {
    it('rejects a payload without a 12-digit target account', () => {
      expect(() => parsePayload({ Mode: 'apply', AccountId: MEMBER, TargetAccountId: '1234' })).to.throw(
        RemediationInputError,
        /TargetAccountId must be a 12-digit account id/,
      );
    });

    it('rejects an unknown mode and a malformed topic', () => {
      expect(() => parsePayload({ Mode: 'Remediate', AccountId: MEMBER, TargetAccountId: MEMBER })).to.throw(
        RemediationInputError,
        /Mode must be "apply" or "verify"/,
      );
      expect(() =>
        parsePayload({
          Mode: 'apply',
          AccountId: MEMBER,
          TargetAccountId: MEMBER,
          NotificationTopicArn: 'topic',
        }),
      ).to.throw(RemediationInputError, /NotificationTopicArn/);
    });

    it('reads DryRun as the runner sends it', () => {
      expect(
        parsePayload({ Mode: 'apply', AccountId: MEMBER, TargetAccountId: MEMBER, DryRun: true }),
      ).to.deep.equal({
        Mode: 'apply',
        AccountId: MEMBER,
        TargetAccountId: MEMBER,
        NotificationTopicArn: '',
        DryRun: true,
      });
    });
  });

  describe('manual instructions', () => {
    it('say where to look when the keys cannot be read from where the Lambda runs', () => {
      const { message } = manualInstructions(MEMBER, 'a reason', undefined);

      expect(message).to.include(
        "The keys could not be read from where rebaseline runs; the Security credentials page (or the account's IAM credential report) lists them.",
      );
    });
  });
});

describe('remove-root-access-keys STS endpoint', () => {
  it('sends AssumeRoot to the regional STS endpoint (AssumeRoot has no global endpoint)', async () => {
    const aws = new AwsClients({ region: 'eu-west-1', credentials: TEST_CREDENTIALS });
    const client = aws.get(STS);
    let host: string | undefined;
    client.middlewareStack.add(
      (_next) => async (args) => {
        host = (args.request as { hostname?: string }).hostname;
        throw awsError('Stop');
      },
      { step: 'finalizeRequest', name: 'captureHost' },
    );

    await client
      .send(new AssumeRootCommand({ TargetPrincipal: MEMBER, TaskPolicyArn: { arn: DELETE_TASK } }))
      .catch(() => undefined);

    expect(host).to.equal('sts.eu-west-1.amazonaws.com');
  });
});

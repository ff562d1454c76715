import { ConfigServiceClient, type Evaluation, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { EC2Client, GetManagedPrefixListEntriesCommand } from '@aws-sdk/client-ec2';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { rule } from '../../../rules/ec2-security-group-no-public-ingress/evaluate';
import { AwsClients } from '../../../shared/aws/clients';
import { KeptAnswers } from '../../../shared/collectors/kept';
import { PREFIX_LIST_TTL_MS } from '../../../shared/collectors/reads/ec2';
import { PartialEvaluationError } from '../../../shared/errors';
import { createConfigRuleHandler } from '../../../shared/lambda/config-rule';
import { changeEvent } from '../../helpers/rules';

/** A group opening tcp 22 to a managed prefix list only: the list decides the verdict. */
function groupItem(accountId = '123456789012') {
  return {
    awsAccountId: accountId,
    awsRegion: 'us-east-1',
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId: 'sg-0123456789abcdef0',
    configurationItemStatus: 'OK',
    configurationItemCaptureTime: '2026-10-31T12:00:00.000Z',
    configurationItemVersion: '1.3',
    configuration: {
      groupId: 'sg-0123456789abcdef0',
      ipPermissions: [
        {
          ipProtocol: 'tcp',
          fromPort: 22,
          toPort: 22,
          ipRanges: [],
          ipv4Ranges: [],
          ipv6Ranges: [],
          prefixListIds: [{ prefixListId: 'pl-0123456789abcdef0' }],
          userIdGroupPairs: [],
        },
      ],
    },
  };
}

describe('shared/lambda/config-rule: reads kept across warm invocations', () => {
  describe('a rule Lambda across warm invocations', () => {
    let config: AwsClientStub<ConfigServiceClient>;
    let ec2: AwsClientStub<EC2Client>;
    before(() => {
      config = mockClient(ConfigServiceClient);
      ec2 = mockClient(EC2Client);
    });
    beforeEach(() => {
      config.reset();
      ec2.reset();
      config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    });
    after(() => {
      config.restore();
      ec2.restore();
    });

    const reads = () => ec2.commandCalls(GetManagedPrefixListEntriesCommand).length;
    const verdicts = () =>
      config
        .commandCalls(PutEvaluationsCommand)
        .flatMap((c) => (c.args[0].input.Evaluations ?? []) as Evaluation[])
        .map((e) => e.ComplianceType);
    function handler(clock: () => number) {
      return createConfigRuleHandler(rule, {
        clients: (region) => new AwsClients({ region, maxAttempts: 1 }),
        putRetryDelayMs: 0,
        kept: new KeptAnswers(100, clock),
      });
    }

    it('a change-triggered group evaluation makes no read but PutEvaluations once the list was read, until the TTL passes', async () => {
      // Prepare
      let now = 0;
      const invoke = handler(() => now);
      ec2.on(GetManagedPrefixListEntriesCommand).resolves({ Entries: [{ Cidr: '0.0.0.0/0' }] });
      // Act
      await invoke(changeEvent(groupItem()));
      await invoke(changeEvent(groupItem()));
      const warm = reads();
      now += PREFIX_LIST_TTL_MS;
      await invoke(changeEvent(groupItem()));
      // Assess
      expect(warm).to.equal(1);
      expect(reads()).to.equal(2);
      expect(config.commandCalls(PutEvaluationsCommand)).to.have.length(3);
      expect(verdicts()).to.deep.equal(['NON_COMPLIANT', 'NON_COMPLIANT', 'NON_COMPLIANT']);
    });

    it('keeps lists per account: another account reads its own', async () => {
      const invoke = handler(() => 0);
      ec2.on(GetManagedPrefixListEntriesCommand).resolves({ Entries: [{ Cidr: '10.0.0.0/8' }] });
      await invoke(changeEvent(groupItem('111111111111')));
      await invoke(changeEvent(groupItem('222222222222')));
      await invoke(changeEvent(groupItem('111111111111')));
      expect(reads()).to.equal(2);
      expect(verdicts()).to.deep.equal(['COMPLIANT', 'COMPLIANT', 'COMPLIANT']);
    });

    it('never keeps a list it could not read: the group is not evaluated, and the list is read again next time', async () => {
      // Prepare: the role may not read the list (denied), then a transient failure.
      const invoke = handler(() => 0);
      const denied = Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' });
      const throttled = Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' });
      ec2.on(GetManagedPrefixListEntriesCommand).rejectsOnce(denied).rejectsOnce(throttled);
      // Act
      const errors: unknown[] = [];
      for (let i = 0; i < 2; i++)
        await invoke(changeEvent(groupItem())).catch((error: unknown) => errors.push(error));
      // Assess
      expect(errors).to.have.length(2);
      for (const error of errors) expect(error).to.be.instanceOf(PartialEvaluationError);
      expect(reads()).to.equal(2);
      expect(verdicts()).to.deep.equal([]);
    });
  });
});

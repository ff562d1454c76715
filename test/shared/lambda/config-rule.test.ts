import {
  type Evaluation as ConfigEvaluation,
  ConfigServiceClient,
  GetComplianceDetailsByConfigRuleCommand,
  type GetComplianceDetailsByConfigRuleCommandInput,
  GetResourceConfigHistoryCommand,
  PutEvaluationsCommand,
  type PutEvaluationsCommandInput,
} from '@aws-sdk/client-config-service';
import {
  DescribeSecurityGroupsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import sinon from 'sinon';
import { rule } from '../../../rules/ec2-security-group-no-public-ingress/evaluate';
import { AwsClients } from '../../../shared/aws/clients';
import { ConfigService } from '../../../shared/aws/services/config';
import { EC2 } from '../../../shared/aws/services/ec2';
import {
  CollectionError,
  InsufficientDataError,
  InvalidParametersError,
  MalformedEventError,
  PartialEvaluationError,
  PutEvaluationsError,
  UnreadableDependencyError,
} from '../../../shared/errors';
import { createConfigRuleHandler, type HandlerOptions } from '../../../shared/lambda/config-rule';
import type { AnyRule } from '../../../shared/rule';
import { fixture, recorded } from '../../helpers/fixtures';
import { changeEvent, scheduledEvent } from '../../helpers/rules';

type Raw = Record<string, unknown>;

const SG = 'AWS::EC2::SecurityGroup';
const NOTIFICATION_TIME = new Date('2026-11-01T00:00:00.000Z');

/** Placebo writes a datetime as `{__class__: "datetime", year, …}` (UTC); the SDK v3 hands out a Date. */
function asSdkItem(item: Raw): Raw {
  const t = item.configurationItemCaptureTime as Record<string, number>;
  return {
    ...item,
    configurationItemCaptureTime: new Date(
      Date.UTC(
        t.year ?? 0,
        (t.month ?? 1) - 1,
        t.day,
        t.hour,
        t.minute,
        t.second,
        (t.microsecond ?? 0) / 1000,
      ),
    ),
  };
}

/** A security group CI (invoking-event spelling) with SSH open to the world. */
function openSshCi(extra: Raw = {}): Raw {
  return {
    awsAccountId: '123456789012',
    awsRegion: 'us-east-1',
    resourceType: SG,
    resourceId: 'sg-0123456789abcdef0',
    configurationItemStatus: 'OK',
    configurationItemCaptureTime: '2026-10-31T12:00:00.000Z',
    tags: {},
    configuration: {
      groupId: 'sg-0123456789abcdef0',
      groupName: 'web',
      ipPermissions: [
        {
          ipProtocol: 'tcp',
          fromPort: 22,
          toPort: 22,
          ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }],
          ipv6Ranges: [],
          prefixListIds: [],
          userIdGroupPairs: [],
        },
      ],
      ipPermissionsEgress: [],
    },
    ...extra,
  };
}

const recordedGroups = () =>
  recorded<{ SecurityGroups: SecurityGroup[] }>(
    'custodian_placebo/sg/test_asg_invalid_third_ami__ec2.DescribeSecurityGroups_1.json',
  ).SecurityGroups;

function group(id: string, ingressCidr?: string): SecurityGroup {
  return {
    GroupId: id,
    GroupName: id,
    OwnerId: '123456789012',
    IpPermissions: ingressCidr
      ? [
          {
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            IpRanges: [{ CidrIp: ingressCidr }],
            Ipv6Ranges: [],
            PrefixListIds: [],
            UserIdGroupPairs: [],
          },
        ]
      : [],
  };
}

function reported(resourceType: string, resourceId: string, complianceType = 'COMPLIANT') {
  return {
    EvaluationResultIdentifier: {
      EvaluationResultQualifier: {
        ConfigRuleName: 'rule',
        ResourceType: resourceType,
        ResourceId: resourceId,
      },
    },
    ComplianceType: complianceType as 'COMPLIANT',
  };
}

describe('shared/lambda/config-rule', () => {
  let config: AwsClientStub<ConfigServiceClient>;
  let sts: AwsClientStub<STSClient>;
  let ec2: AwsClientStub<EC2Client>;

  before(() => {
    config = mockClient(ConfigServiceClient);
    sts = mockClient(STSClient);
    ec2 = mockClient(EC2Client);
  });
  beforeEach(() => {
    config.reset();
    sts.reset();
    ec2.reset();
    config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    config.on(GetComplianceDetailsByConfigRuleCommand).resolves({ EvaluationResults: [] });
  });
  afterEach(() => sinon.restore());
  after(() => {
    config.restore();
    sts.restore();
    ec2.restore();
  });

  const handlerFor = (r: AnyRule = rule, options: HandlerOptions = {}) =>
    createConfigRuleHandler(r, {
      clients: (region) => new AwsClients({ region }),
      putRetryDelayMs: 0,
      ...options,
    });
  const handler = handlerFor();
  const puts = (): PutEvaluationsCommandInput[] =>
    config.commandCalls(PutEvaluationsCommand).map((c) => c.args[0].input);
  const putEvaluations = (): ConfigEvaluation[] => puts().flatMap((p) => p.Evaluations ?? []);

  async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    return expect.fail('the handler did not fail');
  }

  describe('ConfigurationItemChangeNotification', () => {
    it('evaluates the CI and reports it with OrderingTimestamp = capture time', async () => {
      // Prepare
      const event = fixture<Raw>('corpus/invoking_events/c7n__cwe__event-config-rule-security-group.json');
      // Act
      const result = await handler(event);
      // Assess
      expect(puts()).to.deep.equal([
        {
          Evaluations: [
            {
              ComplianceResourceType: SG,
              ComplianceResourceId: 'sg-e2fb6999',
              ComplianceType: 'NON_COMPLIANT',
              Annotation: 'Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port).',
              OrderingTimestamp: new Date('2017-11-27T14:26:11.300Z'),
            },
          ],
          ResultToken: event.resultToken,
        },
      ]);
      expect(result).to.deep.equal({
        rule: 'ec2-security-group-no-public-ingress',
        messageType: 'ConfigurationItemChangeNotification',
        evaluations: 1,
        putEvaluationsCalls: 1,
        byCompliance: { NON_COMPLIANT: 1 },
      });
    });

    it("reports through a Config client in the rule's region", async () => {
      await handler(fixture<Raw>('corpus/invoking_events/c7n__cwe__event-config-rule-security-group.json'));
      const client = config.commandCalls(PutEvaluationsCommand)[0]?.thisValue as ConfigServiceClient;
      expect(await client.config.region()).to.equal('eu-west-1');
    });

    it('a COMPLIANT group is reported COMPLIANT', async () => {
      await handler(changeEvent(openSshCi(), { authorizedTcpPorts: '22' }));
      expect(putEvaluations().map((e) => e.ComplianceType)).to.deep.equal(['COMPLIANT']);
    });
  });

  describe('OversizedConfigurationItemChangeNotification', () => {
    const [historyItem] = recorded<{ configurationItems: Raw[] }>(
      'config_items/c7n__test_sg_config_diff__config.GetResourceConfigHistory_1.json',
    ).configurationItems.map(asSdkItem);
    const captureTime = new Date('2016-12-11T06:04:03.800Z');

    /** The documented oversized event, about the recorded security group instead of an instance. */
    function oversizedEvent(status = 'OK'): Raw {
      const event = fixture<Raw>(
        'corpus/invoking_events/awsdocs__config__example_OversizedConfigurationItemChangeNotification.json',
      );
      const invokingEvent = JSON.parse(event.invokingEvent as string);
      Object.assign(invokingEvent.configurationItemSummary, {
        resourceType: SG,
        resourceId: 'sg-a38ed1de',
        awsAccountId: '644160558196',
        awsRegion: 'us-east-1',
        configurationItemStatus: status,
        configurationItemCaptureTime: captureTime.toISOString(),
      });
      return {
        ...event,
        ruleParameters: '{}',
        accountId: '644160558196',
        configRuleArn: 'arn:aws:config:us-east-1:644160558196:config-rule/config-rule-0123456',
        invokingEvent: JSON.stringify(invokingEvent),
      };
    }

    it('fetches the item (laterTime = capture time, limit 1), skipping an empty page, and evaluates it', async () => {
      // Prepare: Config answers with an empty first page that still has a nextToken.
      config
        .on(GetResourceConfigHistoryCommand)
        .resolvesOnce({ configurationItems: [], nextToken: 'page-2' })
        .resolvesOnce({ configurationItems: [historyItem as never] });
      // Act
      const result = await handler(oversizedEvent());
      // Assess
      const calls = config.commandCalls(GetResourceConfigHistoryCommand).map((c) => c.args[0].input);
      expect(calls).to.have.length(2);
      expect(calls[0]).to.deep.include({
        resourceType: SG,
        resourceId: 'sg-a38ed1de',
        laterTime: captureTime,
        limit: 1,
      });
      expect(calls[0]?.nextToken).to.equal(undefined);
      expect(calls[1]).to.deep.include({ laterTime: captureTime, limit: 1, nextToken: 'page-2' });
      expect(putEvaluations()).to.deep.equal([
        {
          ComplianceResourceType: SG,
          ComplianceResourceId: 'sg-a38ed1de',
          ComplianceType: 'NON_COMPLIANT',
          Annotation: 'Ingress tcp 8080 is open to 0.0.0.0/0 (not an authorized port).',
          OrderingTimestamp: captureTime,
        },
      ]);
      expect(result.messageType).to.equal('OversizedConfigurationItemChangeNotification');
    });

    it('fails without reporting when Config has no item at all', async () => {
      config.on(GetResourceConfigHistoryCommand).resolves({ configurationItems: [] });
      const error = await rejection(handler(oversizedEvent()));
      expect(error).to.be.instanceOf(InsufficientDataError);
      expect(error.message).to.include('sg-a38ed1de');
      expect(puts()).to.deep.equal([]);
    });

    it('a deleted oversized item is NOT_APPLICABLE without fetching it', async () => {
      await handler(oversizedEvent('ResourceDeleted'));
      expect(config.commandCalls(GetResourceConfigHistoryCommand)).to.have.length(0);
      expect(putEvaluations()).to.deep.equal([
        {
          ComplianceResourceType: SG,
          ComplianceResourceId: 'sg-a38ed1de',
          ComplianceType: 'NOT_APPLICABLE',
          Annotation: 'The resource is ResourceDeleted.',
          OrderingTimestamp: captureTime,
        },
      ]);
    });

    it('an oversized item of a type the rule does not evaluate is NOT_APPLICABLE without fetching it', async () => {
      // The documented example's ruleParameters ({"myParameterKey": …}) are not this rule's: drop them.
      const event = fixture<Raw>(
        'corpus/invoking_events/awsdocs__config__example_OversizedConfigurationItemChangeNotification.json',
      );
      await handler({ ...event, ruleParameters: '{}' });
      expect(config.commandCalls(GetResourceConfigHistoryCommand)).to.have.length(0);
      expect(putEvaluations().map((e) => [e.ComplianceResourceId, e.ComplianceType])).to.deep.equal([
        ['i-00000000', 'NOT_APPLICABLE'],
      ]);
    });
  });

  describe('ScheduledNotification', () => {
    it('evaluates every group the reader collects, with OrderingTimestamp = notification time', async () => {
      // Prepare
      ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: recordedGroups() });
      // Act
      const result = await handler(scheduledEvent());
      // Assess
      const byId = Object.fromEntries(
        putEvaluations().map((e) => [e.ComplianceResourceId, e.ComplianceType]),
      );
      expect(byId).to.deep.equal({
        'sg-29ee3e5a': 'COMPLIANT',
        'sg-30f4b842': 'NON_COMPLIANT',
        'sg-3839ec4b': 'NON_COMPLIANT',
        'sg-3e9ef441': 'COMPLIANT',
        'sg-4b9ada34': 'COMPLIANT',
        'sg-6c7fa917': 'COMPLIANT',
        'sg-837620f1': 'COMPLIANT',
        'sg-8c84eef3': 'COMPLIANT',
        'sg-9a5386e9': 'COMPLIANT',
        'sg-c63712b4': 'NON_COMPLIANT',
      });
      for (const e of putEvaluations()) expect(e.OrderingTimestamp).to.deep.equal(NOTIFICATION_TIME);
      expect(result).to.include({
        messageType: 'ScheduledNotification',
        evaluations: 10,
        putEvaluationsCalls: 1,
      });
    });

    it('reports previously reported groups that no longer exist as NOT_APPLICABLE', async () => {
      // Prepare: Config remembers one existing group, one deleted group and an instance (another type).
      ec2
        .on(DescribeSecurityGroupsCommand)
        .resolves({ SecurityGroups: [group('sg-00000000000000001', '0.0.0.0/0')] });
      config.on(GetComplianceDetailsByConfigRuleCommand).resolves({
        EvaluationResults: [
          reported(SG, 'sg-00000000000000001', 'NON_COMPLIANT'),
          reported(SG, 'sg-0000000000000dead', 'NON_COMPLIANT'),
          reported('AWS::EC2::Instance', 'i-0123456789abcdef0'),
        ],
      });
      // Act
      await handler(scheduledEvent());
      // Assess
      expect(putEvaluations()).to.deep.equal([
        {
          ComplianceResourceType: SG,
          ComplianceResourceId: 'sg-00000000000000001',
          ComplianceType: 'NON_COMPLIANT',
          Annotation: 'Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port).',
          OrderingTimestamp: NOTIFICATION_TIME,
        },
        {
          ComplianceResourceType: SG,
          ComplianceResourceId: 'sg-0000000000000dead',
          ComplianceType: 'NOT_APPLICABLE',
          Annotation: 'The resource no longer exists.',
          OrderingTimestamp: NOTIFICATION_TIME,
        },
      ]);
      const [lookup] = config
        .commandCalls(GetComplianceDetailsByConfigRuleCommand)
        .map((c) => c.args[0].input);
      expect(lookup).to.deep.include({
        ConfigRuleName: 'rule',
        ComplianceTypes: ['COMPLIANT', 'NON_COMPLIANT'],
      });
    });

    it('reads previously reported resources 100 per page, through every page', async () => {
      // Prepare: the SDK paginator reuses one input object, so each request is copied as it is sent.
      const lookups: GetComplianceDetailsByConfigRuleCommandInput[] = [];
      ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
      config
        .on(GetComplianceDetailsByConfigRuleCommand)
        .callsFake((input: GetComplianceDetailsByConfigRuleCommandInput) => {
          lookups.push({ ...input });
          return input.NextToken
            ? { EvaluationResults: [reported(SG, 'sg-gone-2')] }
            : { EvaluationResults: [reported(SG, 'sg-gone-1')], NextToken: 'page-2' };
        });
      // Act
      await handler(scheduledEvent());
      // Assess
      expect(lookups.map((l) => [l.Limit, l.NextToken])).to.deep.equal([
        [100, undefined],
        [100, 'page-2'],
      ]);
      expect(putEvaluations().map((e) => [e.ComplianceResourceId, e.ComplianceType])).to.deep.equal([
        ['sg-gone-1', 'NOT_APPLICABLE'],
        ['sg-gone-2', 'NOT_APPLICABLE'],
      ]);
    });

    it('250 resources are reported in exactly 3 PutEvaluations calls of at most 100', async () => {
      // Prepare: 250 groups over two DescribeSecurityGroups pages.
      const groups = Array.from({ length: 250 }, (_, i) => group(`sg-${String(i).padStart(17, '0')}`));
      ec2
        .on(DescribeSecurityGroupsCommand)
        .resolvesOnce({ SecurityGroups: groups.slice(0, 200), NextToken: 'next' })
        .resolvesOnce({ SecurityGroups: groups.slice(200) });
      // Act
      const result = await handler(scheduledEvent());
      // Assess
      expect(puts().map((p) => p.Evaluations?.length)).to.deep.equal([100, 100, 50]);
      expect(new Set(putEvaluations().map((e) => e.ComplianceResourceId)).size).to.equal(250);
      for (const p of puts()) expect(p.ResultToken).to.equal('token');
      expect(result.putEvaluationsCalls).to.equal(3);
    });
  });

  describe('resources that are gone or out of scope are NOT_APPLICABLE', () => {
    for (const status of ['ResourceDeleted', 'ResourceDeletedNotRecorded', 'ResourceNotRecorded'])
      it(status, async () => {
        await handler(changeEvent(openSshCi({ configurationItemStatus: status, configuration: null })));
        expect(putEvaluations()).to.deep.equal([
          {
            ComplianceResourceType: SG,
            ComplianceResourceId: 'sg-0123456789abcdef0',
            ComplianceType: 'NOT_APPLICABLE',
            Annotation: `The resource is ${status}.`,
            OrderingTimestamp: new Date('2026-10-31T12:00:00.000Z'),
          },
        ]);
      });

    it('eventLeftScope: true', async () => {
      await handler(changeEvent(openSshCi(), {}, { eventLeftScope: true }));
      expect(putEvaluations().map((e) => [e.ComplianceType, e.Annotation])).to.deep.equal([
        ['NOT_APPLICABLE', 'The resource left the rule scope.'],
      ]);
    });

    it('a resource type the rule does not evaluate (a real instance change event)', async () => {
      await handler(fixture('corpus/invoking_events/c7n__cwe__event-config-rule-instance.json'));
      expect(putEvaluations()).to.deep.equal([
        {
          ComplianceResourceType: 'AWS::EC2::Instance',
          ComplianceResourceId: 'i-094bc87c84d56c589',
          ComplianceType: 'NOT_APPLICABLE',
          Annotation: 'AWS::EC2::Instance is not evaluated by ec2-security-group-no-public-ingress.',
          OrderingTimestamp: new Date('2016-08-24T00:13:58.422Z'),
        },
      ]);
    });
  });

  describe('PutEvaluations', () => {
    it('retries only the evaluations Config rejected', async () => {
      // Prepare
      ec2.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [
          group('sg-00000000000000001'),
          group('sg-00000000000000002'),
          group('sg-00000000000000003'),
        ],
      });
      config
        .on(PutEvaluationsCommand)
        .resolvesOnce({
          FailedEvaluations: [
            {
              ComplianceResourceType: SG,
              ComplianceResourceId: 'sg-00000000000000002',
              ComplianceType: 'COMPLIANT',
              OrderingTimestamp: NOTIFICATION_TIME,
            },
          ],
        })
        .resolvesOnce({ FailedEvaluations: [] });
      // Act
      const result = await handler(scheduledEvent());
      // Assess
      expect(puts().map((p) => p.Evaluations?.map((e) => e.ComplianceResourceId))).to.deep.equal([
        ['sg-00000000000000001', 'sg-00000000000000002', 'sg-00000000000000003'],
        ['sg-00000000000000002'],
      ]);
      expect(result.putEvaluationsCalls).to.equal(2);
    });

    it('raises PutEvaluationsError when Config keeps rejecting, after retrying', async () => {
      // Prepare
      ec2.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [group('sg-00000000000000001'), group('sg-00000000000000002')],
      });
      config.on(PutEvaluationsCommand).resolves({
        FailedEvaluations: [
          {
            ComplianceResourceType: SG,
            ComplianceResourceId: 'sg-00000000000000002',
            ComplianceType: 'COMPLIANT',
            OrderingTimestamp: NOTIFICATION_TIME,
          },
        ],
      });
      // Act
      const error = await rejection(handler(scheduledEvent()));
      // Assess
      expect(error).to.be.instanceOf(PutEvaluationsError);
      expect((error as PutEvaluationsError).failed).to.deep.equal([
        { complianceResourceId: 'sg-00000000000000002', complianceResourceType: SG },
      ]);
      const sent = puts().map((p) => p.Evaluations?.map((e) => e.ComplianceResourceId));
      expect(sent.length).to.be.greaterThan(2);
      expect(sent[0]).to.deep.equal(['sg-00000000000000001', 'sg-00000000000000002']);
      for (const retry of sent.slice(1)) expect(retry).to.deep.equal(['sg-00000000000000002']);
    });

    it('a rejection that names no evaluation it was sent makes it send the whole batch again', async () => {
      // Prepare: Config answers once with a FailedEvaluations entry for a resource it was never sent.
      ec2.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [group('sg-00000000000000001'), group('sg-00000000000000002')],
      });
      config
        .on(PutEvaluationsCommand)
        .resolvesOnce({
          FailedEvaluations: [
            {
              ComplianceResourceType: SG,
              ComplianceResourceId: 'sg-0000000000000009f',
              ComplianceType: 'COMPLIANT',
              OrderingTimestamp: NOTIFICATION_TIME,
            },
          ],
        })
        .resolvesOnce({ FailedEvaluations: [] });
      // Act
      const result = await handler(scheduledEvent());
      // Assess: the batch went twice, whole; nothing was taken as delivered on the word of a rejection it cannot place.
      const sent = puts().map((p) => p.Evaluations?.map((e) => e.ComplianceResourceId));
      expect(sent).to.deep.equal([
        ['sg-00000000000000001', 'sg-00000000000000002'],
        ['sg-00000000000000001', 'sg-00000000000000002'],
      ]);
      expect(result.putEvaluationsCalls).to.equal(2);
    });

    it('fails the invocation when Config keeps rejecting evaluations it cannot place', async () => {
      ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [group('sg-00000000000000001')] });
      config.on(PutEvaluationsCommand).resolves({
        FailedEvaluations: [
          {
            ComplianceResourceType: SG,
            ComplianceResourceId: 'sg-unknown',
            ComplianceType: 'COMPLIANT',
            OrderingTimestamp: NOTIFICATION_TIME,
          },
        ],
      });
      const error = await rejection(handler(scheduledEvent()));
      expect(error).to.be.instanceOf(PutEvaluationsError);
      expect((error as PutEvaluationsError).failed).to.deep.equal([
        { complianceResourceId: 'sg-unknown', complianceResourceType: SG },
      ]);
      expect(puts().length).to.be.greaterThan(1);
      for (const put of puts())
        expect(put.Evaluations?.map((e) => e.ComplianceResourceId)).to.deep.equal(['sg-00000000000000001']);
    });

    it('sends TestMode: true for the TESTMODE result token', async () => {
      await handler(changeEvent(openSshCi(), {}, { resultToken: 'TESTMODE' }));
      expect(puts()).to.have.length(1);
      expect(puts()[0]).to.deep.include({ ResultToken: 'TESTMODE', TestMode: true });
    });

    it('sends no TestMode for a real result token', async () => {
      await handler(changeEvent(openSshCi()));
      expect(puts()[0]).not.to.have.property('TestMode');
    });

    it('truncates annotations to 256 characters', async () => {
      // Prepare: 40 world-open ports make an annotation far beyond Config's limit.
      const ipPermissions = Array.from({ length: 40 }, (_, i) => ({
        ipProtocol: 'tcp',
        fromPort: 1000 + i,
        toPort: 1000 + i,
        ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }],
        ipv6Ranges: [],
        prefixListIds: [],
        userIdGroupPairs: [],
      }));
      const ci = openSshCi();
      ci.configuration = { ...(ci.configuration as Raw), ipPermissions };
      // Act
      await handler(changeEvent(ci));
      // Assess
      const [evaluation] = putEvaluations();
      expect(evaluation?.ComplianceType).to.equal('NON_COMPLIANT');
      expect(evaluation?.Annotation).to.have.length(256);
      expect(evaluation?.Annotation).to.match(
        /^Ingress tcp 1000 is open to 0\.0\.0\.0\/0 \(not an authorized port\)\. /,
      );
      expect(evaluation?.Annotation?.endsWith('…')).to.equal(true);
    });
  });

  describe('cross-account (executionRoleName)', () => {
    const assumed = {
      AccessKeyId: 'ASIAASSUMEDEXAMPLE',
      SecretAccessKey: 'assumed-secret',
      SessionToken: 'assumed-session-token',
      Expiration: new Date('2099-01-01T00:00:00Z'),
    };

    it('reuses the clients and the assumed role across warm invocations until the credentials near expiry', async () => {
      // Prepare: one handler (one Lambda container), credentials valid for long, then ones about to expire.
      sts
        .on(AssumeRoleCommand)
        .resolvesOnce({ Credentials: assumed })
        .resolves({ Credentials: { ...assumed, Expiration: new Date(Date.now() + 60_000) } });
      ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
      const factory = sinon.spy((region: string) => new AwsClients({ region }));
      const warm = handlerFor(rule, { clients: factory });
      const event = scheduledEvent(
        { executionRoleName: 'RebaselineExecution' },
        { accountId: '222222222222' },
      );
      // Act: two invocations share the first role session; then a new account needs its own.
      await warm(event);
      await warm(event);
      await warm(scheduledEvent({ executionRoleName: 'RebaselineExecution' }, { accountId: '333333333333' }));
      await warm(scheduledEvent({ executionRoleName: 'RebaselineExecution' }, { accountId: '333333333333' }));
      // Assess: clients built once per region; AssumeRole once for 222…, twice for 333… (its credentials expire soon).
      expect(factory.callCount).to.equal(1);
      expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).to.deep.equal([
        'arn:aws:iam::222222222222:role/RebaselineExecution',
        'arn:aws:iam::333333333333:role/RebaselineExecution',
        'arn:aws:iam::333333333333:role/RebaselineExecution',
      ]);
    });

    it('assumes the role in the evaluated account, reads and reports with its credentials', async () => {
      // Prepare: a rule in the China partition evaluating member account 222222222222.
      sts.on(AssumeRoleCommand).resolves({ Credentials: assumed });
      ec2
        .on(DescribeSecurityGroupsCommand)
        .resolves({ SecurityGroups: [group('sg-00000000000000001', '0.0.0.0/0')] });
      const withCredentials = sinon.spy(AwsClients.prototype, 'withCredentials');
      const factory = sinon.spy((region: string) => new AwsClients({ region }));
      const event = scheduledEvent(
        { executionRoleName: 'RebaselineExecution' },
        {
          accountId: '222222222222',
          configRuleArn: 'arn:aws-cn:config:cn-north-1:222222222222:config-rule/config-rule-abc123',
        },
      );
      // Act
      await handlerFor(rule, { clients: factory })(event);
      // Assess: the role ARN, the session name and a regional STS client.
      expect(factory.firstCall.args).to.deep.equal(['cn-north-1']);
      const [assume] = sts.commandCalls(AssumeRoleCommand);
      if (!assume) return expect.fail('AssumeRole was not called');
      expect(assume.args[0].input).to.deep.include({
        RoleArn: 'arn:aws-cn:iam::222222222222:role/RebaselineExecution',
        RoleSessionName: 'rebaseline-ec2-security-group-no-public-ingress',
      });
      expect(await (assume.thisValue as STSClient).config.region()).to.equal('cn-north-1');
      // Assess: the reads and the report go through clients holding the assumed credentials.
      expect(withCredentials.callCount).to.equal(1);
      const memberClients = withCredentials.firstCall.returnValue;
      const putClient = config.commandCalls(PutEvaluationsCommand)[0]?.thisValue as ConfigServiceClient;
      const ec2Client = ec2.commandCalls(DescribeSecurityGroupsCommand)[0]?.thisValue as EC2Client;
      expect(putClient).to.equal(memberClients.get(ConfigService));
      expect(ec2Client).to.equal(memberClients.get(EC2));
      expect(await putClient.config.credentials()).to.deep.include({
        accessKeyId: 'ASIAASSUMEDEXAMPLE',
        secretAccessKey: 'assumed-secret',
        sessionToken: 'assumed-session-token',
      });
      expect(await putClient.config.region()).to.equal('cn-north-1');
      expect(putEvaluations().map((e) => e.ComplianceType)).to.deep.equal(['NON_COMPLIANT']);
    });

    it('assumes no role when executionRoleName is not set', async () => {
      await handler(changeEvent(openSshCi()));
      expect(sts.commandCalls(AssumeRoleCommand)).to.have.length(0);
      expect(puts()).to.have.length(1);
    });

    it('fails without reporting when STS returns no credentials', async () => {
      sts.on(AssumeRoleCommand).resolves({});
      const error = await rejection(
        handler(changeEvent(openSshCi(), { executionRoleName: 'RebaselineExecution' })),
      );
      expect(error).to.be.instanceOf(InsufficientDataError);
      expect(error.message).to.include('arn:aws:iam::123456789012:role/RebaselineExecution');
      expect(puts()).to.deep.equal([]);
    });
  });

  describe('invalid input never reports', () => {
    it('invalid ruleParameters raise InvalidParametersError', async () => {
      const error = await rejection(handler(changeEvent(openSshCi(), { allowIcmp: 'maybe' })));
      expect(error).to.be.instanceOf(InvalidParametersError);
      expect((error as InvalidParametersError).parameter).to.equal('allowIcmp');
      expect(puts()).to.deep.equal([]);
    });

    it("parameters the rule's own check rejects raise InvalidParametersError", async () => {
      const error = await rejection(handler(changeEvent(openSshCi(), { authorizedTcpPorts: '443-80' })));
      expect((error as InvalidParametersError).parameter).to.equal('authorizedTcpPorts');
      expect(puts()).to.deep.equal([]);
    });

    it('a malformed event raises MalformedEventError', async () => {
      const error = await rejection(handler({ ...changeEvent(openSshCi()), invokingEvent: '{' }));
      expect(error).to.be.instanceOf(MalformedEventError);
      expect(puts()).to.deep.equal([]);
    });
  });

  describe('partial failures', () => {
    it('a configuration item the rule cannot model fails the invocation without reporting it', async () => {
      // Prepare: a rule whose model builder rejects the item (e.g. an unreadable bucket policy).
      const strict: AnyRule = {
        ...rule,
        fromConfigurationItem: () => {
          throw new InsufficientDataError('The policy is not JSON.');
        },
      };
      // Act
      const error = await rejection(handlerFor(strict)(changeEvent(openSshCi())));
      // Assess
      expect(error).to.be.instanceOf(PartialEvaluationError);
      expect(error.message).to.match(/The policy is not JSON\./);
      expect(putEvaluations()).to.deep.equal([]);
    });

    /** The reference rule, with one resource that could not be read. */
    const flaky: AnyRule = {
      ...rule,
      collect: async (reader, scope, params) => {
        const models = await rule.collect!(reader, scope, params);
        return [
          models[0]!,
          new CollectionError(SG, 'sg-0000000000000beef', 'AccessDenied.'),
          ...models.slice(1),
        ];
      },
    };

    it('reports the other resources, then raises PartialEvaluationError', async () => {
      // Prepare: Config remembers the unreadable group; it must not be taken for deleted.
      ec2.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [group('sg-00000000000000001', '0.0.0.0/0'), group('sg-00000000000000002')],
      });
      config.on(GetComplianceDetailsByConfigRuleCommand).resolves({
        EvaluationResults: [reported(SG, 'sg-0000000000000beef', 'NON_COMPLIANT')],
      });
      // Act
      const error = await rejection(handlerFor(flaky)(scheduledEvent()));
      // Assess
      expect(error).to.be.instanceOf(PartialEvaluationError);
      expect((error as PartialEvaluationError).failures.map((f) => f.message)).to.deep.equal([
        'Could not read AWS::EC2::SecurityGroup sg-0000000000000beef: AccessDenied.',
      ]);
      expect(putEvaluations().map((e) => [e.ComplianceResourceId, e.ComplianceType])).to.deep.equal([
        ['sg-00000000000000001', 'NON_COMPLIANT'],
        ['sg-00000000000000002', 'COMPLIANT'],
      ]);
    });

    it('a prefix list that cannot be read for a transient reason fails the invocation instead of reporting COMPLIANT', async () => {
      // Prepare
      ec2.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [
          {
            ...group('sg-00000000000000001'),
            IpPermissions: [
              {
                IpProtocol: 'tcp',
                FromPort: 22,
                ToPort: 22,
                IpRanges: [],
                Ipv6Ranges: [],
                PrefixListIds: [{ PrefixListId: 'pl-0123456789abcdef0' }],
                UserIdGroupPairs: [],
              },
            ],
          },
        ],
      });
      const throttled = Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' });
      ec2.on(GetManagedPrefixListEntriesCommand).rejects(throttled);
      // Act
      const error = await rejection(
        handlerFor(rule, { clients: (region) => new AwsClients({ region, maxAttempts: 1 }) })(
          scheduledEvent(),
        ),
      );
      // Assess
      expect(error).to.be.instanceOf(PartialEvaluationError);
      expect(putEvaluations().filter((e) => e.ComplianceResourceId === 'sg-00000000000000001')).to.deep.equal(
        [],
      );
    });

    it('a prefix list the role may not read fails the group, naming the list: never COMPLIANT', async () => {
      ec2.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [
          {
            ...group('sg-00000000000000001'),
            IpPermissions: [
              {
                IpProtocol: 'tcp',
                FromPort: 22,
                ToPort: 22,
                IpRanges: [],
                Ipv6Ranges: [],
                PrefixListIds: [{ PrefixListId: 'pl-0123456789abcdef0' }],
                UserIdGroupPairs: [],
              },
            ],
          },
        ],
      });
      ec2
        .on(GetManagedPrefixListEntriesCommand)
        .rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }));
      const error = await rejection(handler(scheduledEvent()));
      expect(error).to.be.instanceOf(PartialEvaluationError);
      const [failure] = (error as PartialEvaluationError).failures;
      expect(failure)
        .to.be.instanceOf(UnreadableDependencyError)
        .and.include({ resourceId: 'sg-00000000000000001' });
      expect(failure?.message).to.match(/prefix list pl-0123456789abcdef0 could not be read/);
      expect(putEvaluations().filter((e) => e.ComplianceResourceId === 'sg-00000000000000001')).to.deep.equal(
        [],
      );
    });

    it('a prefix list containing 0.0.0.0/0 is the world', async () => {
      ec2.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [
          {
            ...group('sg-00000000000000001'),
            IpPermissions: [
              {
                IpProtocol: 'tcp',
                FromPort: 22,
                ToPort: 22,
                IpRanges: [],
                Ipv6Ranges: [],
                PrefixListIds: [{ PrefixListId: 'pl-0123456789abcdef0' }],
                UserIdGroupPairs: [],
              },
            ],
          },
        ],
      });
      ec2
        .on(GetManagedPrefixListEntriesCommand)
        .resolves({ Entries: [{ Cidr: '10.0.0.0/8' }, { Cidr: '0.0.0.0/0' }] });
      await handler(scheduledEvent());
      expect(putEvaluations().map((e) => e.Annotation)).to.deep.equal([
        'Ingress tcp 22 is open to 0.0.0.0/0 via prefix list pl-0123456789abcdef0 (not an authorized port).',
      ]);
    });
  });

  describe('exemptions', () => {
    it('exemptResourceIds → COMPLIANT "Exempted: …"', async () => {
      await handler(
        changeEvent(openSshCi(), { exemptResourceIds: 'sg-0aaaaaaaaaaaaaaaa, sg-0123456789abcdef0' }),
      );
      expect(putEvaluations().map((e) => [e.ComplianceType, e.Annotation])).to.deep.equal([
        ['COMPLIANT', 'Exempted: sg-0123456789abcdef0 is listed in exemptResourceIds.'],
      ]);
    });

    it('the exempt tag (key and value) → COMPLIANT "Exempted: …"', async () => {
      await handler(
        changeEvent(openSshCi({ tags: { SecurityExempt: 'approved' } }), {
          exemptTagKey: 'SecurityExempt',
          exemptTagValue: 'approved',
        }),
      );
      expect(putEvaluations().map((e) => [e.ComplianceType, e.Annotation])).to.deep.equal([
        ['COMPLIANT', 'Exempted: tagged SecurityExempt=approved.'],
      ]);
    });

    it('the exempt tag key with another value exempts nothing', async () => {
      await handler(
        changeEvent(openSshCi({ tags: { SecurityExempt: 'pending' } }), {
          exemptTagKey: 'SecurityExempt',
          exemptTagValue: 'approved',
        }),
      );
      expect(putEvaluations().map((e) => e.ComplianceType)).to.deep.equal(['NON_COMPLIANT']);
    });

    it('the exempt tag applies on the periodic path too (API tags)', async () => {
      ec2.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [
          {
            ...group('sg-00000000000000001', '0.0.0.0/0'),
            Tags: [{ Key: 'SecurityExempt', Value: 'approved' }],
          },
          group('sg-00000000000000002', '0.0.0.0/0'),
        ],
      });
      await handler(scheduledEvent({ exemptTagKey: 'SecurityExempt', exemptTagValue: 'approved' }));
      expect(
        putEvaluations().map((e) => [e.ComplianceResourceId, e.ComplianceType, e.Annotation]),
      ).to.deep.equal([
        ['sg-00000000000000001', 'COMPLIANT', 'Exempted: tagged SecurityExempt=approved.'],
        [
          'sg-00000000000000002',
          'NON_COMPLIANT',
          'Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port).',
        ],
      ]);
    });
  });
});

import {
  ConfigServiceClient,
  DescribeConfigRulesCommand,
  DescribeRemediationConfigurationsCommand,
  DescribeRemediationExecutionStatusCommand,
  GetAggregateComplianceDetailsByConfigRuleCommand,
  GetComplianceDetailsByConfigRuleCommand,
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
} from '@aws-sdk/client-config-service';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { importConfigHistory, RESOURCE_COMPLIANCE, ruleIdOf } from '../../../app/history/audit-import';
import { mttrByRule } from '../../../app/history/mttr';
import { HistoryStore } from '../../../app/history/store';
import { buildTimelines } from '../../../app/history/timeline';
import { AwsClients } from '../../../shared/aws/clients';
import { ACCOUNT_EXCHANGES, AGGREGATOR_EXCHANGES, answer, LATER_EXCHANGES } from './config-exchanges';

const RULE_IDS = ['ec2-security-group-no-public-ingress', 's3-bucket-no-public-access'];
const SG_RULE = 'rebaseline-prod-ec2-security-group-no-public-ingress';
const SG_ID = 'ec2-security-group-no-public-ingress';
const ACCOUNT = '477575873490';

const NOW = new Date('2021-04-21T15:00:00Z');
const MIN = 60_000;

describe('audit import (AWS Config history)', () => {
  let config: AwsClientStub<ConfigServiceClient>;
  let store: HistoryStore;
  const aws = () =>
    new AwsClients({
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });

  beforeEach(() => {
    config = mockClient(ConfigServiceClient);
    store = HistoryStore.open(':memory:');
  });
  afterEach(() => {
    config.restore();
    store.close();
  });

  it('maps deployed Config rule names to rebaseline rule ids', () => {
    expect(ruleIdOf(SG_RULE, RULE_IDS)).to.equal(SG_ID);
    expect(ruleIdOf(SG_ID, RULE_IDS)).to.equal(SG_ID);
    expect(ruleIdOf('access-keys-rotated', RULE_IDS)).to.equal('access-keys-rotated');
  });

  it('imports current compliance, the compliance history and remediation executions of an account', async () => {
    // Prepare
    for (const name of ACCOUNT_EXCHANGES) answer(config, name);

    // Act
    const result = await importConfigHistory(store, aws(), { knownRuleIds: RULE_IDS });

    // Assess: what the import reports…
    expect(result).to.deep.include({
      rules: 2,
      evaluations: { inserted: 5 + 7, skipped: 0 },
      complianceHistoryItems: 7,
      remediations: { inserted: 2, updated: 0 },
      warnings: [],
    });
    // …every page was read, history in chronological order
    expect(config.commandCalls(DescribeConfigRulesCommand)).to.have.length(2);
    expect(config.commandCalls(GetComplianceDetailsByConfigRuleCommand)).to.have.length(3);
    const history = config.commandCalls(GetResourceConfigHistoryCommand).map((c) => c.args[0].input);
    expect(history).to.have.length(4);
    expect(
      history.every((i) => i.resourceType === RESOURCE_COMPLIANCE && i.chronologicalOrder === 'Forward'),
    ).to.equal(true);
    expect(
      config.commandCalls(DescribeRemediationConfigurationsCommand).map((c) => c.args[0].input),
    ).to.deep.equal([{ ConfigRuleNames: ['access-keys-rotated', SG_RULE] }]);
    expect(
      config
        .commandCalls(DescribeRemediationExecutionStatusCommand)
        .map((c) => c.args[0].input.ConfigRuleName),
    ).to.deep.equal([SG_RULE]);

    // …and what the store holds.
    const [run] = store.runs();
    expect(run).to.include({
      kind: 'import',
      source: 'aws-config',
      status: 'succeeded',
      region: 'us-east-1',
    });
    const evaluations = store.evaluations();
    expect(new Set(evaluations.map((e) => e.ruleId))).to.deep.equal(new Set([SG_ID, 'access-keys-rotated']));
    expect(
      evaluations.every((e) => e.account === ACCOUNT && e.region === 'us-east-1' && e.externalId),
    ).to.equal(true);
    const user = evaluations
      .filter((e) => e.resourceId === 'AIDAW6MN5QPJPMC7R4QBE')
      .map((e) => [e.evaluatedAt, e.verdict]);
    expect(user).to.deep.equal([
      ['2021-04-19T19:02:44.919Z', 'COMPLIANT'],
      ['2021-04-19T19:04:04.741Z', 'NON_COMPLIANT'],
      ['2021-04-19T19:04:05.751Z', 'NON_COMPLIANT'],
    ]);
    const annotated = evaluations.find((e) => e.resourceId === 'sg-0a1b2c3d4e5f60718' && e.annotation);
    expect(annotated).to.include({ verdict: 'NON_COMPLIANT', annotation: 'tcp 22 is open to 0.0.0.0/0.' });

    const remediations = store.remediations();
    expect(
      remediations.map((x) => [x.resourceId, x.status, x.trigger, x.documentName, x.startedAt, x.endedAt]),
    ).to.deep.equal([
      [
        'sg-0c2d4e6f8a0b1c2d3',
        'Success',
        'automatic',
        'rebaseline-prod-revoke-public-ingress',
        '2021-04-20T10:15:20.000Z',
        '2021-04-20T10:15:51.000Z',
      ],
      [
        'sg-0a1b2c3d4e5f60718',
        'InProgress',
        'automatic',
        'rebaseline-prod-revoke-public-ingress',
        '2021-04-21T14:31:00.000Z',
        null,
      ],
    ]);
    expect(remediations[0]!.parameters).to.deep.equal({
      AutomationAssumeRole: [`arn:aws:iam::${ACCOUNT}:role/rebaseline-prod-remediation`],
      GroupId: 'sg-0c2d4e6f8a0b1c2d3',
      AuthorizedTcpPorts: ['443'],
    });
    expect(remediations[0]!.steps.map((s) => [s.name, s.status, s.startedAt, s.endedAt])).to.deep.equal([
      ['RecordAndRevoke', 'Success', '2021-04-20T10:15:21.000Z', '2021-04-20T10:15:38.000Z'],
      ['VerifyNoPublicIngress', 'Success', '2021-04-20T10:15:38.000Z', '2021-04-20T10:15:51.000Z'],
    ]);

    // The imported history answers the audit question: who fixed what, and how fast.
    const timelines = buildTimelines(evaluations, remediations, NOW);
    const sgA = timelines.find((t) => t.key.resourceId === 'sg-0a1b2c3d4e5f60718')!;
    expect(sgA.episodes.map((e) => [e.openedAt, e.closedAt, e.resolution])).to.deep.equal([
      ['2021-04-20T08:00:12.000Z', '2021-04-20T08:07:42.000Z', 'out-of-band'],
      ['2021-04-21T14:30:05.000Z', null, null],
    ]);
    const sg = mttrByRule(timelines).rules.find((r) => r.ruleId === SG_ID)!;
    expect(sg).to.deep.include({
      automatic: { count: 1, medianMs: MIN + 38_000, p90Ms: MIN + 38_000, worstMs: MIN + 38_000 },
      manual: { count: 1, medianMs: 7 * MIN + 30_000, p90Ms: 7 * MIN + 30_000, worstMs: 7 * MIN + 30_000 },
      outOfBand: 1,
    });
    expect(sg.open.count).to.equal(1);
  });

  it('imports again without duplicating, adding only what changed', async () => {
    for (const name of ACCOUNT_EXCHANGES) answer(config, name);
    await importConfigHistory(store, aws(), { knownRuleIds: RULE_IDS });
    const before = { evaluations: store.evaluations().length, remediations: store.remediations().length };

    // The same answers again: nothing new.
    const again = await importConfigHistory(store, aws(), { knownRuleIds: RULE_IDS });
    expect(again.evaluations).to.deep.equal({ inserted: 0, skipped: 12 });
    expect(again.remediations).to.deep.equal({ inserted: 0, updated: 2 });
    expect(store.evaluations()).to.have.length(before.evaluations);
    expect(store.remediations()).to.have.length(before.remediations);

    // Half an hour later: the running remediation finished and the group is compliant.
    for (const name of LATER_EXCHANGES) answer(config, name);
    const later = await importConfigHistory(store, aws(), { knownRuleIds: RULE_IDS });

    expect(later.evaluations).to.deep.equal({ inserted: 2, skipped: 11 });
    expect(store.evaluations()).to.have.length(before.evaluations + 2);
    const remediations = store.remediations();
    expect(remediations).to.have.length(2);
    expect(remediations[1]).to.include({ status: 'Success', endedAt: '2021-04-21T14:31:48.000Z' });
    expect(store.runs().map((r) => r.status)).to.deep.equal(['succeeded', 'succeeded', 'succeeded']);

    const timelines = buildTimelines(store.evaluations(), remediations, NOW);
    const sgA = timelines.find((t) => t.key.resourceId === 'sg-0a1b2c3d4e5f60718')!;
    expect(sgA.episodes.map((e) => [e.closedAt, e.resolution, e.durationMs])).to.deep.equal([
      ['2021-04-20T08:07:42.000Z', 'out-of-band', 7 * MIN + 30_000],
      ['2021-04-21T14:32:10.000Z', 'automatic', 2 * MIN + 5_000],
    ]);
    expect(mttrByRule(timelines).rules.find((r) => r.ruleId === SG_ID)!.automatic).to.deep.equal({
      count: 2,
      medianMs: (MIN + 38_000 + 2 * MIN + 5_000) / 2,
      p90Ms: 2 * MIN + 5_000,
      worstMs: 2 * MIN + 5_000,
    });
  });

  it('reads only the selected rules, and history since a date', async () => {
    for (const name of ACCOUNT_EXCHANGES) answer(config, name);
    const since = new Date('2021-04-20T00:00:00Z');

    const result = await importConfigHistory(store, aws(), { knownRuleIds: RULE_IDS, rules: [SG_ID], since });

    expect(result.rules).to.equal(1);
    expect(
      config.commandCalls(GetComplianceDetailsByConfigRuleCommand).map((c) => c.args[0].input.ConfigRuleName),
    ).to.deep.equal([SG_RULE, SG_RULE]);
    const history = config.commandCalls(GetResourceConfigHistoryCommand).map((c) => c.args[0].input);
    expect(history.map((i) => i.earlierTime)).to.deep.equal(history.map(() => since));
    expect(new Set(store.evaluations().map((e) => e.ruleId))).to.deep.equal(new Set([SG_ID]));
    // The user's compliance items list only access-keys-rotated, which was not selected.
    expect(store.evaluations().filter((e) => e.resourceType === 'AWS::IAM::User')).to.deep.equal([]);
  });

  it('says when compliance history is not recorded', async () => {
    for (const name of ACCOUNT_EXCHANGES.filter((n) => !n.startsWith('ListDiscoveredResources')))
      answer(config, name);
    config.on(ListDiscoveredResourcesCommand).resolves({ resourceIdentifiers: [] });

    const result = await importConfigHistory(store, aws(), { knownRuleIds: RULE_IDS });

    expect(result.warnings).to.deep.equal([
      `${RESOURCE_COMPLIANCE} is not recorded in us-east-1: only current compliance was imported (record that type to keep compliance history).`,
    ]);
    expect(result.evaluations.inserted).to.equal(5);
    expect(config.commandCalls(GetResourceConfigHistoryCommand)).to.deep.equal([]);
  });

  it('marks the run failed and keeps what was imported when Config refuses', async () => {
    for (const name of ACCOUNT_EXCHANGES.filter((n) => !n.startsWith('ListDiscoveredResources')))
      answer(config, name);
    const denied = new Error('User is not authorized to perform: config:ListDiscoveredResources');
    denied.name = 'AccessDeniedException';
    config.on(ListDiscoveredResourcesCommand).rejects(denied);

    let caught: unknown;
    await importConfigHistory(store, aws(), { knownRuleIds: RULE_IDS }).catch((error) => {
      caught = error;
    });

    expect((caught as Error).name).to.equal('AccessDeniedException');
    const [run] = store.runs();
    expect(run).to.include({ status: 'failed' });
    expect((run!.summary as { error: string }).error).to.match(/not authorized/);
    expect(store.evaluations()).to.have.length(5);
  });

  it('imports an organization’s current compliance through an aggregator', async () => {
    for (const name of AGGREGATOR_EXCHANGES) answer(config, name);

    const result = await importConfigHistory(store, aws(), {
      aggregator: 'org-aggregator',
      knownRuleIds: RULE_IDS,
    });

    expect(result.rules).to.equal(2);
    expect(result.evaluations).to.deep.equal({ inserted: 3, skipped: 0 });
    expect(result.warnings).to.have.length(1);
    expect(
      config.commandCalls(GetAggregateComplianceDetailsByConfigRuleCommand).map((c) => {
        const i = c.args[0].input;
        return [i.ConfigurationAggregatorName, i.ConfigRuleName, i.AccountId, i.AwsRegion];
      }),
    ).to.deep.equal([
      ['org-aggregator', SG_RULE, ACCOUNT, 'us-east-1'],
      ['org-aggregator', SG_RULE, '616241992003', 'eu-west-2'],
      [
        'org-aggregator',
        'cloudwatch-log-group-encrypted-conformance-pack-6cruwvtg2',
        '775397712397',
        'ap-southeast-2',
      ],
    ]);
    expect(
      store.evaluations().map((e) => [e.ruleId, e.account, e.region, e.resourceId, e.verdict, e.annotation]),
    ).to.deep.equal([
      [SG_ID, '616241992003', 'eu-west-2', 'sg-07e1d2c3b4a596870', 'COMPLIANT', null],
      [SG_ID, ACCOUNT, 'us-east-1', 'sg-0a1b2c3d4e5f60718', 'NON_COMPLIANT', 'tcp 22 is open to 0.0.0.0/0.'],
      [
        'cloudwatch-log-group-encrypted-conformance-pack-6cruwvtg2',
        '775397712397',
        'ap-southeast-2',
        'BadCrowd4',
        'NON_COMPLIANT',
        'This log group is not encrypted.',
      ],
    ]);
    expect(config.commandCalls(GetResourceConfigHistoryCommand)).to.deep.equal([]);

    const again = await importConfigHistory(store, aws(), {
      aggregator: 'org-aggregator',
      knownRuleIds: RULE_IDS,
    });
    expect(again.evaluations).to.deep.equal({ inserted: 0, skipped: 3 });
  });
});

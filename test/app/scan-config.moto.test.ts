import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type MotoServer, startMoto } from '../../app/moto';
import { readerFor, type ScanFinding, scanAccount, withParameters } from '../../app/scan';
import { scanAccounts } from '../../app/scan/organization';
import { RULES } from '../../rules';
import { AwsClients } from '../../shared/aws/clients';
import { parseConfigRuleEvent } from '../../shared/config/event';
import { evaluateEvent } from '../../shared/lambda/evaluate-event';
import type { AnyRule } from '../../shared/rule';
import { populateAccount } from '../helpers/accounts';
import { captureCli } from '../helpers/cli';
import { recordAccount } from '../helpers/config-recorder';
import {
  type ConfigResponder,
  MOTO_DEFAULT_ACCOUNT,
  type RecordedItem,
  startConfigResponder,
} from '../helpers/config-responder';
import { FAST_RETRY, startFaultProxy } from '../helpers/fault-proxy';
import { CORPUS } from '../helpers/fixtures';
import { TEST_CREDENTIALS } from '../helpers/moto';
import { createOrganization, memberClients } from '../helpers/organization';
import { changeEvent } from '../helpers/rules';

const REGION = 'us-east-1';
const SG_RULE = RULES.find((r) => r.meta.id === 'ec2-security-group-no-public-ingress') as AnyRule;
const BUCKET_RULE = RULES.find((r) => r.meta.id === 's3-bucket-no-public-access') as AnyRule;
const CONFIG_RULES = [SG_RULE, BUCKET_RULE];

/** A recorded timestamp (ISO text, epoch seconds, or c7n placebo's `{__class__: 'datetime', year, …}`) as ISO text. */
function iso(value: unknown): string {
  if (typeof value === 'string') return new Date(value).toISOString();
  if (typeof value === 'number') return new Date(value * 1000).toISOString();
  const d = value as Record<string, number>;
  return new Date(
    Date.UTC(
      d.year as number,
      (d.month as number) - 1,
      d.day,
      d.hour,
      d.minute,
      d.second,
      Math.floor((d.microsecond ?? 0) / 1000),
    ),
  ).toISOString();
}

const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Every security group and bucket item of the corpus (test/fixtures/corpus/config_items: recorded
 * GetResourceConfigHistory and SelectResourceConfig answers, AWS's RDK sample items), in the spelling
 * BatchGetResourceConfig answers with (configuration and supplementary values as JSON text, no tags), moved to the
 * scanned account and region; one item per resource (the latest recorded).
 */
function corpusItems(accountId: string, region: string): RecordedItem[] {
  const dir = join(CORPUS, 'config_items');
  const raw: Record<string, unknown>[] = [];
  for (const file of readdirSync(dir).sort()) {
    // biome-ignore lint/suspicious/noExplicitAny: recorded answers of several shapes, narrowed just below.
    const parsed: any = require(join(dir, file));
    const data = parsed.data ?? parsed;
    if (Array.isArray(data.configurationItems)) raw.push(...data.configurationItems);
    else if (Array.isArray(data.Results))
      for (const row of data.Results.map((r: string) => JSON.parse(r))) {
        const groupId = row.configuration?.groupId;
        if (groupId)
          raw.push({
            ...row,
            resourceType: 'AWS::EC2::SecurityGroup',
            resourceId: groupId,
            configurationItemStatus: 'OK',
            configurationItemCaptureTime: '2019-04-28T11:42:00Z',
            version: '1.3',
          });
      }
    else raw.push(data);
  }
  const byId = new Map<string, RecordedItem>();
  for (const item of raw) {
    const type = String(item.resourceType);
    if (type !== 'AWS::EC2::SecurityGroup' && type !== 'AWS::S3::Bucket') continue;
    const id = String(item.resourceId);
    byId.set(`${type}|${id}`, {
      version: String(item.version ?? item.configurationItemVersion ?? '1.3'),
      accountId,
      configurationItemCaptureTime: iso(item.configurationItemCaptureTime),
      configurationItemStatus: String(item.configurationItemStatus),
      resourceType: type,
      resourceId: id,
      ...(item.resourceName ? { resourceName: String(item.resourceName) } : {}),
      awsRegion: region,
      configuration: asText(item.configuration),
      supplementaryConfiguration: Object.fromEntries(
        Object.entries((item.supplementaryConfiguration ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          asText(v),
        ]),
      ),
    });
  }
  return [...byId.values()];
}

/** `copies` more of an item under new ids (to fill pages and batches). */
function copiesOf(item: RecordedItem, copies: number): RecordedItem[] {
  return Array.from({ length: copies }, (_, i) => {
    const id = `${item.resourceId}-copy${String(i).padStart(3, '0')}`;
    const configuration = JSON.parse(item.configuration);
    if (configuration.groupId) configuration.groupId = id;
    if (configuration.name) configuration.name = id;
    return { ...item, resourceId: id, resourceName: id, configuration: JSON.stringify(configuration) };
  });
}

const line = (f: Pick<ScanFinding, 'ruleId' | 'complianceResourceId' | 'complianceType' | 'annotation'>) =>
  `${f.ruleId} ${f.complianceResourceId} ${f.complianceType} ${f.annotation}`;

/** What the Lambda adapter reports for each item, as its change-triggered path (the oracle). */
async function asTheLambdaWould(items: readonly RecordedItem[], aws: AwsClients): Promise<string[]> {
  const out: string[] = [];
  const selected = withParameters(CONFIG_RULES);
  const reader = readerFor({ clients: aws, accountId: MOTO_DEFAULT_ACCOUNT }, selected);
  for (const { rule, params } of selected)
    for (const item of items.filter((i) =>
      rule.meta.trigger.configurationChange?.resourceTypes.includes(i.resourceType),
    )) {
      const event = parseConfigRuleEvent(changeEvent({ ...item, awsAccountId: item.accountId }));
      const scope = { accountId: item.accountId, region: item.awsRegion, partition: 'aws', now: new Date() };
      const outcome = await evaluateEvent(rule, event, params, scope, { reader });
      out.push(...outcome.evaluations.map((e) => line({ ...e, ruleId: rule.meta.id })));
      out.push(...outcome.failures.map((f) => `${rule.meta.id} failed ${f.message}`));
    }
  return out.sort();
}

const cli = captureCli;

describe('scan --source config|auto: AWS Config’s items through the real SDK client (a recorded-response responder; moto lacks these APIs)', function () {
  this.timeout(120_000);
  let moto: MotoServer;
  let config: ConfigResponder;
  let dir: string;
  /** Operations the scan sent, by service:operation. */
  let calls: Record<string, number>;
  const clients = (
    endpoint = config.endpoint,
    extra: Partial<ConstructorParameters<typeof AwsClients>[0]> = {},
  ) =>
    new AwsClients({
      region: REGION,
      endpoint,
      credentials: TEST_CREDENTIALS,
      retry: FAST_RETRY,
      onCall: (service, operation) => {
        calls[`${service}:${operation}`] = (calls[`${service}:${operation}`] ?? 0) + 1;
      },
      ...extra,
    });

  before(async function () {
    this.timeout(60_000);
    moto = await startMoto();
    config = await startConfigResponder({ upstream: moto.endpoint });
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-scan-config-'));
  });
  after(async () => {
    await config?.close();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await moto.reset();
    config.clear();
    calls = {};
  });

  it('evaluates the recorded corpus items exactly as the rule Lambda does, listing and fetching them 100 at a time', async () => {
    // Prepare: the corpus items, and enough copies of two of them to need three pages and three batches per type.
    const corpus = corpusItems(MOTO_DEFAULT_ACCOUNT, REGION);
    const sg = corpus.find((i) => i.resourceId === 'sg-1d56fc66') as RecordedItem;
    const bucket = corpus.find((i) => i.resourceId === 'config-rule-sanity') as RecordedItem;
    const items = [...corpus, ...copiesOf(sg, 230), ...copiesOf(bucket, 210)];
    for (const item of items) config.put(item);
    const groups = items.filter((i) => i.resourceType === 'AWS::EC2::SecurityGroup').length;
    const buckets = items.length - groups;
    // Act
    const result = await scanAccount({ rules: CONFIG_RULES, clients: clients(), source: 'config' });
    const made = { ...calls };
    // Assess: the same evaluations as the Lambda's change-triggered path gives for each item.
    expect(result.failures).to.deep.equal([]);
    expect(result.findings.map(line).sort()).to.deep.equal(await asTheLambdaWould(items, clients()));
    expect(result.findings.every((f) => f.source === 'config')).to.equal(true);
    expect(result.findings).to.have.length(items.length);
    // Known verdicts of recorded items: world-open SSH (RDK's sample), a public-read ACL (c7n's testing-99).
    const verdict = (id: string) => result.findings.find((f) => f.complianceResourceId === id);
    expect(verdict('sg-1d56fc66')).to.include({
      complianceType: 'NON_COMPLIANT',
      annotation: 'Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port).',
    });
    expect(verdict('testing-99')?.complianceType).to.equal('NON_COMPLIANT');
    expect(verdict('testing-99')?.annotation).to.include('AllUsers');
    // Assess: the reads: pages and batches of 100, nothing read per resource.
    expect(config.calls.ListDiscoveredResources).to.equal(Math.ceil(groups / 100) + Math.ceil(buckets / 100));
    expect(config.calls.BatchGetResourceConfig).to.equal(Math.ceil(groups / 100) + Math.ceil(buckets / 100));
    expect(config.largestBatch).to.equal(100);
    for (const perResource of [
      'ec2:DescribeSecurityGroups',
      's3:ListBuckets',
      's3:GetBucketAcl',
      's3:GetBucketPolicy',
    ])
      expect(made[perResource], perResource).to.equal(undefined);
    // Only what no item carries is read live: the account-level Block Public Access, once.
    expect(made['s3control:GetPublicAccessBlock']).to.equal(1);
  });

  it('gives the same verdicts as the live scan of the same account, with a fraction of the calls', async () => {
    // Prepare: an emulated account, and what Config's recorder would hold for it.
    const direct = new AwsClients({ region: REGION, endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    await populateAccount(direct, { groups: 40, buckets: 40, prefix: 'parity' });
    const recorded = await recordAccount(direct, MOTO_DEFAULT_ACCOUNT, config);
    // Act
    const live = await scanAccount({ rules: CONFIG_RULES, clients: clients(), source: 'live' });
    const liveCalls = { ...calls };
    calls = {};
    const fromConfig = await scanAccount({ rules: CONFIG_RULES, clients: clients(), source: 'config' });
    // Assess
    expect(recorded).to.equal(81);
    expect(fromConfig.failures).to.deep.equal([]);
    expect(fromConfig.findings.map(line).sort()).to.deep.equal(live.findings.map(line).sort());
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    expect(total(calls)).to.be.at.most(10);
    expect(total(liveCalls)).to.be.greaterThan(200);
  });

  it('auto reads Config where its recorder records the type and the live APIs elsewhere', async () => {
    // Prepare: the recorder records security groups only; groups and buckets exist live and in the items.
    const direct = new AwsClients({ region: REGION, endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    await populateAccount(direct, { groups: 6, buckets: 6, prefix: 'auto' });
    await recordAccount(direct, MOTO_DEFAULT_ACCOUNT, config);
    config.recorder(MOTO_DEFAULT_ACCOUNT, REGION, {
      recording: true,
      recordingGroup: {
        allSupported: false,
        resourceTypes: ['AWS::EC2::SecurityGroup'],
        recordingStrategy: { useOnly: 'INCLUSION_BY_RESOURCE_TYPES' },
      },
    });
    // Act
    const result = await scanAccount({ rules: RULES, clients: clients(), source: 'auto' });
    // Assess
    const sources = new Map(result.findings.map((f) => [f.ruleId, f.source]));
    // Only the security groups are recorded: that rule reads Config, every other rule (whatever the registry holds)
    // the live APIs.
    const SG = 'ec2-security-group-no-public-ingress';
    expect([...sources.keys()]).to.include.members([SG, 's3-bucket-no-public-access', 'guardduty-enabled']);
    expect(Object.fromEntries(sources)).to.deep.equal(
      Object.fromEntries([...sources.keys()].map((id) => [id, id === SG ? 'config' : 'live'])),
    );
    expect(result.failures).to.deep.equal([]);
    expect(calls['ec2:DescribeSecurityGroups']).to.equal(undefined);
    expect(calls['s3:GetBucketAcl']).to.equal(6);
  });

  it('auto reads live when Config is not recording, has no recorder, or cannot be read', async () => {
    const direct = new AwsClients({ region: REGION, endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    await populateAccount(direct, { groups: 3, buckets: 3, prefix: 'off' });
    await recordAccount(direct, MOTO_DEFAULT_ACCOUNT, config);
    const proxy = await startFaultProxy({
      upstream: config.endpoint,
      seed: 1,
      rate: 0,
      script: (r) =>
        r.operation === 'DescribeConfigurationRecorders'
          ? { status: 400, code: 'AccessDeniedException' }
          : undefined,
    });
    try {
      for (const [what, setup, endpoint] of [
        ['stopped', { recording: false }, config.endpoint],
        ['no recorder', undefined, config.endpoint],
        ['denied', { recording: true }, proxy.endpoint],
      ] as const) {
        config.recorder(MOTO_DEFAULT_ACCOUNT, REGION, setup);
        const result = await scanAccount({ rules: CONFIG_RULES, clients: clients(endpoint), source: 'auto' });
        expect(result.failures, what).to.deep.equal([]);
        expect(new Set(result.findings.map((f) => f.source)), what).to.deep.equal(new Set(['live']));
        expect(result.findings, what).to.have.length(3 + 1 + 3);
      }
    } finally {
      await proxy.close();
    }
  });

  it('--source config reports a type Config does not record as not evaluated, and exits 1', async () => {
    config.recorder(MOTO_DEFAULT_ACCOUNT, REGION, undefined);
    const { status, stdout, stderr } = await cli([
      'scan',
      '--source',
      'config',
      '--rules',
      'ec2-security-group-no-public-ingress,s3-account-public-access-blocked',
      '--endpoint-url',
      config.endpoint,
      '--db',
      join(dir, 'strict.db'),
      '--format',
      'json',
    ]);
    expect(status, stderr).to.equal(1);
    const out = JSON.parse(stdout);
    expect(out.failures).to.have.length(1);
    expect(out.failures[0].ruleId).to.equal('ec2-security-group-no-public-ingress');
    expect(out.failures[0].message).to.match(
      /AWS::EC2::SecurityGroup was not read from AWS Config: AWS Config has no configuration recorder/,
    );
    // The account-level rule reads what no item carries, live, whatever the source.
    expect(out.findings.map((f: ScanFinding) => f.ruleId)).to.deep.equal([
      's3-account-public-access-blocked',
    ]);
  });

  it('asks again for keys Config left unprocessed, and fails only a resource it never gives', async () => {
    const corpus = corpusItems(MOTO_DEFAULT_ACCOUNT, REGION).filter(
      (i) => i.resourceType === 'AWS::EC2::SecurityGroup',
    );
    for (const item of corpus) config.put(item);
    config.leaveUnprocessed('sg-1d56fc66', 2);
    config.leaveUnprocessed('sg-65229a0c', 50);
    const result = await scanAccount({ rules: [SG_RULE], clients: clients(), source: 'config' });
    expect(result.findings.map((f) => f.complianceResourceId).sort()).to.deep.equal(
      corpus
        .map((i) => i.resourceId)
        .filter((id) => id !== 'sg-65229a0c')
        .sort(),
    );
    expect(result.failures).to.have.length(1);
    expect(result.failures[0]).to.include({
      resourceId: 'sg-65229a0c',
      ruleId: 'ec2-security-group-no-public-ingress',
    });
    expect(result.failures[0]?.message).to.match(/left it unprocessed 5 times/);
  });

  it('treats items as the Lambda does: not recorded → NOT_APPLICABLE, unreadable → not evaluated (fail closed)', async () => {
    const [good, notRecorded, broken] = copiesOf(
      corpusItems(MOTO_DEFAULT_ACCOUNT, REGION).find((i) => i.resourceId === 'sg-1d56fc66') as RecordedItem,
      3,
    ) as [RecordedItem, RecordedItem, RecordedItem];
    config.put(good);
    config.put({ ...notRecorded, configurationItemStatus: 'ResourceNotRecorded', configuration: 'null' });
    const withoutPermissions = JSON.parse(broken.configuration);
    delete withoutPermissions.ipPermissions;
    config.put({ ...broken, configuration: JSON.stringify(withoutPermissions) });
    const result = await scanAccount({ rules: [SG_RULE], clients: clients(), source: 'config' });
    expect(result.findings.map((f) => `${f.complianceResourceId} ${f.complianceType}`).sort()).to.deep.equal([
      `${good.resourceId} NON_COMPLIANT`,
      `${notRecorded.resourceId} NOT_APPLICABLE`,
    ]);
    expect(result.failures).to.have.length(1);
    expect(result.failures[0]?.resourceId).to.equal(broken.resourceId);
    expect(result.failures[0]?.message).to.match(/configuration\.ipPermissions is missing/);
  });

  it('reads live a rule whose exemption is by tag (Config gives items without tags)', async () => {
    const direct = new AwsClients({ region: REGION, endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    await populateAccount(direct, { groups: 10, buckets: 0, prefix: 'tagged' });
    await recordAccount(direct, MOTO_DEFAULT_ACCOUNT, config);
    const params = { 'ec2-security-group-no-public-ingress': { exemptTagKey: 'team', exemptTagValue: 't0' } };
    const result = await scanAccount({
      rules: [SG_RULE],
      clients: clients(),
      source: 'config',
      ruleParameters: params,
    });
    expect(new Set(result.findings.map((f) => f.source))).to.deep.equal(new Set(['live']));
    expect(
      result.findings.filter((f) => f.annotation?.startsWith('Exempted: tagged team=t0')),
    ).to.have.length(1);
  });

  it('reads the organisation’s items through its aggregator: listed once, fetched per account and region', async () => {
    // Prepare: two members, their items recorded in their own inventories; the aggregator in the management account.
    const base = new AwsClients({ region: REGION, endpoint: config.endpoint, credentials: TEST_CREDENTIALS });
    const org = await createOrganization(base, { members: 2 });
    for (const id of org.members) {
      const member = await memberClients(base, id, REGION);
      await populateAccount(member, { groups: 4, buckets: 3, prefix: `agg-${id}` });
      await recordAccount(member, id, config);
    }
    config.aggregator('org-aggregator', org.management, REGION);
    const scan = (aggregator?: string) =>
      scanAccounts({
        rules: CONFIG_RULES,
        clients: clients(),
        org: true,
        excludeAccounts: [org.management],
        source: 'config',
        ...(aggregator ? { aggregator } : {}),
      });
    const own = await scan();
    config.clear();
    for (const id of org.members) await recordAccount(await memberClients(base, id, REGION), id, config);
    config.aggregator('org-aggregator', org.management, REGION);
    // Act
    const aggregated = await scan('org-aggregator');
    // Assess: the same verdicts; identifiers listed once per type for the whole organisation.
    expect(aggregated.failures).to.deep.equal([]);
    expect(aggregated.findings.map((f) => `${f.accountId} ${line(f)}`).sort()).to.deep.equal(
      own.findings.map((f) => `${f.accountId} ${line(f)}`).sort(),
    );
    expect(aggregated.findings.every((f) => f.source === 'config')).to.equal(true);
    expect(config.calls.ListAggregateDiscoveredResources).to.equal(2);
    expect(config.calls.BatchGetAggregateResourceConfig).to.equal(2 * org.members.length);
    expect(config.calls.ListDiscoveredResources).to.equal(undefined);
  });

  it('gives the same verdicts with Config throttled', async () => {
    const corpus = corpusItems(MOTO_DEFAULT_ACCOUNT, REGION);
    const items = [
      ...corpus,
      ...copiesOf(corpus.find((i) => i.resourceId === 'sg-1d56fc66') as RecordedItem, 150),
    ];
    for (const item of items) config.put(item);
    const clean = await scanAccount({ rules: CONFIG_RULES, clients: clients(), source: 'config' });
    const proxy = await startFaultProxy({
      upstream: config.endpoint,
      seed: 3,
      rate: 0.4,
      weights: { throttle: 1, 'server-error': 1, unavailable: 1, reset: 1, 'lost-answer': 0, slow: 0 },
      shouldFault: (r) => r.service === 'config',
    });
    try {
      const faulty = await scanAccount({
        rules: CONFIG_RULES,
        clients: clients(proxy.endpoint),
        source: 'config',
      });
      expect(proxy.injectedByService.config?.throttle ?? 0).to.be.greaterThan(0);
      expect(faulty.failures).to.deep.equal([]);
      expect(faulty.findings.map(line).sort()).to.deep.equal(clean.findings.map(line).sort());
    } finally {
      await proxy.close();
    }
  });
});

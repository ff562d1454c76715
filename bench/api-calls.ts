import { strict as assert } from 'node:assert';
import { CreateTrailCommand, StartLoggingCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import {
  CreateBucketCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { type MotoServer, startMoto } from '../app/moto';
import { type ScanSource, scanAccount } from '../app/scan';
import { RULES } from '../rules';
import { rule as securityGroupRule } from '../rules/ec2-security-group-no-public-ingress/evaluate';
import { AwsClients } from '../shared/aws/clients';
import { CloudTrail } from '../shared/aws/services/cloudtrail';
import { EC2 } from '../shared/aws/services/ec2';
import { S3 } from '../shared/aws/services/s3';
import { STS } from '../shared/aws/services/sts';
import { createConfigRuleHandler, PUT_EVALUATIONS_BATCH } from '../shared/lambda/config-rule';
import { recordAccount } from '../test/helpers/config-recorder';
import { type ConfigResponder, startConfigResponder } from '../test/helpers/config-responder';
import { InMemoryAccount, InMemoryClients } from './fake-aws';
import { BENCH_NOW, Rng } from './generate';

/**
 * API calls per resource: a moto_server account with N security groups, N buckets and 3 trails is scanned with
 * every rule, counting each SDK operation with the client factory's `onCall` hook, from each source: the live APIs
 * (`--source live`) and AWS Config's items (`--source config`: what Config's recorder holds for the same account,
 * served through the real SDK client by the test suite's recorded-Config responder, moto_server having no
 * BatchGetResourceConfig); then the security-group rule's periodic Lambda path runs against the same account to
 * count PutEvaluations calls per 1,000 evaluations.
 */

/** The rules Config's items can decide: their calls per resource is the figure the inventory source is for. */
const INVENTORY_RULES = ['ec2-security-group-no-public-ingress', 's3-bucket-no-public-access'];

/** One source's figures for one account. */
export interface SourceFigures {
  /** Every rule. */
  totalCalls: number;
  callsPerResource: number;
  /** The security-group and bucket rules alone, per group and bucket (2N resources). */
  groupAndBucketCalls: number;
  groupAndBucketCallsPerResource: number;
  scanSeconds: number;
  byOperation: Record<string, number>;
  findings: number;
  failures: string[];
}

export interface ApiCallsCase {
  n: number;
  /** Security groups + buckets + trails in the account. */
  resources: number;
  setupSeconds: number;
  scanSeconds: number;
  totalCalls: number;
  callsPerResource: number;
  byOperation: Record<string, number>;
  findings: number;
  failures: string[];
  /** The same account, per source (`live` repeats the figures above). */
  sources: Record<Exclude<ScanSource, 'auto'>, SourceFigures>;
  /** Both sources gave the same verdicts and annotations. */
  sameVerdicts: boolean;
  lambda: {
    evaluations: number;
    putEvaluationsCalls: number;
    perThousandEvaluations: number;
    seconds: number;
  };
}

export interface ApiCallsResult {
  cases: ApiCallsCase[];
  /** Sizes left out to stay within the time budget, and why. */
  capped: { n: number; reason: string }[];
  notes: string[];
}

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const SETUP_CONCURRENCY = 8;

async function inParallel(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await work(i);
  };
  await Promise.all(Array.from({ length: Math.min(SETUP_CONCURRENCY, count) }, worker));
}

/**
 * Builds the account: exactly `n` security groups (the default VPC's default group included), a third with
 * world-open or private ingress; exactly `n` buckets, some with a public ACL, a public policy or bucket-level Block
 * Public Access; 3 trails (multi-region and logging; single-region and stopped; multi-region without validation),
 * all delivering to the first bucket.
 */
async function buildAccount(aws: AwsClients, n: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const ec2 = aws.get(EC2);
  const s3 = aws.get(S3);
  const existing = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups?.length ?? 0;
  const plans = Array.from({ length: Math.max(0, n - existing) }, (): IpPermission[] => {
    if (!rng.chance(0.35)) return [];
    const port = rng.pick([22, 80, 443, 3389, 5432]);
    const cidr = rng.chance(0.5) ? '0.0.0.0/0' : `10.${rng.int(0, 255)}.0.0/16`;
    return [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: cidr }] }];
  });
  await inParallel(plans.length, async (i) => {
    const group = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `bench-${i}`, Description: 'rebaseline benchmark' }),
    );
    const permissions = plans[i] as IpPermission[];
    if (permissions.length > 0)
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: group.GroupId, IpPermissions: permissions }),
      );
  });
  const bucket = (i: number) => `bench-${seed}-${i}`;
  const kinds = Array.from({ length: n }, () =>
    rng.weighted([
      ['plain', 70],
      ['publicAcl', 10],
      ['publicPolicy', 10],
      ['blocked', 10],
    ] as const),
  );
  await inParallel(n, async (i) => {
    const name = bucket(i);
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    if (kinds[i] === 'publicAcl')
      await s3.send(new PutBucketAclCommand({ Bucket: name, ACL: 'public-read' }));
    if (kinds[i] === 'publicPolicy')
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket: name,
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${name}/*` },
            ],
          }),
        }),
      );
    if (kinds[i] === 'blocked')
      await s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: name,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        }),
      );
  });
  const cloudtrail = aws.get(CloudTrail);
  const trails = [
    { Name: 'organization', IsMultiRegionTrail: true, EnableLogFileValidation: true, logging: true },
    { Name: 'legacy', IsMultiRegionTrail: false, EnableLogFileValidation: false, logging: false },
    { Name: 'no-validation', IsMultiRegionTrail: true, EnableLogFileValidation: false, logging: true },
  ];
  for (const { logging, ...trail } of trails) {
    await cloudtrail.send(new CreateTrailCommand({ ...trail, S3BucketName: bucket(0) }));
    await cloudtrail.send(new (logging ? StartLoggingCommand : StopLoggingCommand)({ Name: trail.Name }));
  }
}

/** Scans the account from one source, counting each operation. */
async function scanFrom(
  endpoint: string,
  source: Exclude<ScanSource, 'auto'>,
  rules: typeof RULES,
): Promise<{
  byOperation: Record<string, number>;
  seconds: number;
  scan: Awaited<ReturnType<typeof scanAccount>>;
}> {
  const byOperation: Record<string, number> = {};
  const clients = new AwsClients({
    region: REGION,
    endpoint,
    credentials: CREDENTIALS,
    onCall: (service, operation) => {
      const key = `${service}:${operation}`;
      byOperation[key] = (byOperation[key] ?? 0) + 1;
    },
  });
  const started = performance.now();
  const scan = await scanAccount({ rules, clients, now: () => BENCH_NOW, source });
  return { byOperation, seconds: (performance.now() - started) / 1000, scan };
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const sorted = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a));
const verdictLines = (
  findings: readonly {
    ruleId: string;
    complianceResourceId: string;
    complianceType: string;
    annotation?: string;
  }[],
) => findings.map((f) => `${f.ruleId} ${f.complianceResourceId} ${f.complianceType} ${f.annotation}`).sort();

async function figuresOf(
  endpoint: string,
  source: Exclude<ScanSource, 'auto'>,
  n: number,
): Promise<SourceFigures & { verdicts: string[] }> {
  const all = await scanFrom(endpoint, source, RULES);
  const inventoryRules = RULES.filter((r) => INVENTORY_RULES.includes(r.meta.id));
  const groupsAndBuckets = await scanFrom(endpoint, source, inventoryRules);
  const resources = 2 * n + 3;
  return {
    totalCalls: total(all.byOperation),
    callsPerResource: total(all.byOperation) / resources,
    groupAndBucketCalls: total(groupsAndBuckets.byOperation),
    groupAndBucketCallsPerResource: total(groupsAndBuckets.byOperation) / (2 * n),
    scanSeconds: all.seconds,
    byOperation: sorted(all.byOperation),
    findings: all.scan.findings.length,
    failures: all.scan.failures.map((f) => `${f.ruleId}: ${f.message}`),
    verdicts: verdictLines(all.scan.findings),
  };
}

async function measureOne(
  moto: MotoServer,
  config: ConfigResponder,
  n: number,
  seed: number,
): Promise<ApiCallsCase> {
  await moto.reset();
  config.clear();
  const setupStarted = performance.now();
  const setupClients = new AwsClients({ region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS });
  await buildAccount(setupClients, n, seed);
  // What AWS Config's recorder would hold for this account (not counted: Config records it, not the scan).
  await recordAccount(
    setupClients,
    (await setupClients.get(STS).send(new GetCallerIdentityCommand({}))).Account as string,
    config,
  );
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  const live = await figuresOf(moto.endpoint, 'live', n);
  const fromConfig = await figuresOf(config.endpoint, 'config', n);
  const resources = 2 * n + 3;
  const { verdicts: liveVerdicts, ...liveFigures } = live;
  const { verdicts: configVerdicts, ...configFigures } = fromConfig;
  const scan = {
    accountId: (await setupClients.get(STS).send(new GetCallerIdentityCommand({}))).Account as string,
  };

  // The periodic Lambda path of the security-group rule against the same account; Config itself answers from
  // memory (moto implements PutEvaluations only in test mode and has no GetComplianceDetailsByConfigRule).
  const account = new InMemoryAccount();
  const handler = createConfigRuleHandler(securityGroupRule, {
    clients: (region) =>
      new InMemoryClients(account, { region, endpoint: moto.endpoint, credentials: CREDENTIALS }, ['config']),
    now: () => BENCH_NOW,
  });
  const lambdaStarted = performance.now();
  const result = await handler({
    version: '1.0',
    invokingEvent: JSON.stringify({
      awsAccountId: scan.accountId,
      notificationCreationTime: BENCH_NOW.toISOString(),
      messageType: 'ScheduledNotification',
      recordVersion: '1.0',
    }),
    ruleParameters: '{}',
    resultToken: 'bench-token',
    eventLeftScope: false,
    configRuleArn: `arn:aws:config:${REGION}:${scan.accountId}:config-rule/config-rule-bench01`,
    configRuleName: securityGroupRule.meta.id,
    accountId: scan.accountId,
  });
  const lambdaSeconds = (performance.now() - lambdaStarted) / 1000;
  const putCalls = account.calls.get('config:PutEvaluations') ?? 0;
  const expected = Math.ceil(result.evaluations / PUT_EVALUATIONS_BATCH);
  // A broken batch size is a correctness bug, not a slow figure: the whole bench fails on it.
  assert.equal(
    putCalls,
    expected,
    `PutEvaluations was called ${putCalls} times for ${result.evaluations} evaluations; batches of ${PUT_EVALUATIONS_BATCH} need exactly ${expected}.`,
  );
  assert.equal(
    result.putEvaluationsCalls,
    putCalls,
    'The handler reported a different PutEvaluations count.',
  );
  if (result.evaluations === 1000)
    assert.equal(
      putCalls,
      10,
      `PutEvaluations was called ${putCalls} times for 1,000 evaluations; it must be 10.`,
    );

  return {
    n,
    resources,
    setupSeconds,
    scanSeconds: liveFigures.scanSeconds,
    totalCalls: liveFigures.totalCalls,
    callsPerResource: liveFigures.callsPerResource,
    byOperation: liveFigures.byOperation,
    findings: liveFigures.findings,
    failures: [...liveFigures.failures, ...configFigures.failures.map((f) => `(config) ${f}`)],
    sources: { live: liveFigures, config: configFigures },
    sameVerdicts: JSON.stringify(liveVerdicts) === JSON.stringify(configVerdicts),
    lambda: {
      evaluations: result.evaluations,
      putEvaluationsCalls: putCalls,
      perThousandEvaluations: (putCalls * 1000) / result.evaluations,
      seconds: lambdaSeconds,
    },
  };
}

/**
 * Runs the sizes in order; before each size, the time of the previous one (scaled linearly) is compared with the
 * time left, and a size that would not fit is skipped and reported as capped.
 * @example
 * const result = await measureApiCalls({ sizes: [10, 100, 1000], seed: 1, deadline: Date.now() + 120_000 });
 */
export async function measureApiCalls(options: {
  sizes: number[];
  seed: number;
  /** Epoch ms by which this section must be done. */
  deadline: number;
  log?: (line: string) => void;
}): Promise<ApiCallsResult> {
  const moto = await startMoto();
  const config = await startConfigResponder({ upstream: moto.endpoint });
  const cases: ApiCallsCase[] = [];
  const capped: ApiCallsResult['capped'] = [];
  try {
    for (const n of options.sizes) {
      const last = cases.at(-1);
      if (last) {
        const estimateMs =
          ((last.setupSeconds +
            2 * last.scanSeconds +
            last.sources.config.scanSeconds +
            last.lambda.seconds) *
            1000 *
            n) /
          last.n;
        const leftMs = options.deadline - Date.now();
        if (estimateMs > leftMs) {
          capped.push({
            n,
            reason: `estimated ${(estimateMs / 1000).toFixed(0)} s (from N=${last.n}, scaled linearly) but only ${(leftMs / 1000).toFixed(0)} s of the time budget were left`,
          });
          continue;
        }
      }
      options.log?.(`api calls: N=${n}`);
      cases.push(await measureOne(moto, config, n, options.seed));
    }
  } finally {
    await config.close();
    await moto.stop();
  }
  return {
    cases,
    capped,
    notes: [
      'moto_server does not return BucketRegion in ListBuckets, so the live reader calls GetBucketLocation once per bucket; against AWS (which returns BucketRegion) that call is not made.',
      'moto answers GetAccountSummary with AccountAccessKeysPresent 0, so the root-key rule never reads the credential report here.',
      'moto_server 5.2.1 does not implement AWS Config’s inventory APIs (BatchGetResourceConfig fails, SelectResourceConfig returns canned rows): the config source reads the same account’s items, written as Config writes them (test/helpers/config-recorder.ts), from the test suite’s responder (test/helpers/config-responder.ts), through the real SDK client; every other call goes on to moto_server.',
      'Config source: ListDiscoveredResources and BatchGetResourceConfig take 100 resources a call, so a type of N resources costs about N/50 calls; on top come a fixed few per account and region (DescribeConfigurationRecorders and its status, STS GetCallerIdentity, the account-level Block Public Access that no bucket item carries), which dominate at small N. The account-level rules (root keys, account Block Public Access, CloudTrail) are read live from either source: no configuration item carries what they evaluate.',
    ],
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const operations = (byOperation: Record<string, number>) =>
  Object.entries(byOperation)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');

/**
 * The section's Markdown: per N, both sources, every rule and the security-group and bucket rules alone.
 * @example
 * lines.push(...apiCallsMarkdown(results.apiCalls));
 */
export function apiCallsMarkdown(a: ApiCallsResult): string[] {
  const lines = [
    'Account: N security groups, N buckets, 3 trails, scanned with every rule from each source (`scan --source live|config`). Calls counted per SDK operation with the client factory’s `onCall` middleware.',
    '',
    '| N | Resources | Live: calls (per resource) | Config: calls (per resource) | Groups + buckets only, per resource: live / config | Same verdicts | Scan wall time: live / config | Lambda adapter: PutEvaluations per 1,000 evaluations |',
    '|---:|---:|---:|---:|---:|:---:|---:|---:|',
  ];
  for (const c of a.cases) {
    const { live, config } = c.sources;
    lines.push(
      `| ${int(c.n)} | ${int(c.resources)} | ${int(live.totalCalls)} (${live.callsPerResource.toFixed(2)}) | ${int(config.totalCalls)} (${config.callsPerResource.toFixed(3)}) | ${live.groupAndBucketCallsPerResource.toFixed(2)} / **${config.groupAndBucketCallsPerResource.toFixed(3)}** | ${c.sameVerdicts ? 'yes' : '**no**'} | ${live.scanSeconds.toFixed(1)} s / ${config.scanSeconds.toFixed(1)} s | ${c.lambda.perThousandEvaluations.toFixed(1)} (${c.lambda.putEvaluationsCalls} call${c.lambda.putEvaluationsCalls === 1 ? '' : 's'} for ${int(c.lambda.evaluations)} evaluations) |`,
    );
  }
  for (const cap of a.capped) lines.push(`| ${int(cap.n)} | capped: ${cap.reason} | | | | | | |`);
  const largest = a.cases.at(-1);
  if (largest)
    lines.push(
      '',
      `Calls by operation at N=${int(largest.n)}, live: ${operations(largest.sources.live.byOperation)}.`,
      '',
      `Calls by operation at N=${int(largest.n)}, config: ${operations(largest.sources.config.byOperation)}.`,
    );
  const failures = a.cases.flatMap((c) => c.failures.map((f) => `N=${c.n}: ${f}`));
  if (failures.length > 0) lines.push('', ...failures.map((f) => `- Not evaluated: ${f}`));
  lines.push('', ...a.notes.map((n) => `- ${n}`), '');
  return lines;
}

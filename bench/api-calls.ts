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
import { type MotoServer, startMoto } from '../app/moto';
import { scanAccount } from '../app/scan';
import { RULES } from '../rules';
import { rule as securityGroupRule } from '../rules/ec2-security-group-no-public-ingress/evaluate';
import { AwsClients } from '../shared/aws/clients';
import { CloudTrail } from '../shared/aws/services/cloudtrail';
import { EC2 } from '../shared/aws/services/ec2';
import { S3 } from '../shared/aws/services/s3';
import { createConfigRuleHandler, PUT_EVALUATIONS_BATCH } from '../shared/lambda/config-rule';
import { InMemoryAccount, InMemoryClients } from './fake-aws';
import { BENCH_NOW, Rng } from './generate';

/**
 * API calls per resource: a moto_server account with N security groups, N buckets and 3 trails is scanned with
 * every rule, counting each SDK operation with the client factory's `onCall` hook; then the security-group rule's
 * periodic Lambda path runs against the same account to count PutEvaluations calls per 1,000 evaluations.
 */

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

async function measureOne(moto: MotoServer, n: number, seed: number): Promise<ApiCallsCase> {
  await moto.reset();
  const setupStarted = performance.now();
  await buildAccount(
    new AwsClients({ region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS }),
    n,
    seed,
  );
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  const byOperation: Record<string, number> = {};
  const clients = new AwsClients({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: CREDENTIALS,
    onCall: (service, operation) => {
      const key = `${service}:${operation}`;
      byOperation[key] = (byOperation[key] ?? 0) + 1;
    },
  });
  const scanStarted = performance.now();
  const scan = await scanAccount({ rules: RULES, clients, now: () => BENCH_NOW });
  const scanSeconds = (performance.now() - scanStarted) / 1000;
  const totalCalls = Object.values(byOperation).reduce((a, b) => a + b, 0);
  const resources = 2 * n + 3;

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
    scanSeconds,
    totalCalls,
    callsPerResource: totalCalls / resources,
    byOperation: Object.fromEntries(Object.entries(byOperation).sort(([, a], [, b]) => b - a)),
    findings: scan.findings.length,
    failures: scan.failures.map((f) => `${f.ruleId}: ${f.message}`),
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
  const cases: ApiCallsCase[] = [];
  const capped: ApiCallsResult['capped'] = [];
  try {
    for (const n of options.sizes) {
      const last = cases.at(-1);
      if (last) {
        const estimateMs = ((last.setupSeconds + last.scanSeconds + last.lambda.seconds) * 1000 * n) / last.n;
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
      cases.push(await measureOne(moto, n, options.seed));
    }
  } finally {
    await moto.stop();
  }
  return {
    cases,
    capped,
    notes: [
      'moto_server does not return BucketRegion in ListBuckets, so the live reader calls GetBucketLocation once per bucket; against AWS (which returns BucketRegion) that call is not made.',
      'moto answers GetAccountSummary with AccountAccessKeysPresent 0, so the root-key rule never reads the credential report here.',
    ],
  };
}

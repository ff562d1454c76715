import type {
  EvaluationInput,
  HistoryStore,
  RemediationInput,
  RemediationTrigger,
} from '../../../app/history/store';
import type { ComplianceType } from '../../../shared/rule';

// A hand-made history with known answers, shared by the report, CLI and browser tests.
//
// t0 = 2026-03-02T09:00:00Z, now = t0 + 3 days. Account A = 111111111111 (us-east-1), B = 222222222222 (eu-west-1).
//   sg-ssh     (A) NC t0 → automatic fix t0+2m → C t0+3m; NC again t0+2d → automatic fix t0+2d+1m → C t0+2d+2m
//   sg-rdp     (A) NC t0 → automatic fix t0+2m → C t0+3m
//   sg-web     (A) C t0
//   sg-mixed   (B) NC t0, a dry run at t0+1m, still NC (open for 3 days)
//   public-acl (A) NC t0 → automatic fix t0+2m → C t0+3m
//   vpce, logs (A, B) C t0
//   account BPA (A) NC t0 → C t0+1d with no remediation (out-of-band)
//   trail      (A) NC t0 → automatic fix FAILED t0+2m → NC t0+3m → manual fix t0+2h → C t0+2h5m
//
// Expected:
//   by rule now: ec2-security-group-no-public-ingress 3 C / 1 NC (75%); s3-bucket-no-public-access 3 C;
//     s3-account-public-access-blocked 1 C; cloudtrail-multi-region-logging 1 C.
//   by account now: 111111111111 7 C / 0 NC; 222222222222 1 C / 1 NC.
//   time to remediate: ec2 automatic [3m, 3m, 2m] → median 3m, p90 3m, worst 3m, 1 open (3d);
//     s3-bucket automatic [3m]; cloudtrail manual [2h 5m]; s3-account manual [1d] (out-of-band);
//     all rules: automatic [2m, 3m, 3m, 3m] → median 3m, p90 3m, worst 3m; manual [2h 5m, 1d] → median 13h 2m 30s,
//     p90 1d, worst 1d.
//   trend (non-compliant, compliant): t0 (6, 3), t0+3m (3, 6), t0+2h5m (2, 7), t0+1d (1, 8), t0+2d (2, 7),
//     t0+2d+2m (1, 8).

export const T0 = Date.parse('2026-03-02T09:00:00Z');
export const NOW = new Date(T0 + 3 * 86_400_000);
export const A = '111111111111';
export const B = '222222222222';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const SG_RULE = 'ec2-security-group-no-public-ingress';
export const BUCKET_RULE = 's3-bucket-no-public-access';
export const ACCOUNT_BPA_RULE = 's3-account-public-access-blocked';
export const TRAIL_RULE = 'cloudtrail-multi-region-logging';
/** Never evaluated in the seed: in the catalog, so its controls are "not evaluated". */
export const ROOT_RULE = 'iam-root-access-keys-absent';

/**
 * The rules the seed's history is about: the report's catalog in these tests. Pinned, so that registering a new
 * rule (whose controls would join the catalog) does not change the seed's known answers.
 */
export const SEEDED_RULES: readonly string[] = [
  SG_RULE,
  BUCKET_RULE,
  ACCOUNT_BPA_RULE,
  ROOT_RULE,
  TRAIL_RULE,
];

const at = (offset: number) => new Date(T0 + offset);

function evaluation(
  ruleId: string,
  account: string,
  resourceType: string,
  resourceId: string,
  verdict: ComplianceType,
  offset: number,
  annotation?: string,
): EvaluationInput {
  return {
    ruleId,
    account,
    region: account === A ? 'us-east-1' : 'eu-west-1',
    resourceType,
    resourceId,
    verdict,
    evaluatedAt: at(offset),
    ...(annotation ? { annotation } : {}),
  };
}

const sg = (id: string, verdict: ComplianceType, offset: number, account = A, annotation?: string) =>
  evaluation(SG_RULE, account, 'AWS::EC2::SecurityGroup', id, verdict, offset, annotation);
const bucket = (id: string, verdict: ComplianceType, offset: number, account = A, annotation?: string) =>
  evaluation(BUCKET_RULE, account, 'AWS::S3::Bucket', id, verdict, offset, annotation);
const bpa = (verdict: ComplianceType, offset: number) =>
  evaluation(
    ACCOUNT_BPA_RULE,
    A,
    'AWS::::Account',
    A,
    verdict,
    offset,
    verdict === 'NON_COMPLIANT' ? 'The account has no S3 Block Public Access configuration.' : undefined,
  );
const trail = (verdict: ComplianceType, offset: number) =>
  evaluation(
    TRAIL_RULE,
    A,
    'AWS::::Account',
    A,
    verdict,
    offset,
    verdict === 'NON_COMPLIANT' ? 'Trail main is not logging.' : undefined,
  );

/** A remediation execution as the local runner would return it, with what it remediated. */
export function execution(options: {
  remediationId: string;
  ruleId: string;
  resourceType: string;
  resourceId: string;
  account?: string;
  offset: number;
  durationMs?: number;
  trigger: RemediationTrigger;
  status?: string;
  dryRun?: boolean;
  failureMessage?: string;
}): RemediationInput {
  const start = at(options.offset);
  const end = new Date(start.getTime() + (options.durationMs ?? 4_000));
  const status = options.status ?? 'Success';
  const failed = status !== 'Success';
  return {
    executionId: `local-${options.remediationId}-${options.resourceId}-${options.offset}`,
    documentName: `rebaseline-${options.remediationId}`,
    remediationId: options.remediationId,
    status,
    dryRun: options.dryRun ?? false,
    parameters: {
      ResourceId: options.resourceId,
      AutomationAssumeRole: 'arn:aws:iam::111111111111:role/rebaseline-remediation',
    },
    steps: [
      {
        name: 'ReadCurrentState',
        action: 'aws:executeAwsApi',
        status: 'Success',
        attempts: 1,
        startedAt: start,
        endedAt: start,
      },
      {
        name: 'Apply',
        action: 'aws:executeAwsApi',
        status: failed ? 'Failed' : 'Success',
        attempts: 1,
        startedAt: start,
        endedAt: end,
        ...(failed ? { failureMessage: options.failureMessage } : {}),
      },
      ...(failed
        ? []
        : [
            {
              name: 'Verify',
              action: 'aws:assertAwsResourceProperty',
              status: 'Success',
              attempts: 1,
              startedAt: end,
              endedAt: end,
            },
          ]),
    ],
    ...(options.dryRun
      ? {
          plan: [
            { service: 'ec2', api: 'RevokeSecurityGroupIngress', inputs: { GroupId: options.resourceId } },
          ],
        }
      : {}),
    ...(failed ? { failureMessage: options.failureMessage } : {}),
    startedAt: start,
    endedAt: end,
    ruleId: options.ruleId,
    resourceType: options.resourceType,
    resourceId: options.resourceId,
    account: options.account ?? A,
    region: (options.account ?? A) === A ? 'us-east-1' : 'eu-west-1',
    trigger: options.trigger,
    previousState: {
      removed: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    },
  };
}

/** Writes the history above as the CLI would: one run per scan or remediation pass. */
export function seedHistory(store: HistoryStore): void {
  const scan = (offset: number, rows: EvaluationInput[]) => {
    const runId = store.beginRun({
      kind: 'scan',
      account: A,
      region: 'us-east-1',
      startedAt: at(offset),
      args: ['scan'],
    });
    store.recordEvaluations(runId, rows);
    store.endRun(runId, 'succeeded', undefined, at(offset));
  };
  const remediate = (offset: number, executions: RemediationInput[], rows: EvaluationInput[] = []) => {
    const runId = store.beginRun({
      kind: 'remediate',
      account: A,
      region: 'us-east-1',
      startedAt: at(offset),
      args: ['remediate', '--apply'],
    });
    for (const x of executions) store.recordRemediation(runId, x);
    store.recordEvaluations(runId, rows);
    store.endRun(runId, 'succeeded', undefined, at(offset));
  };
  const sgFix = (
    id: string,
    offset: number,
    trigger: RemediationTrigger,
    extra: Partial<Parameters<typeof execution>[0]> = {},
  ) =>
    execution({
      remediationId: 'revoke-public-ingress',
      ruleId: SG_RULE,
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: id,
      offset,
      trigger,
      ...extra,
    });

  scan(0, [
    sg('sg-ssh', 'NON_COMPLIANT', 0, A, 'tcp 22 is open to 0.0.0.0/0.'),
    sg('sg-rdp', 'NON_COMPLIANT', 0, A, 'tcp 3389 is open to 0.0.0.0/0.'),
    sg('sg-web', 'COMPLIANT', 0),
    sg('sg-mixed', 'NON_COMPLIANT', 0, B, 'tcp 22 is open to 0.0.0.0/0 (10.0.0.0/8 is kept).'),
    bucket('public-acl', 'NON_COMPLIANT', 0, A, 'The bucket ACL grants READ to AllUsers.'),
    bucket('vpce', 'COMPLIANT', 0),
    bucket('logs', 'COMPLIANT', 0, B),
    bpa('NON_COMPLIANT', 0),
    trail('NON_COMPLIANT', 0),
  ]);
  remediate(1 * MIN, [sgFix('sg-mixed', 1 * MIN, 'manual', { account: B, dryRun: true })]);
  remediate(
    2 * MIN,
    [
      sgFix('sg-ssh', 2 * MIN, 'automatic'),
      sgFix('sg-rdp', 2 * MIN, 'automatic'),
      execution({
        remediationId: 'block-s3-bucket-public-access',
        ruleId: BUCKET_RULE,
        resourceType: 'AWS::S3::Bucket',
        resourceId: 'public-acl',
        offset: 2 * MIN,
        trigger: 'automatic',
      }),
      execution({
        remediationId: 'enable-cloudtrail',
        ruleId: TRAIL_RULE,
        resourceType: 'AWS::::Account',
        resourceId: A,
        offset: 2 * MIN,
        trigger: 'automatic',
        status: 'Failed',
        failureMessage: 'AccessDenied: cloudtrail:StartLogging.',
      }),
    ],
    [
      sg('sg-ssh', 'COMPLIANT', 3 * MIN),
      sg('sg-rdp', 'COMPLIANT', 3 * MIN),
      bucket('public-acl', 'COMPLIANT', 3 * MIN),
      trail('NON_COMPLIANT', 3 * MIN),
    ],
  );
  remediate(
    2 * HOUR,
    [
      execution({
        remediationId: 'enable-cloudtrail',
        ruleId: TRAIL_RULE,
        resourceType: 'AWS::::Account',
        resourceId: A,
        offset: 2 * HOUR,
        durationMs: 40_000,
        trigger: 'manual',
      }),
    ],
    [trail('COMPLIANT', 2 * HOUR + 5 * MIN)],
  );
  scan(DAY, [bpa('COMPLIANT', DAY)]);
  scan(2 * DAY, [sg('sg-ssh', 'NON_COMPLIANT', 2 * DAY, A, 'tcp 22 is open to 0.0.0.0/0.')]);
  remediate(
    2 * DAY + MIN,
    [sgFix('sg-ssh', 2 * DAY + MIN, 'automatic')],
    [sg('sg-ssh', 'COMPLIANT', 2 * DAY + 2 * MIN)],
  );
}

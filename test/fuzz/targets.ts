import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GetTrailStatusResponse, Trail } from '@aws-sdk/client-cloudtrail';
import type { SecurityGroup } from '@aws-sdk/client-ec2';
import type { Grant } from '@aws-sdk/client-s3';
import { RULES } from '../../rules';
import { rule as trailRule } from '../../rules/cloudtrail-multi-region-logging/evaluate';
import { rule as sgRule } from '../../rules/ec2-security-group-no-public-ingress/evaluate';
import { rule as rootKeysRule } from '../../rules/iam-root-access-keys-absent/evaluate';
import {
  rule as accountBpaRule,
  evaluate as evaluateAccountBpa,
} from '../../rules/s3-account-public-access-blocked/evaluate';
import { rule as bucketRule } from '../../rules/s3-bucket-no-public-access/evaluate';
import type { BucketReadout, TrailSelectors } from '../../shared/collectors/reader';
import { type EvaluationSnapshot, SnapshotReader } from '../../shared/collectors/snapshot-reader';
import { parseConfigRuleEvent } from '../../shared/config/event';
import { type Evaluation, toEvaluation } from '../../shared/engine';
import { evaluateEvent } from '../../shared/lambda/evaluate-event';
import { accountPublicAccessBlockFromApi } from '../../shared/models/public-access-block';
import { ruleParameters } from '../../shared/params';
import type { AnyRule, Scope } from '../../shared/rule';
import { CORPUS, fixture, fixtureText, recorded } from '../helpers/fixtures';
import { changeEvent, scheduledEvent } from '../helpers/rules';
import type { MutationKind } from './mutate';

/** What one evaluation run gave: the evaluations it would report, and the errors (failures or a throw). */
export interface Outcome {
  evaluations: Evaluation[];
  errors: unknown[];
}

/** A place the fuzzer mutates real data and evaluates it. */
export interface Target {
  name: string;
  /** Real recorded data (or data derived from it, said where), one resource or account per seed. */
  seeds: unknown[];
  run(value: unknown): Promise<Outcome>;
  /**
   * The oracle's list of what the rule reads: a corruption (`retype`, `emptyObject`, `badJson`, or `delete` of a
   * field that is always there) at a path it matches must be refused, never read as a COMPLIANT verdict. Paths are
   * as `pathText` writes them, without `~`.
   */
  reads?: (path: string, kind: MutationKind) => boolean;
  /**
   * Whether the seeds are Config's own data, where objects as JSON text, numbers and booleans as text are
   * legitimate spellings that must give the same verdict (API answers and hand-made tables are not: there such a
   * mutation is only checked for typed errors and well-formed output).
   */
  configSpellings?: boolean;
  /** Paths where `null` is a value AWS writes (`policyText: null` is "no policy"): nulling them is a value change. */
  nullable?: RegExp;
  /**
   * Paths of fields the API leaves out when there is nothing to say (a flow log's `DeliverLogsErrorMessage` when it
   * delivers): removing or nulling one is a value change, not a corruption.
   */
  optional?: RegExp;
}

/** Inside a policy document (the user's own text, not Config's spelling): JSON text there is not an encoding. */
export const POLICY_TEXT = /(policyText|policy)~/;

const SCOPE: Scope = {
  accountId: '123456789012',
  region: 'us-east-1',
  partition: 'aws',
  now: new Date('2026-11-01T00:00:00Z'),
};

/** JSON round trip: the seeds are JSON, as AWS sends them (no `undefined` members). */
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

async function outcomeOf(
  run: () => Promise<{ evaluations: Evaluation[]; failures: unknown[] }>,
): Promise<Outcome> {
  try {
    const { evaluations, failures } = await run();
    return { evaluations, errors: failures };
  } catch (error) {
    return { evaluations: [], errors: [error] };
  }
}

/** Evaluates one configuration item through the adapter's change path, as the Lambda does. */
function changePath(rule: AnyRule, snapshot: EvaluationSnapshot, params: Record<string, string> = {}) {
  return (item: unknown) =>
    outcomeOf(async () => {
      const event = parseConfigRuleEvent(changeEvent(item as Record<string, unknown>, params));
      return evaluateEvent(rule, event, ruleParameters(rule, event.ruleParameters), SCOPE, {
        reader: new SnapshotReader(snapshot, SCOPE.accountId, SCOPE.region),
      });
    });
}

/** Evaluates what a snapshot holds through the adapter's periodic path. */
function periodicPath(rule: AnyRule, params: Record<string, string> = {}) {
  return (snapshot: unknown) =>
    outcomeOf(async () => {
      const event = parseConfigRuleEvent(scheduledEvent(params));
      return evaluateEvent(rule, event, ruleParameters(rule, event.ruleParameters), SCOPE, {
        reader: new SnapshotReader(snapshot as EvaluationSnapshot, SCOPE.accountId, SCOPE.region),
      });
    });
}

/** Placebo writes datetimes as `{__class__: "datetime", …}`; Config writes ISO text. */
function isoTime(t: unknown): unknown {
  if (!t || typeof t !== 'object') return t;
  const d = t as Record<string, number>;
  return new Date(
    Date.UTC(d.year ?? 0, (d.month ?? 1) - 1, d.day, d.hour, d.minute, d.second, (d.microsecond ?? 0) / 1000),
  ).toISOString();
}

/**
 * Configuration items of a resource type from the corpus: whole items, items in recorded API responses, and
 * SelectResourceConfig rows (which hold only the selected columns: their identity is added, derived).
 */
function configurationItems(resourceType: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const dir = join(CORPUS, 'config_items');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const raw = fixture<Record<string, unknown>>(`corpus/config_items/${file}`);
    const data = (raw.data ?? raw) as Record<string, unknown>;
    const items: unknown[] = Array.isArray(data.configurationItems)
      ? data.configurationItems
      : Array.isArray(data.Results)
        ? (data.Results as string[]).map((r) => JSON.parse(r))
        : [data];
    items.forEach((item, i) => {
      const ci = item as Record<string, unknown>;
      const configuration =
        typeof ci.configuration === 'string' ? JSON.parse(ci.configuration) : (ci.configuration ?? {});
      const type = ci.resourceType ?? (configuration.ipPermissions ? 'AWS::EC2::SecurityGroup' : undefined);
      if (type !== resourceType && !(resourceType === 'AWS::S3::Bucket' && configuration.name && !type))
        return;
      out.push({
        resourceType,
        resourceId: configuration.groupId ?? configuration.name ?? `${file}-${i}`,
        awsAccountId: '123456789012',
        awsRegion: 'us-east-1',
        configurationItemStatus: 'OK',
        ...ci,
        configurationItemCaptureTime: isoTime(ci.configurationItemCaptureTime) ?? '2026-10-31T00:00:00.000Z',
      });
    });
  }
  const events = join(CORPUS, 'invoking_events');
  for (const file of readdirSync(events).filter((f) => f.endsWith('.json'))) {
    const raw = fixture<unknown>(`corpus/invoking_events/${file}`);
    for (const e of Array.isArray(raw) ? raw : [raw]) {
      const ev = e as Record<string, unknown>;
      const inv = typeof ev.invokingEvent === 'string' ? JSON.parse(ev.invokingEvent) : ev.invokingEvent;
      const ci = (inv as Record<string, unknown> | undefined)?.configurationItem as
        | Record<string, unknown>
        | undefined;
      if (ci?.resourceType === resourceType) out.push(ci);
    }
  }
  return json(out);
}

// Derived from the RDK sample security group (launch-wizard-7): the cases the corpus lacks, said in the name.
function derivedGroups(): Record<string, unknown>[] {
  const base = fixture<Record<string, unknown>>('corpus/config_items/rdk_AWS_EC2_SecurityGroup.json');
  const perm = (
    ipProtocol: string,
    from: number | null,
    to: number | null,
    v4: string[],
    v6: string[],
    lists: string[] = [],
  ) => ({
    ipProtocol,
    fromPort: from,
    toPort: to,
    userIdGroupPairs: [],
    ipRanges: v4,
    ipv4Ranges: v4.map((cidrIp) => ({ cidrIp })),
    ipv6Ranges: v6.map((cidrIpv6) => ({ cidrIpv6 })),
    prefixListIds: lists.map((prefixListId) => ({ prefixListId })),
  });
  const variants = [
    [perm('tcp', 22, 22, ['0.0.0.0/1'], []), perm('tcp', 22, 22, ['128.0.0.0/1'], [])],
    [perm('tcp', 3389, 3389, [], ['::/0'])],
    [perm('-1', null, null, ['10.0.0.0/8'], ['2001:db8::/32'])],
    [
      perm('tcp', 443, 443, ['0.0.0.0/0'], ['::/0']),
      perm('udp', 53, 53, ['10.0.0.0/8'], [], ['pl-12345678']),
    ],
    [perm('icmp', -1, -1, ['0.0.0.0/0'], []), perm('6', 8080, 8081, ['0.0.0.0/0'], [])],
  ];
  return variants.map((ipPermissions, i) => ({
    ...base,
    resourceId: `sg-derived${i}`,
    configurationItemVersion: '1.3',
    configuration: { ...(base.configuration as object), groupId: `sg-derived${i}`, ipPermissions },
  }));
}

const SG_CI_READS =
  /^configuration(\.ipPermissions(\[\d+\](\.(ipProtocol|fromPort|toPort|ipRanges(\[\d+\])?|ipv4Ranges(\[\d+\](\.cidrIp)?)?|ipv6Ranges(\[\d+\](\.cidrIpv6)?)?|prefixListIds(\[\d+\](\.prefixListId)?)?|userIdGroupPairs(\[\d+\])?))?)?)?$/;
/** Fields every current item has (deleting one must be refused); ports and the legacy list depend on the rest. */
const SG_CI_ALWAYS =
  /^configuration(\.ipPermissions(\[\d+\]\.(ipProtocol|ipv4Ranges|ipv6Ranges|prefixListIds|userIdGroupPairs|ipv4Ranges\[\d+\]\.cidrIp|ipv6Ranges\[\d+\]\.cidrIpv6|prefixListIds\[\d+\]\.prefixListId))?)?$/;

const SG_API_READS =
  /^(GroupId|IpPermissions(\[\d+\](\.(IpProtocol|FromPort|ToPort|IpRanges(\[\d+\](\.CidrIp)?)?|Ipv6Ranges(\[\d+\](\.CidrIpv6)?)?|PrefixListIds(\[\d+\](\.PrefixListId)?)?|UserIdGroupPairs(\[\d+\])?))?)?)$/;
const SG_API_ALWAYS =
  /^(GroupId|IpPermissions(\[\d+\]\.(IpProtocol|IpRanges|Ipv6Ranges|PrefixListIds|UserIdGroupPairs|IpRanges\[\d+\]\.CidrIp|Ipv6Ranges\[\d+\]\.CidrIpv6|PrefixListIds\[\d+\]\.PrefixListId))?)$/;

const POLICY_READS =
  // Conditions and actions are not listed: corrupting an Allow's condition can only unpin it (NON_COMPLIANT, which
  // the flip check covers), a Deny's never matters, and actions only name what a public statement allows.
  '(\\.Statement(\\[\\d+\\](\\.(Effect|Principal(\\.\\w+(\\[\\d+\\])?)?|NotPrincipal(\\.\\w+(\\[\\d+\\])?)?))?)?)?';
const BUCKET_CI_READS = new RegExp(
  `^supplementaryConfiguration(\\.(AccessControlList(\\.(grantList|grantSet)(\\[\\d+\\](\\.(grantee|permission))?)?)?|BucketPolicy(\\.policyText${POLICY_READS})?|PublicAccessBlockConfiguration(\\.\\w+)?))?$`,
);
const BUCKET_CI_ALWAYS =
  /^supplementaryConfiguration(\.(AccessControlList|BucketPolicy|AccessControlList\.grantList\[\d+\]\.(grantee|permission)|BucketPolicy\.policyText\.Statement(\[\d+\]\.Effect)?|PublicAccessBlockConfiguration\.\w+))?$/;
const BUCKET_API_READS = new RegExp(
  `^(name|region|grants(\\[\\d+\\](\\.(Grantee(\\.(Type|URI|ID|EmailAddress))?|Permission))?)?|policy${POLICY_READS}|publicAccessBlock(\\.\\w+)?|objectOwnership)$`,
);
const BUCKET_API_ALWAYS =
  /^(name|region|grants|grants\[\d+\]\.(Grantee|Permission|Grantee\.Type)|policy\.Statement(\[\d+\]\.Effect)?|publicAccessBlock\.\w+)$/;

function readsWith(reads: RegExp, always: RegExp) {
  return (path: string, kind: MutationKind) =>
    kind === 'delete'
      ? always.test(path)
      : ['retype', 'emptyObject', 'badJson'].includes(kind) && reads.test(path);
}

function securityGroupsFromApi(): SecurityGroup[] {
  const dir = join(CORPUS, 'custodian_placebo', 'sg');
  return readdirSync(dir).flatMap(
    (f) => recorded<{ SecurityGroups?: SecurityGroup[] }>(`custodian_placebo/sg/${f}`).SecurityGroups ?? [],
  );
}

const OWNER_GRANT: Grant = {
  Grantee: { Type: 'CanonicalUser', ID: 'e7c8bb65a5fc49cf906715eae09de9e4bb7861a96361ba79b833aa45f6833b15' },
  Permission: 'FULL_CONTROL',
};

/** Bucket readouts built from recorded S3 answers: each recorded ACL, policy and Block Public Access in a bucket. */
function bucketReadouts(): BucketReadout[] {
  const dir = join(CORPUS, 'custodian_placebo', 's3');
  const files = readdirSync(dir);
  const readout = (name: string, more: Partial<BucketReadout>): BucketReadout => ({
    name,
    region: 'us-east-1',
    grants: [OWNER_GRANT],
    policy: null,
    publicAccessBlock: null,
    objectOwnership: undefined,
    tags: {},
    ...more,
  });
  const publicRead: Grant = {
    Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' },
    Permission: 'READ',
  };
  return json(
    files.flatMap((f, i): BucketReadout[] => {
      const data = recorded<Record<string, unknown>>(`custodian_placebo/s3/${f}`);
      if (data.Error) return [];
      if (f.includes('GetBucketAcl')) return [readout(`acl-${i}`, { grants: data.Grants as Grant[] })];
      if (f.includes('GetBucketPolicy') && typeof data.Policy === 'string')
        return [readout(`policy-${i}`, { policy: data.Policy })];
      if (f.includes('GetPublicAccessBlock') && data.PublicAccessBlockConfiguration)
        return [
          readout(`bpa-${i}`, {
            grants: [OWNER_GRANT, publicRead],
            publicAccessBlock: data.PublicAccessBlockConfiguration as BucketReadout['publicAccessBlock'],
          }),
        ];
      return [];
    }),
  );
}

// Derived from the RDK sample bucket: a public policy, and a public ACL neutralised at the bucket level.
function derivedBuckets(): Record<string, unknown>[] {
  const base = fixture<Record<string, unknown>>('corpus/config_items/rdk_AWS_S3_Bucket.json');
  const supplementary = base.supplementaryConfiguration as Record<string, unknown>;
  const publicPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PublicRead',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['s3:GetObject'],
        Resource: 'arn:aws:s3:::b/*',
      },
      {
        Sid: 'HalfTheInternet',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:ListBucket',
        Condition: { IpAddress: { 'aws:SourceIp': ['0.0.0.0/1', '128.0.0.0/1'] } },
      },
    ],
  });
  const vpceOnly = JSON.stringify({
    Statement: [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } },
      },
    ],
  });
  const publicAcl = JSON.stringify({
    grantSet: null,
    grantList: [
      { grantee: 'AllUsers', permission: 'Read' },
      { grantee: 'AuthenticatedUsers', permission: 'Write' },
    ],
  });
  const variants: Record<string, unknown>[] = [
    { BucketPolicy: { policyText: publicPolicy } },
    { BucketPolicy: { policyText: vpceOnly } },
    {
      AccessControlList: publicAcl,
      PublicAccessBlockConfiguration: {
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: false,
        restrictPublicBuckets: false,
      },
    },
    { AccessControlList: publicAcl },
  ];
  return variants.map((v, i) => ({
    ...base,
    resourceId: `derived-${i}`,
    resourceName: `derived-${i}`,
    configuration: { ...(base.configuration as object), name: `derived-${i}` },
    supplementaryConfiguration: { ...supplementary, ...v },
  }));
}

const CT = 'custodian_placebo/cloudtrail';
/** One snapshot per recorded DescribeTrails answer, with its test's recorded status and selectors where there are. */
function trailSnapshots(): EvaluationSnapshot[] {
  const files = readdirSync(join(CORPUS, 'custodian_placebo', 'cloudtrail'));
  const defaults: TrailSelectors = {
    EventSelectors: [
      {
        ReadWriteType: 'All',
        IncludeManagementEvents: true,
        DataResources: [],
        ExcludeManagementEventSources: [],
      },
    ],
  };
  return json(
    files
      .filter((f) => f.includes('DescribeTrails'))
      .map((f) => {
        const test = f.split('__')[0] as string;
        const trails = recorded<{ trailList: Trail[] }>(`${CT}/${f}`).trailList ?? [];
        const statusFile = files.find((g) => g.startsWith(`${test}__`) && g.includes('GetTrailStatus'));
        const status = statusFile
          ? recorded<GetTrailStatusResponse>(`${CT}/${statusFile}`)
          : { IsLogging: true };
        const selectors = files
          .filter((g) => g.startsWith(`${test}__`) && g.includes('GetEventSelectors'))
          .map((g) => recorded<TrailSelectors & { TrailARN?: string }>(`${CT}/${g}`));
        const trailStatus: Record<string, GetTrailStatusResponse> = {};
        const eventSelectors: Record<string, TrailSelectors> = {};
        for (const t of trails) {
          const key = t.TrailARN ?? (t.Name as string);
          trailStatus[key] = { IsLogging: (status as GetTrailStatusResponse).IsLogging };
          const own = selectors.find((s) => s.TrailARN === t.TrailARN);
          eventSelectors[key] = own
            ? { EventSelectors: own.EventSelectors, AdvancedEventSelectors: own.AdvancedEventSelectors }
            : defaults;
        }
        return { trails, trailStatus, eventSelectors };
      }),
  );
}

/** Credential reports as a table (header, rows), so that mutations work on cells; derived: one with an active root key. */
function credentialReports(): { header: string[]; rows: string[][] }[] {
  const dir = join(CORPUS, 'credential_reports');
  const tables = readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .map((f) => {
      const [header, ...rows] = fixtureText(`corpus/credential_reports/${f}`)
        .trim()
        .split('\n')
        .map((l) => l.split(','));
      return { header: header as string[], rows };
    });
  const first = tables[0] as { header: string[]; rows: string[][] };
  const active = first.header.indexOf('access_key_1_active');
  const rotated = first.header.indexOf('access_key_1_last_rotated');
  const rows = first.rows.map((r) =>
    r[0] === '<root_account>'
      ? r.map((c, i) => (i === active ? 'true' : i === rotated ? '2015-07-04T15:09:00+00:00' : c))
      : r,
  );
  return [...tables, { header: first.header, rows }];
}

/** The rule targets: every evaluator and model builder, through the adapter's change and periodic paths. */
export function ruleTargets(): Target[] {
  return [
    {
      name: 'security group, configuration item (change path)',
      configSpellings: true,
      seeds: [...configurationItems('AWS::EC2::SecurityGroup'), ...derivedGroups()],
      run: changePath(sgRule, { prefixLists: { 'pl-12345678': ['10.0.0.0/8'] } }),
      nullable: /^configuration\.ipPermissions\[\d+\]\.(fromPort|toPort)$/,
      reads: readsWith(SG_CI_READS, SG_CI_ALWAYS),
    },
    {
      name: 'security group, DescribeSecurityGroups (periodic path)',
      seeds: json(securityGroupsFromApi()),
      run: (sg) => {
        const lists = new Set(
          JSON.stringify(sg)
            .match(/pl-[0-9a-f]+/g)
            ?.values() ?? [],
        );
        return periodicPath(sgRule)({
          securityGroups: [sg],
          prefixLists: Object.fromEntries([...lists].map((id) => [id, ['10.0.0.0/8']])),
        });
      },
      reads: readsWith(SG_API_READS, SG_API_ALWAYS),
    },
    {
      name: 'bucket, configuration item (change path)',
      configSpellings: true,
      seeds: [...configurationItems('AWS::S3::Bucket'), ...derivedBuckets()],
      run: changePath(bucketRule, { accountPublicAccessBlock: null }),
      nullable:
        /^supplementaryConfiguration\.(BucketPolicy\.policyText|PublicAccessBlockConfiguration|AccessControlList\.grantSet|AccessControlList\.grantList)$/,
      reads: readsWith(BUCKET_CI_READS, BUCKET_CI_ALWAYS),
    },
    {
      name: 'bucket, S3 API readout (periodic path)',
      seeds: bucketReadouts(),
      run: (readout) =>
        periodicPath(bucketRule)({ buckets: [readout as BucketReadout], accountPublicAccessBlock: null }),
      nullable: /^(policy|publicAccessBlock|objectOwnership)$/,
      reads: readsWith(BUCKET_API_READS, BUCKET_API_ALWAYS),
    },
    {
      name: 'account Block Public Access, configuration item (change path)',
      configSpellings: true,
      seeds: json([
        fixture('corpus/config_items/rdk_AWS_S3_AccountPublicAccessBlock.json'),
        {
          ...fixture<Record<string, unknown>>('corpus/config_items/rdk_AWS_S3_AccountPublicAccessBlock.json'),
          configuration: {
            blockPublicAcls: true,
            ignorePublicAcls: false,
            blockPublicPolicy: true,
            restrictPublicBuckets: false,
          },
        },
      ]),
      run: changePath(accountBpaRule, {}),
      reads: readsWith(/^configuration(\.\w+)?$/, /^configuration(\.\w+)?$/),
    },
    {
      name: 'account Block Public Access, S3 Control API (model)',
      seeds: json(
        readdirSync(join(CORPUS, 'custodian_placebo', 's3'))
          .filter((f) => f.includes('GetPublicAccessBlock'))
          .map(
            (f) =>
              recorded<Record<string, unknown>>(`custodian_placebo/s3/${f}`).PublicAccessBlockConfiguration,
          )
          .filter(Boolean),
      ),
      run: (config) =>
        outcomeOf(async () => {
          const model = accountPublicAccessBlockFromApi(config as never, SCOPE.accountId);
          return {
            evaluations: [
              toEvaluation(
                model,
                evaluateAccountBpa(model, ruleParameters(accountBpaRule, {}) as never),
                SCOPE.now,
              ),
            ],
            failures: [],
          };
        }),
      reads: readsWith(/^\w+$/, /^\w+$/),
    },
    {
      name: 'CloudTrail, DescribeTrails + GetTrailStatus + GetEventSelectors (periodic path)',
      seeds: trailSnapshots(),
      run: periodicPath(trailRule),
      reads: readsWith(
        /^(trails\[\d+\]\.(Name|IsMultiRegionTrail|LogFileValidationEnabled|IsOrganizationTrail|KmsKeyId|CloudWatchLogsLogGroupArn|S3BucketName|TrailARN|HomeRegion)|trailStatus\.[^.]+\.IsLogging|eventSelectors\.[^.]+\.(EventSelectors|AdvancedEventSelectors)(\[\d+\](\.(IncludeManagementEvents|ReadWriteType|ExcludeManagementEventSources(\[\d+\])?|FieldSelectors(\[\d+\](\.\w+(\[\d+\])?)?)?))?)?)$/,
        /^(trails\[\d+\]\.Name|trailStatus\.[^.]+\.IsLogging|eventSelectors\.[^.]+\.(EventSelectors|AdvancedEventSelectors)\[\d+\]\.(IncludeManagementEvents|ReadWriteType|FieldSelectors|FieldSelectors\[\d+\]\.Field))$/,
      ),
    },
    {
      name: 'root access keys, credential report (periodic path)',
      seeds: credentialReports(),
      run: (table) => {
        const t = table as { header?: unknown; rows?: unknown };
        // A cell that is no longer text is written as what it is (`~false`), never as text that reads as valid.
        const cell = (c: unknown) => (typeof c === 'string' ? c : `~${JSON.stringify(c)}`);
        const line = (r: unknown) => (Array.isArray(r) ? r.map(cell).join(',') : cell(r));
        const csv = [line(t.header), ...(Array.isArray(t.rows) ? t.rows : []).map(line)].join('\n');
        return periodicPath(rootKeysRule)({ credentialReport: csv });
      },
    },
    ...registryTargets(),
  ];
}

/** The rules the targets above fuzz with their own seeds and oracle. */
const HAND_WRITTEN = new Set([
  'ec2-security-group-no-public-ingress',
  's3-bucket-no-public-access',
  's3-account-public-access-blocked',
  'cloudtrail-multi-region-logging',
  'iam-root-access-keys-absent',
]);

/** Fields of the registry rules' recorded answers that the API leaves out when there is nothing to say. */
const OPTIONAL_FIELDS: Readonly<Record<string, RegExp>> = {
  // DescribeFlowLogs writes DeliverLogsErrorMessage only for a flow log that cannot deliver.
  'vpc-flow-logs-enabled': /^flowLogs\[\d+\]\.DeliverLogsErrorMessage$/,
};

/**
 * A target for every other registered rule, derived from the registry: its periodic path over the evaluation
 * contexts of its fixtures (`test/rules/<id>/fixtures/*.snapshot.json`, recorded data). The oracle checks typed
 * errors and well-formed output for each mutation.
 */
function registryTargets(): Target[] {
  return RULES.filter((rule) => !HAND_WRITTEN.has(rule.meta.id) && rule.collect).flatMap((rule) => {
    const dir = join(__dirname, '..', 'rules', rule.meta.id, 'fixtures');
    const seeds = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.snapshot.json'))
          .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown)
      : [];
    return seeds.length
      ? [
          {
            name: `${rule.meta.id} (periodic path, from the registry)`,
            seeds,
            run: periodicPath(rule),
            optional: OPTIONAL_FIELDS[rule.meta.id],
          },
        ]
      : [];
  });
}

/** Lambda events of the corpus (the documented and captured ones), for the event parser. */
export function corpusEvents(): unknown[] {
  const dir = join(CORPUS, 'invoking_events');
  return json(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => {
        const raw = fixture<unknown>(`corpus/invoking_events/${f}`);
        return (Array.isArray(raw) ? raw : [raw]).filter(
          (e) => e && typeof e === 'object' && 'invokingEvent' in (e as object),
        );
      }),
  );
}

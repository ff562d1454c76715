import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdvancedEventSelector, EventSelector, Trail } from '@aws-sdk/client-cloudtrail';
import type { FlowLog, Vpc } from '@aws-sdk/client-ec2';
import type { TrailSelectors } from '../shared/collectors/reader';
import type { EvaluationSnapshot } from '../shared/collectors/snapshot-reader';

/**
 * Seeded generators of realistic, varied inputs for every rule, so the throughput figures are reproducible and
 * exercise every branch the evaluators have: configuration items in Config's camelCase form (as the invoking
 * event carries them) for the change-triggered rules, and evaluation contexts (the CLI's `--context` shape:
 * credential reports, trail sets) for the periodic account-level rules.
 */

/** Evaluation time of every benchmark run: ages of keys and dates in the generated data are relative to it. */
export const BENCH_NOW = new Date('2026-06-01T00:00:00.000Z');
export const BENCH_REGION = 'us-east-1';
export const BENCH_ACCOUNT = '111122223333';

/**
 * mulberry32: a tiny, fast, well-distributed 32-bit PRNG; the same seed always gives the same sequence.
 * @example
 * const next = mulberry32(42); next(); // → 0.6011… (always)
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Convenience draws on top of a PRNG. */
export class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)] as T;
  }

  /** One of `choices`, each drawn with its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [value, w] of choices) {
      r -= w;
      if (r < 0) return value;
    }
    return (choices.at(-1) as readonly [T, number])[0];
  }

  hex(length: number): string {
    let out = '';
    // Eight hex digits per draw: a 32-bit value is exactly what one step of the generator yields.
    while (out.length < length)
      out += Math.floor(this.next() * 4294967296)
        .toString(16)
        .padStart(8, '0');
    return out.slice(0, length);
  }

  digits(length: number): string {
    let out = String(this.int(1, 9));
    for (let i = 1; i < length; i++) out += String(this.int(0, 9));
    return out;
  }

  /** A count in [0, max] skewed towards small values (most resources are small, a few are large). */
  skewed(max: number, power = 2.5): number {
    return Math.min(max, Math.floor(this.next() ** power * (max + 1)));
  }
}

type Json = Record<string, unknown>;

/** The accounts the generated resources belong to (items of an organization-wide aggregator mix accounts). */
const ACCOUNTS = Array.from({ length: 16 }, (_, i) => String(111122220000 + i * 7919).padStart(12, '0'));
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-west-2'];

function isoDaysBefore(days: number): string {
  return new Date(BENCH_NOW.getTime() - days * 86_400_000).toISOString();
}

/** The configuration item envelope around a resource's configuration, as Config writes it in an invoking event. */
function envelope(
  rng: Rng,
  resourceType: string,
  resourceId: string,
  resourceName: string | null,
  arn: string,
  configuration: Json,
  supplementaryConfiguration: Json,
  extra: { accountId?: string; region?: string; tags?: Record<string, string>; relationships?: Json[] } = {},
): Json {
  const captureDays = rng.int(0, 400);
  return {
    relatedEvents: [],
    relationships: extra.relationships ?? [],
    configuration,
    supplementaryConfiguration,
    tags: extra.tags ?? {},
    configurationItemVersion: '1.3',
    configurationItemCaptureTime: isoDaysBefore(captureDays),
    configurationStateId: 1_600_000_000_000 + rng.int(0, 99_999_999),
    awsAccountId: extra.accountId ?? rng.pick(ACCOUNTS),
    configurationItemStatus: rng.weighted([
      ['OK', 85],
      ['ResourceDiscovered', 15],
    ] as const),
    resourceType,
    resourceId,
    resourceName,
    ARN: arn,
    awsRegion: extra.region ?? BENCH_REGION,
    availabilityZone: resourceType === 'AWS::S3::Bucket' ? 'Regional' : 'Not Applicable',
    configurationStateMd5Hash: '',
    resourceCreationTime: isoDaysBefore(captureDays + rng.int(0, 2000)),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Security groups
// ---------------------------------------------------------------------------------------------------------------

/** Prefix lists the generated groups reference; the first two contain a world CIDR (an AWS-managed "any" list). */
export const BENCH_PREFIX_LISTS: Record<string, string[]> = {
  'pl-0000000000000world': ['0.0.0.0/0'],
  'pl-00000000000world6': ['::/0', '2001:db8::/32'],
  'pl-63a5400a': ['52.94.0.0/22', '54.231.0.0/16', '3.5.0.0/19'],
  'pl-02cd2c6b': ['52.119.160.0/20', '3.218.0.0/15'],
  'pl-0a1b2c3d4e5f60718': ['10.0.0.0/8', '172.16.0.0/12'],
};

const COMMON_PORTS = [22, 80, 443, 3389, 3306, 5432, 6379, 8080, 8443, 9200, 27017, 53, 25, 21, 1433, 5601];
const PORT_RANGES: readonly (readonly [number, number])[] = [
  [0, 65535],
  [1024, 65535],
  [8000, 8100],
  [30000, 32767],
  [80, 443],
  [5000, 5010],
];
const WORLD_V6 = ['::/0', '0::/0', '0:0:0:0:0:0:0:0/0'];

/** A port as Config's items carry it: a number, a numeric string, or a float written by another tool. */
function portValue(rng: Rng, port: number): unknown {
  return rng.weighted<unknown>([
    [port, 80],
    [String(port), 12],
    [`${port}.0`, 8],
  ]);
}

function privateV4(rng: Rng): string {
  return rng.weighted<() => string>([
    [() => '10.0.0.0/8', 10],
    [() => '172.16.0.0/12', 5],
    [() => `10.${rng.int(0, 255)}.0.0/16`, 20],
    [() => `192.168.${rng.int(0, 255)}.0/24`, 15],
    [() => `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}/32`, 40],
    [() => `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.0/24`, 10],
  ])();
}

function privateV6(rng: Rng): string {
  return rng.pick<() => string>([
    () => '2001:db8::/32',
    () => `2600:1f18:${rng.hex(4)}::/56`,
    () => `fd00:${rng.hex(4)}::/64`,
  ])();
}

function generatePermission(rng: Rng, accountId: string, legacy: boolean): Json {
  const protocol = rng.weighted<string>([
    ['tcp', 55],
    ['6', 6],
    ['udp', 8],
    ['17', 2],
    ['icmp', 6],
    ['1', 2],
    ['icmpv6', 2],
    ['58', 1],
    ['-1', 14],
    ['47', 1],
    ['50', 1],
  ]);
  const permission: Json = { ipProtocol: protocol };
  if (['tcp', '6', 'udp', '17'].includes(protocol)) {
    const shape = rng.weighted([
      ['single', 70],
      ['range', 22],
      // EC2 always writes the ports of a tcp/udp permission (an item without them is refused, docs/fail-closed.md).
      ['minusOne', 8],
    ] as const);
    if (shape === 'single') {
      const port = rng.pick(COMMON_PORTS);
      permission.fromPort = portValue(rng, port);
      permission.toPort = portValue(rng, port);
    } else if (shape === 'range') {
      const [lo, hi] = rng.pick(PORT_RANGES);
      permission.fromPort = portValue(rng, lo);
      permission.toPort = portValue(rng, hi);
    } else if (shape === 'minusOne') {
      permission.fromPort = -1;
      permission.toPort = -1;
    }
  } else if (['icmp', '1', 'icmpv6', '58'].includes(protocol)) {
    const [type, code] = rng.pick([
      [-1, -1],
      [8, 0],
      [3, 4],
      [0, -1],
    ] as const);
    permission.fromPort = type;
    permission.toPort = code;
  } else if (protocol === '-1' && rng.chance(0.2)) {
    permission.fromPort = -1;
    permission.toPort = -1;
  }

  const source = rng.weighted([
    ['worldV4', 16],
    ['worldV6', 5],
    ['worldBoth', 5],
    ['worldAndPrivate', 5],
    ['private', 32],
    ['group', 22],
    ['prefixList', 8],
    ['mixed', 7],
  ] as const);
  const v4: string[] = [];
  const v6: string[] = [];
  const prefixLists: string[] = [];
  const groups: Json[] = [];
  const addGroups = (count: number) => {
    for (let i = 0; i < count; i++)
      groups.push({
        groupId: `sg-${rng.hex(17)}`,
        userId: rng.chance(0.9) ? accountId : rng.pick(ACCOUNTS),
        ...(rng.chance(0.3) ? { vpcId: `vpc-${rng.hex(17)}` } : {}),
      });
  };
  switch (source) {
    case 'worldV4':
      v4.push('0.0.0.0/0');
      break;
    case 'worldV6':
      v6.push(rng.pick(WORLD_V6));
      break;
    case 'worldBoth':
      v4.push('0.0.0.0/0');
      v6.push(rng.pick(WORLD_V6));
      break;
    case 'worldAndPrivate':
      v4.push(privateV4(rng), '0.0.0.0/0');
      break;
    case 'private':
      for (let i = rng.int(1, 4); i > 0; i--) v4.push(privateV4(rng));
      if (rng.chance(0.15)) v6.push(privateV6(rng));
      break;
    case 'group':
      addGroups(rng.int(1, 3));
      break;
    case 'prefixList':
      prefixLists.push(rng.pick(Object.keys(BENCH_PREFIX_LISTS)));
      break;
    case 'mixed':
      v4.push(privateV4(rng));
      addGroups(1);
      prefixLists.push(rng.pick(Object.keys(BENCH_PREFIX_LISTS)));
      if (rng.chance(0.3)) v6.push(rng.chance(0.5) ? privateV6(rng) : '::/0');
      break;
  }
  // Items recorded before 2017 carry only the legacy `ipRanges` list of strings; newer ones carry both.
  if (legacy) permission.ipRanges = [...v4];
  else {
    permission.ipv4Ranges = v4.map((cidrIp) =>
      rng.chance(0.3) ? { cidrIp, description: rng.pick(['office', 'vpn', 'partner', 'ALB']) } : { cidrIp },
    );
    permission.ipRanges = [...v4];
    permission.ipv6Ranges = v6.map((cidrIpv6) => ({ cidrIpv6 }));
  }
  permission.prefixListIds = prefixLists.map((prefixListId) => ({ prefixListId }));
  permission.userIdGroupPairs = groups;
  return permission;
}

/**
 * A security group configuration item: 0–60 ingress permissions (most groups have a few, a long tail has many; 7.9
 * on average, 3.6 KB of JSON with the relationships to the interfaces and instances using it), protocols as names
 * and numbers, ports as numbers / strings / floats, world and private IPv4 and IPv6 sources in
 * every spelling, prefix lists, group references, and legacy `ipRanges`-only items.
 * @example
 * securityGroupItem(new Rng(1), 0).configuration.ipPermissions.length // → 0…60
 */
export function securityGroupItem(rng: Rng, index: number): Json {
  const accountId = rng.pick(ACCOUNTS);
  const groupId = `sg-${rng.hex(17)}`;
  const vpcId = `vpc-${rng.hex(17)}`;
  const legacy = rng.chance(0.08);
  // 7.9 permissions on average, as the item set the issue measured the Python rule on (#12).
  const count = rng.chance(0.06) ? 0 : rng.chance(0.03) ? rng.int(30, 60) : 1 + rng.skewed(18, 1.8);
  const ipPermissions = Array.from({ length: count }, () => generatePermission(rng, accountId, legacy));
  const groupName = rng.chance(0.1)
    ? 'default'
    : `${rng.pick(['web', 'db', 'bastion', 'app', 'lb'])}-${index}`;
  const egress = rng.chance(0.9)
    ? [
        {
          ipProtocol: '-1',
          ipv4Ranges: legacy ? undefined : [{ cidrIp: '0.0.0.0/0' }],
          ipRanges: ['0.0.0.0/0'],
          ipv6Ranges: legacy ? undefined : [],
          prefixListIds: [],
          userIdGroupPairs: [],
        },
      ]
    : [];
  const tags: Record<string, string> = rng.chance(0.4)
    ? { Name: groupName, team: rng.pick(['payments', 'search', 'platform']) }
    : {};
  const item = envelope(
    rng,
    'AWS::EC2::SecurityGroup',
    groupId,
    groupName,
    `arn:aws:ec2:${BENCH_REGION}:${accountId}:security-group/${groupId}`,
    {
      ownerId: accountId,
      groupName,
      groupId,
      description: `${groupName} created by the benchmark generator`,
      ipPermissions,
      ipPermissionsEgress: egress,
      vpcId,
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    },
    {},
    {
      accountId,
      tags,
      relationships: [
        { resourceType: 'AWS::EC2::VPC', resourceId: vpcId, relationshipName: 'Is contained in Vpc' },
        // Config relates a group to every network interface and instance using it.
        ...Array.from({ length: rng.skewed(14, 1.6) }, () =>
          rng.chance(0.7)
            ? {
                resourceType: 'AWS::EC2::NetworkInterface',
                resourceId: `eni-${rng.hex(17)}`,
                relationshipName: 'Is associated with NetworkInterface',
              }
            : {
                resourceType: 'AWS::EC2::Instance',
                resourceId: `i-${rng.hex(17)}`,
                relationshipName: 'Is associated with Instance',
              },
        ),
      ],
    },
  );
  // Items from before IPv6 (only `ipRanges`) are of version 1.2: a 1.3 item always has the current lists.
  if (legacy) item.configurationItemVersion = '1.2';
  return item;
}

// ---------------------------------------------------------------------------------------------------------------
// Buckets
// ---------------------------------------------------------------------------------------------------------------

const ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:ListBucket',
  's3:*',
  's3:GetObjectVersion',
  's3:DeleteObject',
];

/** Conditions that pin an Allow-to-* statement (restricting keys with fixed values). */
function pinningCondition(rng: Rng): Json {
  return rng.weighted<() => Json>([
    [() => ({ StringEquals: { 'aws:SourceVpce': `vpce-${rng.hex(8)}` } }), 20],
    [() => ({ StringEquals: { 'aws:SourceVpc': `vpc-${rng.hex(8)}` } }), 8],
    [() => ({ IpAddress: { 'aws:SourceIp': [privateV4(rng), privateV4(rng)] } }), 15],
    [() => ({ StringEquals: { 'aws:PrincipalOrgID': `o-${rng.hex(10)}` } }), 15],
    [() => ({ StringEquals: { 'aws:SourceAccount': rng.pick(ACCOUNTS) } }), 8],
    [
      () => ({
        ArnEquals: { 'aws:SourceArn': `arn:aws:cloudtrail:${BENCH_REGION}:${rng.pick(ACCOUNTS)}:trail/t` },
      }),
      8,
    ],
    [
      () => ({
        'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`o-${rng.hex(10)}/r-ab12/ou-ab12-11111111/`] },
      }),
      4,
    ],
    [() => ({ StringEquals: { 'AWS:SourceVpce': `vpce-${rng.hex(8)}` } }), 4],
    [() => ({ StringEquals: { 's3:DataAccessPointAccount': rng.pick(ACCOUNTS) } }), 3],
  ])();
}

/** Conditions that look restrictive but are not (wildcards, /0, negated or IfExists operators, other keys). */
function nonPinningCondition(rng: Rng): Json {
  return rng.weighted<() => Json>([
    [() => ({ Bool: { 'aws:SecureTransport': 'false' } }), 20],
    [() => ({ StringLike: { 'aws:Referer': [`https://www.example${rng.int(1, 99)}.com/*`] } }), 15],
    [() => ({ StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } }), 10],
    [() => ({ NumericLessThan: { 's3:TlsVersion': '1.2' } }), 5],
    [() => ({ Null: { 's3:x-amz-server-side-encryption': 'true' } }), 5],
    [() => ({ IpAddress: { 'aws:SourceIp': ['0.0.0.0/0'] } }), 6],
    [() => ({ StringLike: { 'aws:SourceArn': 'arn:aws:*' } }), 6],
    [() => ({ StringNotEquals: { 'aws:SourceVpce': `vpce-${rng.hex(8)}` } }), 8],
    [() => ({ StringEqualsIfExists: { 'aws:SourceVpc': `vpc-${rng.hex(8)}` } }), 5],
    [() => ({ NotIpAddress: { 'aws:SourceIp': privateV4(rng) } }), 5],
    [() => ({ StringEquals: { 'aws:PrincipalOrgID': [] } }), 2],
  ])();
}

function principal(rng: Rng): ['Principal' | 'NotPrincipal', unknown] {
  const arn = () => `arn:aws:iam::${rng.pick(ACCOUNTS)}:${rng.pick(['root', 'role/reader', 'user/ci'])}`;
  return rng.weighted<() => ['Principal' | 'NotPrincipal', unknown]>([
    [() => ['Principal', '*'], 28],
    [() => ['Principal', { AWS: '*' }], 10],
    [() => ['Principal', { AWS: [arn(), '*'] }], 3],
    [() => ['Principal', { AWS: arn() }], 30],
    [() => ['Principal', { AWS: [arn(), arn()] }], 10],
    [
      () => ['Principal', { Service: rng.pick(['cloudtrail.amazonaws.com', 'logging.s3.amazonaws.com']) }],
      10,
    ],
    [() => ['Principal', { CanonicalUser: rng.hex(64) }], 4],
    [() => ['NotPrincipal', { AWS: arn() }], 3],
  ])();
}

function policyStatement(rng: Rng, bucket: string, index: number): Json {
  const [principalKey, principalValue] = principal(rng);
  const actions = rng.chance(0.5) ? rng.pick(ACTIONS) : [rng.pick(ACTIONS), rng.pick(ACTIONS)];
  const resource = rng.chance(0.5)
    ? `arn:aws:s3:::${bucket}/*`
    : [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];
  const statement: Json = {
    ...(rng.chance(0.8) ? { Sid: `Stmt${index}${rng.hex(4)}` } : {}),
    Effect: rng.weighted([
      ['Allow', 72],
      ['Deny', 25],
      ['allow', 3],
    ] as const),
    [principalKey]: principalValue,
    [rng.chance(0.05) ? 'NotAction' : 'Action']: actions,
    Resource: resource,
  };
  const conditions = rng.weighted([
    ['none', 45],
    ['pinning', 25],
    ['nonPinning', 20],
    ['both', 10],
  ] as const);
  if (conditions === 'pinning') statement.Condition = pinningCondition(rng);
  else if (conditions === 'nonPinning') statement.Condition = nonPinningCondition(rng);
  else if (conditions === 'both')
    statement.Condition = { ...nonPinningCondition(rng), ...pinningCondition(rng) };
  return statement;
}

/** A bucket policy of 1–20 statements, as the JSON text S3 stores. */
export function bucketPolicyText(rng: Rng, bucket: string): string {
  const count = 1 + rng.skewed(19, 2.5);
  return JSON.stringify({
    Version: '2012-10-17',
    ...(rng.chance(0.5) ? { Id: `Policy${rng.digits(13)}` } : {}),
    Statement: Array.from({ length: count }, (_, i) => policyStatement(rng, bucket, i)),
  });
}

function grant(rng: Rng, owner: string): Json[] {
  const kind = rng.weighted([
    ['allUsersRead', 8],
    ['allUsersWrite', 1],
    ['authenticatedRead', 3],
    ['logDelivery', 10],
    ['canonical', 10],
    ['v1Uri', 2],
    ['none', 66],
  ] as const);
  switch (kind) {
    case 'allUsersRead':
      return [{ grantee: 'AllUsers', permission: rng.pick(['Read', 'ReadAcp']) }];
    case 'allUsersWrite':
      return [{ grantee: 'AllUsers', permission: 'Write' }];
    case 'authenticatedRead':
      return [{ grantee: 'AuthenticatedUsers', permission: 'Read' }];
    case 'logDelivery':
      return [
        { grantee: 'LogDelivery', permission: 'Write' },
        { grantee: 'LogDelivery', permission: 'ReadAcp' },
      ];
    case 'canonical':
      return [
        { grantee: { id: rng.chance(0.2) ? owner : rng.hex(64), displayName: null }, permission: 'Read' },
      ];
    case 'v1Uri':
      return [
        {
          grantee: { identifier: 'http://acs.amazonaws.com/groups/global/AllUsers', typeIdentifier: 'uri' },
          permission: 'Read',
        },
      ];
    default:
      return [];
  }
}

/** Block Public Access flags in one of the shapes a configuration item may carry them. */
function bpaFlags(rng: Rng, pTrue: number): unknown {
  const flags: Json = {};
  // Config always writes the four flags (a configuration without one is refused, docs/fail-closed.md).
  for (const flag of ['blockPublicAcls', 'ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets'])
    flags[flag] = rng.chance(pTrue);
  return rng.chance(0.2) ? JSON.stringify(flags) : flags;
}

/**
 * A bucket configuration item: an ACL (Config's JSON string, a string encoded twice, or an object) with owner,
 * AllUsers / AuthenticatedUsers / LogDelivery / canonical grants; a policy of 1–20 statements with restricting
 * and non-restricting conditions (or none); bucket-level Block Public Access in any combination; sometimes
 * `BucketOwnerEnforced`.
 */
export function bucketItem(rng: Rng, index: number): Json {
  const accountId = rng.pick(ACCOUNTS);
  const name = `${rng.pick(['logs', 'assets', 'backup', 'data', 'www', 'tmp'])}-${index}-${rng.hex(6)}`;
  const owner = rng.hex(64);
  const grants: Json[] = [{ grantee: { id: owner, displayName: null }, permission: 'FullControl' }];
  for (let i = rng.int(0, 3); i > 0; i--) grants.push(...grant(rng, owner));
  const acl = {
    grantSet: null,
    grantList: grants,
    owner: { displayName: null, id: owner },
    isRequesterCharged: false,
  };
  const aclForm = rng.weighted([
    ['string', 70],
    ['twice', 10],
    ['object', 20],
  ] as const);
  const supplementary: Json = {
    AccessControlList:
      aclForm === 'object'
        ? acl
        : aclForm === 'string'
          ? JSON.stringify(acl)
          : JSON.stringify(JSON.stringify(acl)),
    BucketAccelerateConfiguration: { status: null },
    BucketLoggingConfiguration: { destinationBucketName: null, logFilePrefix: null },
    BucketNotificationConfiguration: { configurations: {} },
    BucketPolicy: { policyText: rng.chance(0.6) ? bucketPolicyText(rng, name) : null },
    BucketVersioningConfiguration: {
      status: rng.pick(['Off', 'Enabled', 'Suspended']),
      isMfaDeleteEnabled: null,
    },
    IsRequesterPaysEnabled: false,
  };
  if (rng.chance(0.6)) supplementary.PublicAccessBlockConfiguration = bpaFlags(rng, 0.7);
  // Config's documented schema has no ownership field; the model also reads this plausible spelling.
  if (rng.chance(0.1))
    supplementary.BucketOwnershipControls = { rules: [{ objectOwnership: 'BucketOwnerEnforced' }] };
  if (rng.chance(0.2))
    supplementary.BucketTaggingConfiguration = { tagSets: [{ tags: { team: rng.pick(['web', 'data']) } }] };
  return envelope(
    rng,
    'AWS::S3::Bucket',
    name,
    name,
    `arn:aws:s3:::${name}`,
    { name, owner: { displayName: null, id: owner }, creationDate: isoDaysBefore(rng.int(1, 3000)) },
    supplementary,
    { accountId, region: BENCH_REGION },
  );
}

/** An `AWS::S3::AccountPublicAccessBlock` configuration item with any combination of the four flags. */
export function accountPublicAccessBlockItem(rng: Rng): Json {
  const accountId = rng.pick(ACCOUNTS);
  const flags = bpaFlags(rng, 0.75);
  return envelope(
    rng,
    'AWS::S3::AccountPublicAccessBlock',
    accountId,
    null,
    `arn:aws:s3::${accountId}:account`,
    typeof flags === 'string' ? (JSON.parse(flags) as Json) : (flags as Json),
    {},
    { accountId, region: rng.pick(REGIONS) },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Account-level rules: credential reports and trail sets (evaluation contexts)
// ---------------------------------------------------------------------------------------------------------------

const REPORT_HEADER = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
].join(',');

/** The eight `access_key_<n>_*` … columns of one key: absent, inactive but present, or active (used or not). */
function keyColumns(rng: Rng, state: 'none' | 'inactive' | 'active'): string[] {
  if (state === 'none') return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  const rotated = isoDaysBefore(rng.int(1, 2500)).replace('.000Z', '+00:00');
  const used = rng.chance(0.75);
  const active = state === 'active' ? rng.pick(['true', 'true', 'TRUE']) : 'false';
  return used
    ? [active, rotated, isoDaysBefore(rng.int(0, 700)).replace('.000Z', '+00:00'), rng.pick(REGIONS), 'iam']
    : [active, rotated, 'N/A', 'N/A', 'N/A'];
}

function reportRow(
  rng: Rng,
  user: string,
  arn: string,
  keys: ['none' | 'inactive' | 'active', 'none' | 'inactive' | 'active'],
) {
  const created = isoDaysBefore(rng.int(30, 3000)).replace('.000Z', '+00:00');
  const root = user === '<root_account>';
  return [
    user,
    arn,
    created,
    root ? 'not_supported' : rng.pick(['true', 'false']),
    rng.chance(0.6) ? isoDaysBefore(rng.int(0, 400)).replace('.000Z', '+00:00') : 'no_information',
    root ? 'not_supported' : 'N/A',
    root ? 'not_supported' : 'N/A',
    rng.pick(['true', 'false']),
    ...keyColumns(rng, keys[0]),
    ...keyColumns(rng, keys[1]),
    'false',
    'N/A',
    'false',
    'N/A',
  ].join(',');
}

const KEY_STATES = [
  ['none', 50],
  ['active', 30],
  ['inactive', 20],
] as const;

/**
 * An evaluation context holding an IAM credential report: the `<root_account>` row with any combination of
 * absent, inactive and active (recently used, long unused, never used) keys, plus 0–40 IAM users (2 % of
 * accounts 100–200); sometimes a
 * duplicated root row, and `AccountAccessKeysPresent` as `GetAccountSummary` would answer (or unreadable).
 */
export function credentialReportContext(rng: Rng): EvaluationSnapshot {
  const accountId = rng.pick(ACCOUNTS);
  const rootKeys: ['none' | 'inactive' | 'active', 'none' | 'inactive' | 'active'] = [
    rng.weighted(KEY_STATES),
    rng.weighted(KEY_STATES),
  ];
  const rows = [REPORT_HEADER, reportRow(rng, '<root_account>', `arn:aws:iam::${accountId}:root`, rootKeys)];
  if (rng.chance(0.02))
    rows.push(reportRow(rng, '<root_account>', `arn:aws:iam::${accountId}:root`, rootKeys));
  for (let i = rng.chance(0.02) ? rng.int(100, 200) : rng.skewed(40, 2.5); i > 0; i--) {
    const user = `user-${i}-${rng.hex(4)}`;
    rows.push(
      reportRow(rng, user, `arn:aws:iam::${accountId}:user/${user}`, [
        rng.weighted(KEY_STATES),
        rng.weighted(KEY_STATES),
      ]),
    );
  }
  const present = rootKeys.filter((k) => k !== 'none').length;
  return {
    credentialReport: `${rows.join('\n')}\n`,
    ...(rng.chance(0.85) ? { accountAccessKeysPresent: present } : {}),
    now: BENCH_NOW.toISOString(),
  };
}

function basicSelectors(rng: Rng): EventSelector[] {
  const selector: EventSelector = {
    ReadWriteType: rng.weighted([
      ['All', 75],
      ['ReadOnly', 10],
      ['WriteOnly', 15],
    ] as const),
    IncludeManagementEvents: rng.chance(0.9),
    DataResources: rng.chance(0.4) ? [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] : [],
    ExcludeManagementEventSources: rng.chance(0.15) ? ['kms.amazonaws.com'] : [],
  };
  return rng.chance(0.2)
    ? [selector, { ...selector, ReadWriteType: 'All', IncludeManagementEvents: false }]
    : [selector];
}

function advancedSelectors(rng: Rng): AdvancedEventSelector[] {
  const management: AdvancedEventSelector = {
    Name: 'Management events',
    FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }],
  };
  const extra = rng.weighted([
    ['none', 60],
    ['readOnly', 15],
    ['excludeKms', 15],
    ['filter', 10],
  ] as const);
  if (extra === 'readOnly')
    management.FieldSelectors?.push({ Field: 'readOnly', Equals: [rng.pick(['true', 'false'])] });
  else if (extra === 'excludeKms')
    management.FieldSelectors?.push({
      Field: 'eventSource',
      NotEquals: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'],
    });
  else if (extra === 'filter')
    management.FieldSelectors?.push({ Field: 'eventSource', Equals: ['s3.amazonaws.com'] });
  const data: AdvancedEventSelector = {
    Name: 'S3 data events',
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
    ],
  };
  return rng.chance(0.4) ? [management, data] : [management];
}

/**
 * GuardDuty in one account and region, as ListDetectors, GetDetector and GetAdministratorAccount answer: mostly one
 * detector (none in 10 %, two in 2 %), ENABLED or suspended, at each publishing frequency, standalone or managed by
 * an organisation administrator (Enabled, or a relationship that ended). Every item can be evaluated (the unreadable
 * and ill-formed cases are in the rule's tests and the fuzz targets).
 * @example
 * guardDutyContext(new Rng(1)).detectorIds // → ['4cb2…']
 */
export function guardDutyContext(rng: Rng): EvaluationSnapshot {
  const count = rng.weighted([
    [0, 10],
    [1, 88],
    [2, 2],
  ] as const);
  const detectorIds: string[] = [];
  const detectors: NonNullable<EvaluationSnapshot['detectors']> = {};
  const administrators: NonNullable<EvaluationSnapshot['administrators']> = {};
  for (let i = 0; i < count; i++) {
    const id = rng.hex(32);
    detectorIds.push(id);
    const created = new Date(BENCH_NOW.getTime() - rng.int(1, 2_000) * 86_400_000);
    detectors[id] = {
      CreatedAt: created.toISOString(),
      UpdatedAt: new Date(created.getTime() + rng.int(0, 86_400_000)).toISOString(),
      ServiceRole: `arn:aws:iam::${BENCH_ACCOUNT}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
      Status: rng.weighted([
        ['ENABLED', 85],
        ['DISABLED', 15],
      ] as const) as never,
      FindingPublishingFrequency: rng.weighted([
        ['FIFTEEN_MINUTES', 40],
        ['ONE_HOUR', 25],
        ['SIX_HOURS', 35],
      ] as const) as never,
      Tags: rng.chance(0.3) ? { owner: 'security' } : {},
    };
    administrators[id] = rng.weighted([
      [null, 60],
      [{ AccountId: rng.pick(ACCOUNTS), RelationshipStatus: 'Enabled' }, 30],
      [
        { AccountId: rng.pick(ACCOUNTS), RelationshipStatus: rng.pick(['Removed', 'Disabled', 'Invited']) },
        10,
      ],
    ] as const);
  }
  return { detectorIds, detectors, administrators, now: BENCH_NOW.toISOString() };
}

/**
 * An evaluation context holding a trail set: 0–6 trails (own, organization and shadow trails from other home
 * regions), each with a status and basic, advanced or default event selectors, in every combination the rule
 * distinguishes (single-region, stopped, read-only or write-only, excluded sources, no validation, KMS, Logs).
 */
export function trailSetContext(rng: Rng): EvaluationSnapshot {
  const accountId = rng.pick(ACCOUNTS);
  const count = rng.chance(0.08) ? 0 : 1 + rng.skewed(5, 2);
  const trails: Trail[] = [];
  const trailStatus: NonNullable<EvaluationSnapshot['trailStatus']> = {};
  const eventSelectors: Record<string, TrailSelectors> = {};
  for (let i = 0; i < count; i++) {
    const organization = rng.chance(0.2);
    const home = rng.chance(0.75) ? BENCH_REGION : rng.pick(REGIONS);
    const owner = organization ? rng.pick(ACCOUNTS) : accountId;
    const name = organization
      ? `org-trail-${i}`
      : `${rng.pick(['management', 'default', 'audit', 'legacy'])}-${i}`;
    const arn = `arn:aws:cloudtrail:${home}:${owner}:trail/${name}`;
    const multi = rng.chance(0.75);
    const trail: Trail = {
      Name: name,
      S3BucketName: rng.chance(0.7) ? `cloudtrail-logs-${owner}` : `audit-${rng.hex(6)}`,
      IncludeGlobalServiceEvents: true,
      IsMultiRegionTrail: multi,
      HomeRegion: home,
      TrailARN: arn,
      LogFileValidationEnabled: rng.chance(0.7),
      HasCustomEventSelectors: rng.chance(0.5),
      HasInsightSelectors: false,
      IsOrganizationTrail: organization,
      ...(rng.chance(0.3) ? { KmsKeyId: `arn:aws:kms:${home}:${owner}:key/${rng.hex(8)}` } : {}),
      ...(rng.chance(0.3)
        ? { CloudWatchLogsLogGroupArn: `arn:aws:logs:${home}:${owner}:log-group:cloudtrail:*` }
        : {}),
    };
    trails.push(trail);
    // With shadow trails included, a multi-region trail can be listed more than once.
    if (multi && rng.chance(0.1)) trails.push({ ...trail });
    trailStatus[arn] = { IsLogging: rng.chance(0.85) };
    eventSelectors[arn] = rng.weighted<TrailSelectors>([
      [{ EventSelectors: [], AdvancedEventSelectors: [] }, 20],
      [{ EventSelectors: basicSelectors(rng) }, 50],
      [{ AdvancedEventSelectors: advancedSelectors(rng) }, 30],
    ]);
  }
  return { trails, trailStatus, eventSelectors, now: BENCH_NOW.toISOString() };
}

// ---------------------------------------------------------------------------------------------------------------
// VPCs and their flow logs
// ---------------------------------------------------------------------------------------------------------------

/** The fields of the default flow log record format (version 2). */
const DEFAULT_LOG_FORMAT = [
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
];

/** A LogFormat as EC2 writes it: `${version} ${account-id} …`. */
const logFormat = (fields: readonly string[]) => fields.map((f) => `\${${f}}`).join(' ');

/** Where a flow log delivers, as EC2 describes it (LogDestinationType, LogDestination, LogGroupName). */
function flowLogDestination(rng: Rng, accountId: string): Partial<FlowLog> {
  return rng.weighted<() => Partial<FlowLog>>([
    [
      () => {
        const group = rng.pick(['vpc-flow-logs', '/aws/vpc/flowlogs', `flow-logs-${rng.hex(6)}`]);
        return {
          LogDestinationType: 'cloud-watch-logs',
          LogGroupName: group,
          LogDestination: `arn:aws:logs:${BENCH_REGION}:${accountId}:log-group:${group}`,
          DeliverLogsPermissionArn: `arn:aws:iam::${accountId}:role/${rng.pick(['flow-logs-role', 'VPCFlowLogsRole'])}`,
        };
      },
      45,
    ],
    [
      () => ({
        LogDestinationType: 's3',
        LogDestination: `arn:aws:s3:::${rng.pick(['central-flow-logs', 'aws-logs', 'network-logs'])}-${rng.pick(ACCOUNTS)}${rng.chance(0.3) ? '/vpc/' : ''}`,
      }),
      45,
    ],
    [
      () => ({
        LogDestinationType: 'kinesis-data-firehose',
        LogDestination: `arn:aws:firehose:${BENCH_REGION}:${accountId}:deliverystream/flow-logs-${rng.hex(6)}`,
      }),
      10,
    ],
  ])();
}

/**
 * One flow log as DescribeFlowLogs lists it: capturing ALL, REJECT or ACCEPT traffic, delivering, or failing to
 * (DeliverLogsStatus FAILED, or an "Access error" / "Rate limited" message), in the default or a custom format.
 */
function flowLog(
  rng: Rng,
  accountId: string,
  resourceId: string,
  trafficType?: FlowLog['TrafficType'],
): FlowLog {
  const delivery = rng.weighted([
    ['ok', 88],
    ['accessError', 6],
    ['rateLimited', 3],
    ['failed', 3],
  ] as const);
  const created = new Date(BENCH_NOW.getTime() - rng.int(1, 2_500) * 86_400_000);
  return {
    CreationTime: created,
    FlowLogId: `fl-${rng.hex(17)}`,
    FlowLogStatus: 'ACTIVE',
    ResourceId: resourceId,
    TrafficType:
      trafficType ??
      rng.weighted([
        ['ALL', 70],
        ['REJECT', 20],
        ['ACCEPT', 10],
      ] as const),
    ...flowLogDestination(rng, accountId),
    DeliverLogsStatus: delivery === 'failed' ? 'FAILED' : 'SUCCESS',
    ...(delivery === 'accessError' ? { DeliverLogsErrorMessage: 'Access error' } : {}),
    ...(delivery === 'rateLimited' ? { DeliverLogsErrorMessage: 'Rate limited' } : {}),
    LogFormat: logFormat(
      rng.chance(0.8)
        ? DEFAULT_LOG_FORMAT
        : [
            'version',
            'vpc-id',
            'subnet-id',
            'interface-id',
            'pkt-srcaddr',
            'pkt-dstaddr',
            'action',
            'flow-direction',
          ],
    ),
    MaxAggregationInterval: rng.pick([60, 600, 600]),
    ...(rng.chance(0.3) ? { Tags: [{ Key: 'owner', Value: rng.pick(['network', 'security']) }] } : {}),
  };
}

/** A VPC as DescribeVpcs lists it. */
function vpc(rng: Rng, ownerId: string, isDefault: boolean, index: number, shared = false): Vpc {
  const name = isDefault
    ? undefined
    : `${rng.pick(['prod', 'staging', 'shared-services', 'data', 'egress'])}-${index}`;
  const tags = name
    ? [{ Key: 'Name', Value: name }, ...(rng.chance(0.4) ? [{ Key: 'env', Value: 'prod' }] : [])]
    : [];
  return {
    CidrBlock: isDefault ? '172.31.0.0/16' : `10.${rng.int(0, 255)}.0.0/${rng.pick([16, 18, 20])}`,
    DhcpOptionsId: `dopt-${rng.hex(8)}`,
    State: 'available',
    VpcId: `vpc-${rng.hex(17)}`,
    // DescribeVpcs has written OwnerId since 2018; some recorded answers of the account's own VPCs predate it.
    ...(!shared && rng.chance(0.03) ? {} : { OwnerId: ownerId }),
    InstanceTenancy: 'default',
    IsDefault: isDefault,
    ...(tags.length > 0 ? { Tags: tags } : {}),
  };
}

/**
 * One VPC of the account, as DescribeVpcs and DescribeFlowLogs answer for its region: the default VPC or another
 * (sometimes listed with VPCs other accounts share with this one, which are not evaluated, or without OwnerId, as
 * old answers are), and flow logs of each kind the rule tells apart: none, ALL, REJECT or ACCEPT alone, an ACCEPT and
 * a REJECT one together, ones that cannot deliver, beside flow logs of subnets and interfaces (listed too, but they
 * do not cover the VPC). One VPC per context, so one context is one evaluation, as one account is for the other
 * periodic rules. Every item can be evaluated (the unreadable and ill-formed cases are in the rule's tests and
 * fuzz targets).
 * @example
 * vpcFlowLogsContext(new Rng(1), 0).vpcs?.length // → 1 (3 with two shared VPCs)
 */
export function vpcFlowLogsContext(rng: Rng, index: number): EvaluationSnapshot {
  const accountId = BENCH_ACCOUNT;
  const own = vpc(rng, accountId, rng.chance(0.3), index);
  const sharedWithUs = rng.chance(0.1)
    ? Array.from({ length: rng.int(1, 2) }, (_, i) =>
        vpc(rng, rng.pick(ACCOUNTS.filter((a) => a !== accountId)), false, index + i + 1, true),
      )
    : [];
  const vpcId = own.VpcId as string;
  const flowLogs: FlowLog[] = [];
  const logs = rng.weighted([
    ['none', 30],
    ['one', 55],
    ['acceptAndReject', 8],
    ['two', 7],
  ] as const);
  if (logs === 'one') flowLogs.push(flowLog(rng, accountId, vpcId));
  else if (logs === 'acceptAndReject')
    flowLogs.push(flowLog(rng, accountId, vpcId, 'ACCEPT'), flowLog(rng, accountId, vpcId, 'REJECT'));
  else if (logs === 'two') flowLogs.push(flowLog(rng, accountId, vpcId), flowLog(rng, accountId, vpcId));
  // Flow logs of a subnet or an interface of the VPC: listed by DescribeFlowLogs, but they see only part of it.
  for (let j = rng.skewed(4, 2); j > 0; j--)
    flowLogs.push(flowLog(rng, accountId, `${rng.pick(['subnet', 'eni'])}-${rng.hex(17)}`));
  // DescribeFlowLogs lists the region's flow logs in no particular order of resource.
  for (let i = flowLogs.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [flowLogs[i], flowLogs[j]] = [flowLogs[j] as FlowLog, flowLogs[i] as FlowLog];
  }
  const vpcs = [...sharedWithUs];
  vpcs.splice(rng.int(0, vpcs.length), 0, own);
  return { vpcs, flowLogs, now: BENCH_NOW.toISOString() };
}

// ---------------------------------------------------------------------------------------------------------------
// Per rule
// ---------------------------------------------------------------------------------------------------------------

/** How a rule's benchmark items are given: configuration items, or evaluation contexts (periodic-only rules). */
export type ItemKind = 'configurationItem' | 'context';

interface RuleGenerator {
  kind: ItemKind;
  /** One item; `index` only makes names unique. */
  item: (rng: Rng, index: number) => Json | EvaluationSnapshot;
  /** Rule parameters in Config's string form, chosen so every branch of the evaluator is reachable. */
  parameters: Record<string, string>;
}

export const GENERATORS: Record<string, RuleGenerator> = {
  'ec2-security-group-no-public-ingress': {
    kind: 'configurationItem',
    item: securityGroupItem,
    parameters: { authorizedTcpPorts: '80,443,8000-8100', authorizedUdpPorts: '53', allowIcmp: 'true' },
  },
  's3-bucket-no-public-access': {
    kind: 'configurationItem',
    item: bucketItem,
    parameters: { excludedPublicBuckets: 'www-1-aaaaaa,www-2-bbbbbb' },
  },
  's3-account-public-access-blocked': {
    kind: 'configurationItem',
    item: (rng) => accountPublicAccessBlockItem(rng),
    parameters: {},
  },
  'iam-root-access-keys-absent': {
    kind: 'context',
    item: (rng) => credentialReportContext(rng),
    parameters: { unusedDays: '90' },
  },
  'cloudtrail-multi-region-logging': {
    kind: 'context',
    item: (rng) => trailSetContext(rng),
    parameters: { requireLogFileValidation: 'true' },
  },
  'guardduty-enabled': {
    kind: 'context',
    item: (rng) => guardDutyContext(rng),
    parameters: { maximumFindingPublishingFrequency: 'ONE_HOUR' },
  },
  'vpc-flow-logs-enabled': {
    kind: 'context',
    item: vpcFlowLogsContext,
    // ALL reaches every branch: a flow log capturing ALL, an ACCEPT and a REJECT one together, or only one of them.
    parameters: { trafficType: 'ALL' },
  },
};

/**
 * What the collectors of the change-triggered rules would read beside the item: a partial account-level Block
 * Public Access (so both the bucket and the account level decide some verdicts) and the prefix lists' entries.
 */
export const BENCH_CONTEXT: EvaluationSnapshot = {
  accountPublicAccessBlock: {
    blockPublicAcls: true,
    ignorePublicAcls: false,
    blockPublicPolicy: true,
    restrictPublicBuckets: false,
  },
  prefixLists: BENCH_PREFIX_LISTS,
  now: BENCH_NOW.toISOString(),
};

/**
 * `n` items for a rule from a seed, one at a time (a large set need not be held to be written out). The same seed
 * always gives the same items, and the first `k` items of `n` are the `k` items of a smaller run.
 * @throws Error for a rule without a generator.
 * @example
 * for (const item of itemStream('s3-bucket-no-public-access', 100_000, 1)) out.write(`${JSON.stringify(item)}\n`);
 */
export function* itemStream(ruleId: string, n: number, seed: number): Generator<Json | EvaluationSnapshot> {
  const generator = generatorOf(ruleId);
  // One stream per rule and seed: the items of one rule do not change when another rule's generator changes.
  const rng = new Rng((seed * 2654435761) ^ hashString(ruleId));
  for (let i = 0; i < n; i++) yield generator.item(rng, i);
}

/**
 * A rule's generator: its own in {@link GENERATORS}, or, for a rule without one, its test fixtures replayed in turn
 * (`test/rules/<id>/fixtures/*.snapshot.json`, each an evaluation context of its periodic path).
 * @throws Error for a rule with neither.
 * @example
 * generatorOf('guardduty-enabled').kind // → 'context'
 */
export function generatorOf(ruleId: string): RuleGenerator {
  const own = GENERATORS[ruleId];
  if (own) return own;
  const dir = join(__dirname, '..', 'test', 'rules', ruleId, 'fixtures');
  const snapshots = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.snapshot.json'))
        .sort()
        .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as EvaluationSnapshot)
    : [];
  if (snapshots.length === 0)
    throw new Error(
      `No generator for rule ${ruleId} and no test/rules/${ruleId}/fixtures/*.snapshot.json to replay; known generators: ${Object.keys(GENERATORS).join(', ')}.`,
    );
  return {
    kind: 'context',
    parameters: {},
    item: (_rng, index) => snapshots[index % snapshots.length] as EvaluationSnapshot,
  };
}

/**
 * `n` items for a rule from a seed, as an array.
 * @example
 * generateItems('ec2-security-group-no-public-ingress', 10_000, 1).length // → 10000
 */
export function generateItems(ruleId: string, n: number, seed: number): (Json | EvaluationSnapshot)[] {
  return [...itemStream(ruleId, n, seed)];
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

import { Rng } from '../../bench/generate';
import type { EvaluationSnapshot } from '../../shared/collectors/snapshot-reader';

/**
 * Seeded edge cases for the golden verdicts, where the generated items of `bench/generate.ts` are thin: security
 * groups whose sources cover a family only together (halves and quarters of IPv4 and IPv6, across permissions,
 * protocols and overlapping port ranges, through prefix lists too), prefix lists that cannot be read, /0 spelled
 * oddly; buckets whose policies pin or fail to pin an Allow to everyone (aws:SourceIp covering a family,
 * wildcards, negated and IfExists operators), with the account level readable, absent or unreadable. Each item
 * carries the parameters and the context it is evaluated with.
 */

export interface EdgeCase {
  item: Record<string, unknown>;
  parameters: Record<string, string>;
  snapshot: EvaluationSnapshot;
}

const ACCOUNT = '123456789012';

/** Lists the edge groups reference: two halves of IPv4, the world, private space, an IPv6 half, odd ones. */
export const EDGE_PREFIX_LISTS: Record<string, string[]> = {
  'pl-00000000000world': ['0.0.0.0/0'],
  'pl-0000000000000half1': ['0.0.0.0/1'],
  'pl-0000000000000half2': ['128.0.0.0/1'],
  'pl-00000000000private': ['10.0.0.0/8', '172.16.0.0/12'],
  'pl-0000000000000v6half': ['8000::/1'],
  'pl-0000000000000empty': [],
  'pl-00000000000000bad': ['not-a-cidr'],
};
/** Referenced but not in the context: unreadable. */
const MISSING_LIST = 'pl-0000000000missing';

const V4 = [
  '0.0.0.0/0',
  '0.0.0.0/1',
  '128.0.0.0/1',
  '0.0.0.0/2',
  '64.0.0.0/2',
  '128.0.0.0/2',
  '192.0.0.0/2',
  '10.0.0.0/8',
  '192.168.1.0/24',
  '0.0.0.0/00',
  '10.0.0.1/0',
  '203.0.113.7/32',
];
const V6 = ['::/0', '::/1', '8000::/1', '2001:db8::/32', '0::/0', '0:0:0:0:0:0:0:0/0', 'fd00::/8'];
const PORTS: readonly (readonly [number, number])[] = [
  [22, 22],
  [20, 25],
  [0, 65535],
  [80, 80],
  [443, 443],
  [1000, 2000],
  [1500, 3000],
  [-1, -1],
  [8000, 8100],
];
const SG_PARAMETERS: Record<string, string>[] = [
  {},
  { authorizedTcpPorts: '22' },
  { authorizedTcpPorts: '0-1000' },
  { authorizedTcpPorts: '80,443', authorizedUdpPorts: '53' },
  { authorizedTcpPorts: '20-25,8000-9000', allowIcmp: 'false' },
  { authorizedTcpPorts: '0-65535', authorizedUdpPorts: '0-65535' },
  { allowIcmp: 'false', exemptResourceIds: 'sg-edge00007' },
];

function edgePermission(rng: Rng): Record<string, unknown> {
  const protocol = rng.pick(['tcp', 'tcp', 'tcp', 'udp', '-1', 'icmp', 'icmpv6', '6', '17', '47']);
  const permission: Record<string, unknown> = { ipProtocol: protocol };
  if (['tcp', 'udp', '6', '17'].includes(protocol)) {
    const [from, to] = rng.pick(PORTS);
    permission.fromPort = from;
    permission.toPort = to;
  } else if (protocol === 'icmp' || protocol === 'icmpv6') {
    permission.fromPort = rng.chance(0.5) ? -1 : 8;
    permission.toPort = rng.chance(0.5) ? -1 : 0;
  }
  const v4 = Array.from({ length: rng.int(0, 3) }, () => rng.pick(V4));
  const v6 = Array.from({ length: rng.chance(0.4) ? rng.int(1, 2) : 0 }, () => rng.pick(V6));
  const lists = Array.from({ length: rng.chance(0.35) ? rng.int(1, 2) : 0 }, () =>
    rng.chance(0.15) ? MISSING_LIST : rng.pick(Object.keys(EDGE_PREFIX_LISTS)),
  );
  permission.ipRanges = [...v4];
  permission.ipv4Ranges = v4.map((cidrIp) => ({ cidrIp }));
  permission.ipv6Ranges = v6.map((cidrIpv6) => ({ cidrIpv6 }));
  permission.prefixListIds = lists.map((prefixListId) => ({ prefixListId }));
  permission.userIdGroupPairs = rng.chance(0.2) ? [{ groupId: `sg-${rng.hex(8)}`, userId: ACCOUNT }] : [];
  return permission;
}

function edgeGroup(rng: Rng, index: number): EdgeCase {
  const groupId = `sg-edge${String(index).padStart(5, '0')}`;
  return {
    item: {
      configurationItemVersion: '1.3',
      configurationItemCaptureTime: '2026-10-31T00:00:00.000Z',
      configurationItemStatus: 'OK',
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: groupId,
      resourceName: `edge-${index}`,
      awsAccountId: ACCOUNT,
      awsRegion: 'us-east-1',
      tags: rng.chance(0.1) ? { exempt: 'yes' } : {},
      configuration: {
        groupId,
        groupName: `edge-${index}`,
        ipPermissions: Array.from({ length: rng.int(0, 5) }, () => edgePermission(rng)),
        ipPermissionsEgress: [],
      },
      supplementaryConfiguration: {},
    },
    parameters: rng.pick(SG_PARAMETERS),
    snapshot: { prefixLists: EDGE_PREFIX_LISTS },
  };
}

const PRINCIPALS: unknown[] = [
  '*',
  { AWS: '*' },
  { AWS: ['arn:aws:iam::111122223333:root', '*'] },
  { AWS: 'arn:aws:iam::111122223333:root' },
  { Service: 'cloudtrail.amazonaws.com' },
];
const CONDITIONS: (Record<string, unknown> | undefined)[] = [
  undefined,
  { IpAddress: { 'aws:SourceIp': ['0.0.0.0/1', '128.0.0.0/1'] } },
  { IpAddress: { 'aws:SourceIp': ['0.0.0.0/1', '10.0.0.0/8'] } },
  { IpAddress: { 'aws:SourceIp': ['::/1', '8000::/1'] } },
  { IpAddress: { 'aws:SourceIp': '203.0.113.7' } },
  { IpAddress: { 'aws:SourceIp': ['0.0.0.0/0'] } },
  { IpAddress: { 'aws:SourceIp': ['not-an-ip'] } },
  { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
  { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } },
  { StringLike: { 'aws:SourceVpce': 'vpce-*' } },
  { StringEqualsIfExists: { 'aws:SourceVpc': 'vpc-1' } },
  { 'ForAnyValue:StringEquals': { 'aws:PrincipalOrgID': ['o-1234567890'] } },
  { StringEquals: { 'AWS:SourceAccount': 123456789012 } },
  { Bool: { 'aws:SecureTransport': 'false' } },
  { Bool: { 'aws:SecureTransport': 'false' }, StringLike: { 'aws:Referer': 'https://example.com/*' } },
  { StringEquals: { 'aws:PrincipalOrgID': [] } },
];
const BUCKET_PARAMETERS: Record<string, string>[] = [
  {},
  { excludedPublicBuckets: 'edge-00003,edge-00011' },
  { exemptTagKey: 'exempt', exemptTagValue: 'yes' },
];
const ACCOUNT_LEVELS: EvaluationSnapshot['accountPublicAccessBlock'][] = [
  null,
  { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
  { blockPublicAcls: false, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false },
  { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: true },
];

function edgeBucket(rng: Rng, index: number): EdgeCase {
  const name = `edge-${String(index).padStart(5, '0')}`;
  const statements = Array.from({ length: rng.int(1, 4) }, (_, i) => {
    const notPrincipal = rng.chance(0.1);
    const condition = rng.pick(CONDITIONS);
    return {
      ...(rng.chance(0.7) ? { Sid: `S${i}` } : {}),
      Effect: rng.chance(0.8) ? 'Allow' : 'Deny',
      ...(notPrincipal
        ? { NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' } }
        : { Principal: rng.pick(PRINCIPALS) }),
      [rng.chance(0.1) ? 'NotAction' : 'Action']: rng.pick([
        's3:GetObject',
        ['s3:GetObject', 's3:ListBucket'],
      ]),
      Resource: `arn:aws:s3:::${name}/*`,
      ...(condition ? { Condition: condition } : {}),
    };
  });
  const grants: Record<string, unknown>[] = [
    { grantee: { id: 'owner', displayName: null }, permission: 'FullControl' },
  ];
  if (rng.chance(0.3))
    grants.push({ grantee: rng.pick(['AllUsers', 'AuthenticatedUsers']), permission: 'Read' });
  const supplementary: Record<string, unknown> = {
    AccessControlList: JSON.stringify({ grantSet: null, grantList: grants, owner: { id: 'owner' } }),
    BucketPolicy: { policyText: rng.chance(0.85) ? JSON.stringify({ Statement: statements }) : null },
  };
  if (rng.chance(0.4))
    supplementary.PublicAccessBlockConfiguration = {
      blockPublicAcls: rng.chance(0.5),
      ignorePublicAcls: rng.chance(0.5),
      blockPublicPolicy: rng.chance(0.5),
      restrictPublicBuckets: rng.chance(0.5),
    };
  if (rng.chance(0.1))
    supplementary.BucketOwnershipControls = { rules: [{ objectOwnership: 'BucketOwnerEnforced' }] };
  const level = rng.int(0, ACCOUNT_LEVELS.length);
  return {
    item: {
      configurationItemVersion: '1.3',
      configurationItemCaptureTime: '2026-10-31T00:00:00.000Z',
      configurationItemStatus: 'OK',
      resourceType: 'AWS::S3::Bucket',
      resourceId: name,
      resourceName: name,
      awsAccountId: ACCOUNT,
      awsRegion: 'us-east-1',
      tags: rng.chance(0.1) ? { exempt: 'yes' } : {},
      configuration: { name, owner: { id: 'owner' } },
      supplementaryConfiguration: supplementary,
    },
    parameters: rng.pick(BUCKET_PARAMETERS),
    // One in five: the account level is not in the context, so it cannot be read.
    snapshot: level === ACCOUNT_LEVELS.length ? {} : { accountPublicAccessBlock: ACCOUNT_LEVELS[level] },
  };
}

/**
 * `n` edge cases for a rule, from a seed (rules without edge cases here have none).
 * @example
 * edgeCases('ec2-security-group-no-public-ingress', 3000, 1).length // → 3000
 */
export function edgeCases(ruleId: string, n: number, seed: number): EdgeCase[] {
  const rng = new Rng(seed * 7919 + ruleId.length);
  const make =
    ruleId === 'ec2-security-group-no-public-ingress'
      ? edgeGroup
      : ruleId === 's3-bucket-no-public-access'
        ? edgeBucket
        : undefined;
  return make ? Array.from({ length: n }, (_, i) => make(rng, i)) : [];
}

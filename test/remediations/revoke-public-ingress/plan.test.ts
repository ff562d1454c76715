import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { expect } from 'chai';
import { planRevocation } from '../../../remediations/revoke-public-ingress/plan';
import {
  findPublicIngress,
  type Parameters,
  rule,
} from '../../../rules/ec2-security-group-no-public-ingress/evaluate';
import { securityGroupFromApi } from '../../../shared/models/security-group';
import { ruleParameters } from '../../../shared/params';

const WORLD4 = { CidrIp: '0.0.0.0/0' };
const WORLD6 = { CidrIpv6: '::/0' };

/** The plan for a group with `permissions`, under the rule's parameters `input` (Config's string form). */
function planFor(permissions: IpPermission[], input: Record<string, string> = {}) {
  // As EC2 returns them: every source list there, empty ones as [] (the model refuses a permission without one).
  const complete = (p: IpPermission): IpPermission => ({
    IpRanges: [],
    Ipv6Ranges: [],
    PrefixListIds: [],
    UserIdGroupPairs: [],
    ...p,
  });
  const group: SecurityGroup = { GroupId: 'sg-0123456789abcdef0', IpPermissions: permissions.map(complete) };
  const model = securityGroupFromApi(group, '123456789012', 'us-east-1');
  const params = ruleParameters(rule, input) as Parameters;
  return planRevocation(group, model, findPublicIngress(model, params, { prefixLists: {} }), params);
}

describe('remediations/revoke-public-ingress/plan planRevocation (pure)', () => {
  it('tcp 20-30 from the world, 22 authorized → authorize tcp 22 from the world, revoke tcp 20-30 from the world', () => {
    const plan = planFor([{ IpProtocol: 'tcp', FromPort: 20, ToPort: 30, IpRanges: [WORLD4] }], {
      authorizedTcpPorts: '22',
    });
    expect(plan.revoke).to.deep.equal([{ IpProtocol: 'tcp', FromPort: 20, ToPort: 30, IpRanges: [WORLD4] }]);
    expect(plan.authorize).to.deep.equal([
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [WORLD4] },
    ]);
  });

  it('overlapping authorized entries are merged: "20-25,22,26" keeps one tcp 20-26', () => {
    const plan = planFor([{ IpProtocol: 'tcp', FromPort: 0, ToPort: 1000, IpRanges: [WORLD4] }], {
      authorizedTcpPorts: '20-25,22,26,900-2000',
    });
    expect(plan.authorize.map((p) => [p.FromPort, p.ToPort])).to.deep.equal([
      [20, 26],
      [900, 1000],
    ]);
  });

  it('udp ranges use authorizedUdpPorts, never the TCP ones', () => {
    const plan = planFor([{ IpProtocol: 'udp', FromPort: 50, ToPort: 60, Ipv6Ranges: [WORLD6] }], {
      authorizedTcpPorts: '53',
      authorizedUdpPorts: '53,123',
    });
    expect(plan.authorize).to.deep.equal([
      { IpProtocol: 'udp', FromPort: 53, ToPort: 53, Ipv6Ranges: [WORLD6] },
    ]);
  });

  it('all traffic from both families keeps the authorized ports, ICMP from 0.0.0.0/0 and ICMPv6 from ::/0', () => {
    const plan = planFor([{ IpProtocol: '-1', IpRanges: [WORLD4], Ipv6Ranges: [WORLD6] }], {
      authorizedTcpPorts: '443',
    });
    expect(plan.revoke).to.deep.equal([{ IpProtocol: '-1', IpRanges: [WORLD4], Ipv6Ranges: [WORLD6] }]);
    expect(plan.authorize).to.deep.equal([
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [WORLD4], Ipv6Ranges: [WORLD6] },
      { IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [WORLD4] },
      { IpProtocol: 'icmpv6', FromPort: -1, ToPort: -1, Ipv6Ranges: [WORLD6] },
    ]);
  });

  it('all traffic with allowIcmp false and nothing authorized keeps nothing', () => {
    const plan = planFor([{ IpProtocol: '-1', IpRanges: [WORLD4] }], { allowIcmp: 'false' });
    expect(plan.authorize).to.deep.equal([]);
  });

  it('a kept permission the group already has is not authorized again (EC2 would refuse a duplicate)', () => {
    const plan = planFor(
      [
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [WORLD4] },
        { IpProtocol: '-1', IpRanges: [WORLD4] },
      ],
      { authorizedTcpPorts: '443', allowIcmp: 'false' },
    );
    expect(plan.revoke).to.deep.equal([{ IpProtocol: '-1', IpRanges: [WORLD4] }]);
    expect(plan.authorize).to.deep.equal([]);
  });

  it('ICMP with allowIcmp false, and GRE, are revoked whole: nothing of them is allowed', () => {
    const plan = planFor(
      [
        { IpProtocol: 'icmp', FromPort: 8, ToPort: -1, IpRanges: [WORLD4] },
        { IpProtocol: '47', IpRanges: [WORLD4] },
      ],
      { allowIcmp: 'false' },
    );
    expect(plan.revoke).to.have.length(2);
    expect(plan.authorize).to.deep.equal([]);
  });

  it('other sources of a flagged permission are neither revoked nor re-authorized', () => {
    const plan = planFor(
      [
        {
          IpProtocol: 'tcp',
          FromPort: 20,
          ToPort: 30,
          IpRanges: [WORLD4, { CidrIp: '10.0.0.0/8' }],
          UserIdGroupPairs: [{ GroupId: 'sg-00000000000000001' }],
        },
      ],
      { authorizedTcpPorts: '22' },
    );
    expect(plan.revoke).to.deep.equal([{ IpProtocol: 'tcp', FromPort: 20, ToPort: 30, IpRanges: [WORLD4] }]);
    expect(plan.authorize).to.deep.equal([
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [WORLD4] },
    ]);
  });

  it('a fully authorized world range is not flagged, so nothing is planned', () => {
    const plan = planFor([{ IpProtocol: 'tcp', FromPort: 80, ToPort: 81, IpRanges: [WORLD4] }], {
      authorizedTcpPorts: '80-81',
    });
    expect(plan).to.deep.equal({ revoke: [], authorize: [], reasons: [] });
  });
});

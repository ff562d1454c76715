import type { SecurityGroup } from '@aws-sdk/client-ec2';
import { expect } from 'chai';
import {
  evaluate,
  type Parameters,
  rule,
} from '../../../rules/ec2-security-group-no-public-ingress/evaluate';
import { normaliseConfigurationItem } from '../../../shared/config/configuration-item';
import { InvalidParametersError } from '../../../shared/errors';
import {
  type SecurityGroupModel,
  securityGroupFromApi,
  securityGroupFromConfigurationItem,
} from '../../../shared/models/security-group';
import { fixture, recorded } from '../../helpers/fixtures';
import { ciOfEvent, params, SCOPE } from '../../helpers/rules';

const p = (input: Record<string, string> = {}) => params<Parameters>(rule, input);
const none = { prefixLists: {} };

/** A security group CI with the given ingress permissions (Config's camelCase form). */
function sgCi(ipPermissions: Record<string, unknown>[]) {
  return normaliseConfigurationItem({
    awsAccountId: '123456789012',
    awsRegion: 'us-east-1',
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId: 'sg-0123456789abcdef0',
    configurationItemStatus: 'OK',
    configurationItemCaptureTime: '2026-11-01T00:00:00.000Z',
    configuration: {
      groupId: 'sg-0123456789abcdef0',
      groupName: 'web',
      ipPermissions,
      ipPermissionsEgress: [],
    },
  });
}
const model = (perms: Record<string, unknown>[]) => securityGroupFromConfigurationItem(sgCi(perms));
const tcp = (from: unknown, to: unknown, src: Record<string, unknown>) => ({
  ipProtocol: 'tcp',
  fromPort: from,
  toPort: to,
  ...src,
});
const v4 = (...cidrs: string[]) => ({ ipv4Ranges: cidrs.map((cidrIp) => ({ cidrIp })) });
const v6 = (...cidrs: string[]) => ({ ipv6Ranges: cidrs.map((cidrIpv6) => ({ cidrIpv6 })) });

describe('rule ec2-security-group-no-public-ingress', () => {
  describe('semantics', () => {
    const cases: {
      name: string;
      perms: Record<string, unknown>[];
      params?: Record<string, string>;
      expected: 'COMPLIANT' | 'NON_COMPLIANT';
      annotation?: string;
    }[] = [
      { name: 'no ingress at all', perms: [], expected: 'COMPLIANT', annotation: 'No ingress permissions.' },
      {
        name: 'tcp 22 from 0.0.0.0/0',
        perms: [tcp(22, 22, v4('0.0.0.0/0'))],
        expected: 'NON_COMPLIANT',
        annotation: 'Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port).',
      },
      {
        name: 'tcp 22 from ::/0',
        perms: [tcp(22, 22, v6('::/0'))],
        expected: 'NON_COMPLIANT',
        annotation: 'Ingress tcp 22 is open to ::/0 (not an authorized port).',
      },
      { name: 'IPv6 world spelled 0::/0', perms: [tcp(3389, 3389, v6('0::/0'))], expected: 'NON_COMPLIANT' },
      {
        name: 'IPv6 world spelled in full',
        perms: [tcp(3389, 3389, v6('0:0:0:0:0:0:0:0/0'))],
        expected: 'NON_COMPLIANT',
      },
      {
        name: 'any IPv4 address with prefix length 0 (10.0.0.0/0)',
        perms: [tcp(15000, 15000, v4('10.0.0.0/0'))],
        expected: 'NON_COMPLIANT',
      },
      {
        name: 'legacy ipRanges strings only',
        perms: [tcp(22, 22, { ipRanges: ['0.0.0.0/0'] })],
        expected: 'NON_COMPLIANT',
      },
      { name: 'private CIDR only', perms: [tcp(22, 22, v4('10.0.0.0/8'))], expected: 'COMPLIANT' },
      { name: 'IPv6 /64 only', perms: [tcp(22, 22, v6('2001:db8::/64'))], expected: 'COMPLIANT' },
      {
        name: 'security group reference is never the world',
        perms: [{ ipProtocol: '-1', userIdGroupPairs: [{ groupId: 'sg-1', userId: '123456789012' }] }],
        expected: 'COMPLIANT',
      },
      {
        name: 'authorized tcp port',
        perms: [tcp(443, 443, v4('0.0.0.0/0'))],
        params: { authorizedTcpPorts: '80,443' },
        expected: 'COMPLIANT',
      },
      {
        name: 'range fully inside an authorized range',
        perms: [tcp(1020, 1025, v4('0.0.0.0/0'))],
        params: { authorizedTcpPorts: '80, 1000-2000' },
        expected: 'COMPLIANT',
      },
      {
        name: 'range only partly authorized',
        perms: [tcp(1020, 1030, v4('0.0.0.0/0'))],
        params: { authorizedTcpPorts: '1020-1025' },
        expected: 'NON_COMPLIANT',
        annotation: 'Ingress tcp 1020-1030 is open to 0.0.0.0/0 (ports 1026-1030 not authorized).',
      },
      {
        name: 'tcp port authorized for udp only',
        perms: [tcp(53, 53, v4('0.0.0.0/0'))],
        params: { authorizedUdpPorts: '53' },
        expected: 'NON_COMPLIANT',
      },
      {
        name: 'udp authorized port',
        perms: [{ ipProtocol: 'udp', fromPort: 53, toPort: 53, ...v4('0.0.0.0/0') }],
        params: { authorizedUdpPorts: '53' },
        expected: 'COMPLIANT',
      },
      {
        name: 'udp by protocol number 17, unauthorized',
        perms: [{ ipProtocol: '17', fromPort: 161, toPort: 161, ...v4('0.0.0.0/0') }],
        expected: 'NON_COMPLIANT',
        annotation: 'Ingress udp 161 is open to 0.0.0.0/0 (not an authorized port).',
      },
      {
        name: 'tcp by protocol number 6 with ports as strings and floats',
        perms: [{ ipProtocol: '6', fromPort: '443.0', toPort: 443.0, ...v4('0.0.0.0/0') }],
        params: { authorizedTcpPorts: '443' },
        expected: 'COMPLIANT',
      },
      {
        name: 'tcp with ports absent means all ports',
        perms: [{ ipProtocol: 'tcp', ...v4('0.0.0.0/0') }],
        params: { authorizedTcpPorts: '80,443' },
        expected: 'NON_COMPLIANT',
      },
      {
        name: 'tcp 0-65535 with everything but one port authorized',
        perms: [tcp(0, 65535, v4('0.0.0.0/0'))],
        params: { authorizedTcpPorts: '0-21,23-65535' },
        expected: 'NON_COMPLIANT',
        annotation: 'Ingress tcp 0-65535 is open to 0.0.0.0/0 (ports 22 not authorized).',
      },
      {
        name: 'all traffic (-1) whatever is authorized',
        perms: [{ ipProtocol: '-1', ...v4('0.0.0.0/0') }],
        params: { authorizedTcpPorts: '0-65535', authorizedUdpPorts: '0-65535' },
        expected: 'NON_COMPLIANT',
        annotation: 'Ingress all traffic is open to 0.0.0.0/0 (all protocols and ports).',
      },
      {
        name: 'all traffic spelled "all"',
        perms: [{ ipProtocol: 'all', ...v6('::/0') }],
        expected: 'NON_COMPLIANT',
      },
      {
        name: 'icmp allowed by default',
        perms: [{ ipProtocol: 'icmp', fromPort: -1, toPort: -1, ...v4('0.0.0.0/0') }],
        expected: 'COMPLIANT',
      },
      {
        name: 'icmp when allowIcmp is false',
        perms: [{ ipProtocol: '1', fromPort: 8, toPort: 0, ...v4('0.0.0.0/0') }],
        params: { allowIcmp: 'FALSE' },
        expected: 'NON_COMPLIANT',
        annotation: 'Ingress icmp is open to 0.0.0.0/0 (ICMP is not allowed).',
      },
      {
        name: 'icmpv6 (58) when allowIcmp is false',
        perms: [{ ipProtocol: '58', fromPort: -1, toPort: -1, ...v6('::/0') }],
        params: { allowIcmp: 'false' },
        expected: 'NON_COMPLIANT',
      },
      {
        name: 'GRE (47) is never authorizable',
        perms: [{ ipProtocol: '47', ...v4('0.0.0.0/0') }],
        params: { authorizedTcpPorts: '0-65535' },
        expected: 'NON_COMPLIANT',
        annotation: 'Ingress protocol 47 is open to 0.0.0.0/0 (only TCP, UDP and ICMP can be authorized).',
      },
      {
        name: 'ESP (50) is never authorizable',
        perms: [{ ipProtocol: '50', ...v6('::/0') }],
        expected: 'NON_COMPLIANT',
      },
      {
        name: 'a permission mixing the world and a private range',
        perms: [tcp(22, 22, v4('0.0.0.0/0', '10.0.0.0/8'))],
        expected: 'NON_COMPLIANT',
        annotation: 'Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port).',
      },
      {
        name: 'both families open: one finding each',
        perms: [tcp(22, 22, { ...v4('0.0.0.0/0'), ...v6('::/0') })],
        expected: 'NON_COMPLIANT',
        annotation:
          'Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port). Ingress tcp 22 is open to ::/0 (not an authorized port).',
      },
      {
        name: 'unresolved prefix list is not the world (offline)',
        perms: [tcp(22, 22, { prefixListIds: [{ prefixListId: 'pl-123' }] })],
        expected: 'COMPLIANT',
      },
    ];
    for (const c of cases)
      it(`${c.name} → ${c.expected}`, () => {
        const verdict = evaluate(model(c.perms), p(c.params), none);
        expect(verdict.complianceType).to.equal(c.expected);
        if (c.annotation) expect(verdict.annotation).to.equal(c.annotation);
        if (c.expected === 'NON_COMPLIANT') expect(verdict.annotation).to.match(/\.$/);
      });

    it('egress is ignored', () => {
      const ci = sgCi([]);
      ci.configuration.ipPermissionsEgress = [{ ipProtocol: '-1', ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }] }];
      expect(evaluate(securityGroupFromConfigurationItem(ci), p(), none).complianceType).to.equal(
        'COMPLIANT',
      );
    });

    it('a prefix list whose entries include the world counts as the world', () => {
      const m = model([tcp(22, 22, { prefixListIds: [{ prefixListId: 'pl-123' }] })]);
      const verdict = evaluate(m, p(), { prefixLists: { 'pl-123': ['10.0.0.0/8', '0.0.0.0/0'] } });
      expect(verdict).to.deep.equal({
        complianceType: 'NON_COMPLIANT',
        annotation: 'Ingress tcp 22 is open to 0.0.0.0/0 via prefix list pl-123 (not an authorized port).',
      });
      expect(evaluate(m, p(), { prefixLists: { 'pl-123': ['10.0.0.0/8'] } }).complianceType).to.equal(
        'COMPLIANT',
      );
    });

    it('loadContext resolves each referenced prefix list once', async () => {
      const asked: string[] = [];
      const reader = {
        prefixListCidrs: async (id: string) => {
          asked.push(id);
          return ['0.0.0.0/0'];
        },
      };
      const a = model([tcp(22, 22, { prefixListIds: [{ prefixListId: 'pl-1' }] })]);
      const b = model([tcp(80, 80, { prefixListIds: [{ prefixListId: 'pl-1' }, { prefixListId: 'pl-2' }] })]);
      const ctx = await rule.loadContext(reader as never, [a, b], SCOPE);
      expect(asked).to.deep.equal(['pl-1', 'pl-2']);
      expect(ctx.prefixLists).to.deep.equal({ 'pl-1': ['0.0.0.0/0'], 'pl-2': ['0.0.0.0/0'] });
    });
  });

  describe('parameters', () => {
    it('defaults: no authorized ports, ICMP allowed', () => {
      expect(p()).to.include({ allowIcmp: true });
      expect(p().authorizedTcpPorts).to.deep.equal([]);
    });
    for (const bad of ['22-21', '70000', 'ssh', '1-2-3'])
      it(`rejects authorizedTcpPorts "${bad}" naming the parameter`, () => {
        expect(() => p({ authorizedTcpPorts: bad }))
          .to.throw(InvalidParametersError)
          .with.property('parameter', 'authorizedTcpPorts');
      });
    it('rejects an unknown parameter', () => {
      expect(() => p({ authorizedPorts: '22' })).to.throw(InvalidParametersError, /authorizedPorts/);
    });
  });

  describe('real configuration items and AWS-authored cases', () => {
    it('Cloud Custodian’s recorded change event: sg_open_ssh is NON_COMPLIANT', () => {
      const ci = ciOfEvent(fixture('corpus/invoking_events/c7n__cwe__event-config-rule-security-group.json'));
      expect(evaluate(securityGroupFromConfigurationItem(ci), p(), none)).to.deep.equal({
        complianceType: 'NON_COMPLIANT',
        annotation: 'Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port).',
      });
    });

    it('RDK sample CI launch-wizard-7 (22 open) is NON_COMPLIANT', () => {
      const ci = normaliseConfigurationItem(fixture('corpus/config_items/rdk_AWS_EC2_SecurityGroup.json'));
      expect(evaluate(securityGroupFromConfigurationItem(ci), p(), none).complianceType).to.equal(
        'NON_COMPLIANT',
      );
    });

    // AWS's own tests of vpc-sg-open-only-to-authorized-ports. rebaseline differs on one point, on purpose:
    // any IPv4 CIDR with prefix length 0 (10.0.0.0/0) is the world, so AWS's NOT_APPLICABLE case is NON_COMPLIANT.
    const aws = fixture<
      {
        test: string;
        ruleParameters: Record<string, string>;
        expected: { complianceType: string }[];
        invokingEvent: { configurationItem: unknown };
      }[]
    >('corpus/invoking_events/aws-config-rules__VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS__cases.json');
    const ours: Record<string, string> = { test_sg_no_port_open_to_world: 'NON_COMPLIANT' };
    for (const c of aws) {
      const expected = ours[c.test] ?? c.expected[0]?.complianceType;
      it(`${c.test} → ${expected}`, () => {
        const { exceptionList: _ignored, ...ruleParameters } = c.ruleParameters;
        const m = securityGroupFromConfigurationItem(
          normaliseConfigurationItem(c.invokingEvent.configurationItem),
        );
        expect(evaluate(m, p(ruleParameters), none).complianceType).to.equal(expected);
      });
    }
  });

  describe('configuration item and API give the same verdict', () => {
    const files = [
      'custodian_placebo/sg/test_only_ports_and_cidr_ingress__ec2.DescribeSecurityGroups_1.json',
      'custodian_placebo/sg/unnamed-public-repo__describe_security_groups_ipv6_launch_wizard.json',
      'custodian_placebo/sg/test_asg_invalid_third_ami__ec2.DescribeSecurityGroups_1.json',
      'custodian_placebo/sg/test_security_group_self_reference__ec2.DescribeSecurityGroups_1.json',
    ];
    /** The configuration item Config would record for a DescribeSecurityGroups entry. */
    function ciFromApi(sg: SecurityGroup) {
      const lower = (perm: NonNullable<SecurityGroup['IpPermissions']>[number]) => ({
        ipProtocol: perm.IpProtocol,
        fromPort: perm.FromPort,
        toPort: perm.ToPort,
        ipv4Ranges: (perm.IpRanges ?? []).map((r) => ({ cidrIp: r.CidrIp })),
        ipRanges: (perm.IpRanges ?? []).map((r) => r.CidrIp),
        ipv6Ranges: (perm.Ipv6Ranges ?? []).map((r) => ({ cidrIpv6: r.CidrIpv6 })),
        prefixListIds: (perm.PrefixListIds ?? []).map((r) => ({ prefixListId: r.PrefixListId })),
        userIdGroupPairs: (perm.UserIdGroupPairs ?? []).map((r) => ({
          groupId: r.GroupId,
          userId: r.UserId,
        })),
      });
      return normaliseConfigurationItem({
        awsAccountId: sg.OwnerId,
        awsRegion: 'us-east-1',
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: sg.GroupId,
        configurationItemStatus: 'OK',
        configurationItemCaptureTime: '2026-11-01T00:00:00Z',
        configuration: {
          groupId: sg.GroupId,
          groupName: sg.GroupName,
          ipPermissions: (sg.IpPermissions ?? []).map(lower),
        },
      });
    }
    for (const file of files)
      for (const sg of recorded<{ SecurityGroups: SecurityGroup[] }>(file).SecurityGroups)
        it(`${sg.GroupId} (${sg.GroupName})`, () => {
          const fromApi: SecurityGroupModel = securityGroupFromApi(sg, '123456789012', 'us-east-1');
          const fromCi = securityGroupFromConfigurationItem(ciFromApi(sg));
          for (const params of [p(), p({ authorizedTcpPorts: '80,443', allowIcmp: 'false' })])
            expect(evaluate(fromApi, params, none)).to.deep.equal(evaluate(fromCi, params, none));
        });
  });
});

import { expect } from 'chai';
import { InvalidParametersError } from '../../../shared/errors';
import {
  DECISION_TABLE,
  type Decision,
  decide,
  parseAllowList,
  roleOf,
} from '../../../shared/incident/decision';
import type { Finding } from '../../../shared/incident/finding';
import { parseFindings } from '../../../shared/incident/parse';
import { guardDutyEvent, merge, portProbe } from '../../helpers/findings';

/** A finding derived from the corpus SSH brute-force sample (see helpers/findings.ts), high severity by default. */
function finding(patch: unknown = {}): Finding {
  return parseFindings(guardDutyEvent(merge({ severity: 8 }, patch)))[0]!;
}

const playbooks = (d: Decision) => d.responses.map((r) => r.playbook);
const inbound = (remote: string) => ({
  service: {
    action: {
      networkConnectionAction: { connectionDirection: 'INBOUND', remoteIpDetails: { ipAddressV4: remote } },
    },
  },
});
const outbound = (remote: string) => ({
  service: {
    action: {
      networkConnectionAction: { connectionDirection: 'OUTBOUND', remoteIpDetails: { ipAddressV4: remote } },
    },
  },
});

describe('incident decision table', () => {
  it('is data: every row names types, responses and a reason ending with a period', () => {
    for (const row of DECISION_TABLE) {
      expect(row.types.length).to.be.greaterThan(0);
      expect(row.respond.length).to.be.greaterThan(0);
      expect(row.reason).to.match(/\.$/);
    }
  });

  it('Recon:EC2/Portscan: the instance scans, the remote address is its victim → isolate, never block', () => {
    const d = decide(
      finding(
        merge(outbound('203.0.113.10'), { type: 'Recon:EC2/Portscan', service: { resourceRole: 'ACTOR' } }),
      ),
    );
    expect(playbooks(d)).to.deep.equal(['isolate-ec2-instance', 'notify']);
    expect(d.spared.map((s) => s.address)).to.deep.equal(['203.0.113.10']);
    expect(d.responses.some((r) => r.ips)).to.equal(false);
  });

  it('SSH brute force against the instance (TARGET) → block the attacker inbound; the instance keeps running', () => {
    const d = decide(finding(inbound('203.0.113.10')));
    expect(playbooks(d)).to.deep.equal(['block-ip', 'notify']);
    expect(d.responses[0]).to.deep.include({ directions: 'inbound', instanceId: 'i-99999999' });
    expect(d.responses[0]!.ips?.map((i) => i.cidr)).to.deep.equal(['203.0.113.10/32']);
  });

  it('RDP brute force by the instance (ACTOR) → isolate it; its victim is not blocked', () => {
    const d = decide(
      finding(
        merge(outbound('203.0.113.10'), {
          type: 'UnauthorizedAccess:EC2/RDPBruteForce',
          service: { resourceRole: 'ACTOR' },
        }),
      ),
    );
    expect(playbooks(d)).to.deep.equal(['isolate-ec2-instance', 'notify']);
    expect(d.spared[0]?.address).to.equal('203.0.113.10');
  });

  it('brute force without a resource role: the direction decides (outbound: the instance is the actor)', () => {
    const f = finding(merge(outbound('203.0.113.10'), { service: { resourceRole: undefined } }));
    expect(roleOf(f)).to.equal('ACTOR');
    expect(playbooks(decide(f))).to.deep.equal(['isolate-ec2-instance', 'notify']);
  });

  it('brute force with neither role nor direction: only a notification, saying why', () => {
    const f = finding({
      service: {
        resourceRole: undefined,
        action: { networkConnectionAction: { connectionDirection: 'UNKNOWN' } },
      },
    });
    const d = decide(f);
    expect(d.notifyOnly).to.equal(true);
    expect(d.reasons[0]).to.contain('known resource role');
  });

  for (const type of ['UnauthorizedAccess:EC2/MaliciousIPCaller.Custom', 'Backdoor:EC2/C&CActivity.B'])
    it(`${type} → block inbound and outbound, then isolate (evidence first when a bucket is configured)`, () => {
      const d = decide(finding(merge(outbound('203.0.113.66'), { type })), {
        evidenceBucket: 'evidence-bucket',
      });
      expect(playbooks(d)).to.deep.equal(['collect-evidence', 'block-ip', 'isolate-ec2-instance', 'notify']);
      expect(d.responses[1]).to.deep.include({ directions: 'inbound-and-outbound' });
    });

  it('CryptoCurrency:EC2/BitcoinTool.B!DNS (a domain, no address) → isolate', () => {
    const d = decide(
      finding({
        type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
        service: {
          action: {
            actionType: 'DNS_REQUEST',
            networkConnectionAction: undefined,
            dnsRequestAction: { domain: 'pool.example' },
          },
        },
      }),
    );
    expect(playbooks(d)).to.deep.equal(['isolate-ec2-instance', 'notify']);
  });

  it('InstanceCredentialExfiltration.OutsideAWS → revoke the role’s sessions first, then isolate the instance', () => {
    const d = decide(
      finding({
        type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
        resource: {
          resourceType: 'AccessKey',
          instanceDetails: undefined,
          accessKeyDetails: {
            principalId: 'AROAEXAMPLE:i-0abc1234def567890',
            userName: 'web-app-role',
            userType: 'AssumedRole',
          },
        },
      }),
    );
    expect(playbooks(d)).to.deep.equal(['revoke-role-sessions', 'isolate-ec2-instance', 'notify']);
    expect(d.responses[0]).to.deep.include({ roleName: 'web-app-role', instanceId: 'i-0abc1234def567890' });
    expect(d.responses[1]).to.deep.include({ instanceId: 'i-0abc1234def567890' });
  });

  it('Recon:EC2/PortProbeUnprotectedPort → block every probing address (IPv4 and IPv6), spare private ones', () => {
    const d = decide(
      finding(
        merge(portProbe(['203.0.113.1', '203.0.113.2', '2001:db8::5', '10.1.2.3', '0.0.0.0']), {
          type: 'Recon:EC2/PortProbeUnprotectedPort',
        }),
      ),
    );
    expect(playbooks(d)).to.deep.equal(['block-ip', 'notify']);
    expect(d.responses[0]!.ips?.map((i) => i.address)).to.deep.equal([
      '203.0.113.1',
      '203.0.113.2',
      '2001:db8::5',
    ]);
    expect(d.spared).to.deep.equal([
      { address: '10.1.2.3', reason: 'is in the allow-list (10.0.0.0/8)' },
      { address: '0.0.0.0', reason: 'is the unspecified address (0.0.0.0/8)' },
    ]);
  });

  it('an allow-listed address is never blocked; when nothing is left to block, block-ip is skipped', () => {
    const d = decide(finding(inbound('198.51.100.7')), { allowList: parseAllowList('198.51.100.0/24') });
    expect(d.notifyOnly).to.equal(true);
    expect(d.spared).to.deep.equal([
      { address: '198.51.100.7', reason: 'is in the allow-list (198.51.100.0/24)' },
    ]);
    expect(d.reasons.join(' ')).to.contain('block-ip is skipped');
  });

  describe('filters: nothing but a notification', () => {
    it('below the minimum severity (default 7)', () => {
      const d = decide(finding({ severity: 6.9 }));
      expect(playbooks(d)).to.deep.equal(['notify']);
      expect(d).to.deep.include({ notifyOnly: true, filteredBy: 'severity' });
      expect(decide(finding({ severity: 5 }), { minSeverity: 5 }).notifyOnly).to.equal(false);
    });
    it('the skip tag on the resource', () => {
      const d = decide(
        finding({
          resource: { instanceDetails: { tags: [{ key: 'rebaseline:incident-response', value: 'skip' }] } },
        }),
      );
      expect(d).to.deep.include({ notifyOnly: true, filteredBy: 'skip-tag' });
    });
    it('the skip tag key with another value is no skip', () => {
      const d = decide(
        finding({
          resource: { instanceDetails: { tags: [{ key: 'rebaseline:incident-response', value: 'on' }] } },
        }),
      );
      expect(d.notifyOnly).to.equal(false);
    });
    it('an unknown finding type', () => {
      const d = decide(finding({ type: 'Canary:EC2/Stateless.IntegTest' }));
      expect(d).to.deep.include({ notifyOnly: true });
      expect(d.reasons[0]).to.equal('No playbook answers Canary:EC2/Stateless.IntegTest: a person decides.');
    });
    it('a type outside the configured prefixes', () => {
      expect(decide(finding(), { typePrefixes: ['Recon:'] })).to.deep.include({
        notifyOnly: true,
        filteredBy: 'type',
      });
      expect(decide(finding(), { typePrefixes: ['UnauthorizedAccess:EC2/'] }).notifyOnly).to.equal(false);
    });
    it('an archived finding', () => {
      expect(decide(finding({ service: { archived: true } }))).to.deep.include({
        notifyOnly: true,
        filteredBy: 'archived',
      });
    });
  });

  it('the allow-list parameter: CIDRs and addresses, canonical; anything else names the entry', () => {
    expect(parseAllowList(' 203.0.113.0/24 ,2001:DB8::/32, 198.51.100.7')).to.deep.equal([
      '203.0.113.0/24',
      '2001:db8::/32',
      '198.51.100.7/32',
    ]);
    expect(() => parseAllowList('203.0.113.0/33')).to.throw(InvalidParametersError, '203.0.113.0/33');
  });
});

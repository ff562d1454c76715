import { expect } from 'chai';
import type { PlannedResponse } from '../../../shared/incident/decision';
import { parseIpAddress } from '../../../shared/incident/ip';
import { executionParts, MAX_PARAMETER_VALUE } from '../../../shared/incident/parameters';

const blockIp = (addresses: string[]): PlannedResponse => ({
  playbook: 'block-ip',
  reason: 'Known scanners probe an open port of the instance: every probing address is denied inbound.',
  directions: 'inbound',
  instanceId: 'i-0123456789abcdef0',
  ips: addresses.map((a) => parseIpAddress(a)!),
});

describe('incident parameters: executions SSM accepts', () => {
  it('a few addresses: one execution, unchanged', () => {
    const planned = blockIp(['203.0.113.1', '2001:db8::1']);
    expect(executionParts(planned)).to.deep.equal([planned]);
  });

  it('a port probe of 100 addresses (IPv4 and full-length IPv6): parts of at most 512 characters, every address once, in order', () => {
    const addresses = [
      ...Array.from({ length: 70 }, (_, i) => `198.51.${100 + (i % 3)}.${100 + i}`),
      ...Array.from({ length: 30 }, (_, i) => `2001:db8:1234:5678:9abc:def0:${(0x1000 + i).toString(16)}:1`),
    ];
    const parts = executionParts(blockIp(addresses));
    expect(parts.length).to.be.greaterThan(1);
    for (const part of parts) {
      expect(part.ips!.map((i) => i.address).join(',').length).to.be.at.most(MAX_PARAMETER_VALUE);
      expect(part).to.deep.include({
        playbook: 'block-ip',
        directions: 'inbound',
        instanceId: 'i-0123456789abcdef0',
      });
    }
    expect(parts.flatMap((p) => p.ips!.map((i) => i.address))).to.deep.equal(addresses);
    // Packed: no part but the last could have taken the next part's first address.
    for (const [i, part] of parts.slice(0, -1).entries())
      expect([...part.ips!, parts[i + 1]!.ips![0]!].map((x) => x.address).join(',').length).to.be.greaterThan(
        MAX_PARAMETER_VALUE,
      );
  });

  it('exactly 512 characters is one part, 513 is two', () => {
    const thirtySix = Array.from({ length: 36 }, (_, i) => `203.0.113.${100 + i}`);
    expect(thirtySix.join(',').length).to.equal(503);
    expect(executionParts(blockIp([...thirtySix, '1.2.3.45']))).to.have.length(1);
    const [first, second] = executionParts(blockIp([...thirtySix, '1.2.34.56']));
    expect(first!.ips!.map((i) => i.address)).to.deep.equal(thirtySix);
    expect(second!.ips!.map((i) => i.address)).to.deep.equal(['1.2.34.56']);
  });

  it('other playbooks are one execution', () => {
    const isolate: PlannedResponse = { playbook: 'isolate-ec2-instance', reason: 'x.', instanceId: 'i-1' };
    expect(executionParts(isolate)).to.deep.equal([isolate]);
  });
});

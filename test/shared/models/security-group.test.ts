import { expect } from 'chai';
import fc from 'fast-check';
import { itemStream } from '../../../bench/generate';
import {
  evaluate,
  findPublicIngress,
  type Parameters,
  rule,
} from '../../../rules/ec2-security-group-no-public-ingress/evaluate';
import { normaliseConfigurationItem } from '../../../shared/config/configuration-item';
import {
  readPlainSecurityGroup,
  readSecurityGroupStrictly,
  type SecurityGroupModel,
} from '../../../shared/models/security-group';
import { ruleTargets } from '../../fuzz/targets';
import { edgeCases } from '../../golden/edge';
import { agreesWithStrict, singleMutations } from '../../helpers/plain-reader';
import { params } from '../../helpers/rules';

/** The strict reader's model, or the error it raises. */
function strictly(raw: unknown): { model?: SecurityGroupModel; error?: unknown } {
  try {
    return { model: readSecurityGroupStrictly(normaliseConfigurationItem(raw)) };
  } catch (error) {
    return { error };
  }
}

/** The plain reader, where the item normalises at all. */
function plainly(raw: unknown): SecurityGroupModel | undefined {
  try {
    return readPlainSecurityGroup(normaliseConfigurationItem(raw));
  } catch {
    return undefined;
  }
}

const corpus = () =>
  ruleTargets().find((t) => t.name === 'security group, configuration item (change path)')?.seeds ?? [];
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('shared/models/security-group', () => {
  describe('the plain reader (the fast path) and the strict one give the same model', () => {
    it('on the corpus, 3,000 generated items and the golden edge cases; the plain reader reads every one Config writes today', () => {
      // Prepare
      const items = [
        ...corpus(),
        ...itemStream('ec2-security-group-no-public-ingress', 3_000, 1),
        ...edgeCases('ec2-security-group-no-public-ingress', 3_000, 1).map((e) => e.item),
      ].map(json);
      let plain = 0;
      // Act / Assess
      for (const raw of items) {
        const model = plainly(raw);
        const strict = strictly(raw);
        if (model === undefined) continue;
        plain++;
        expect(strict.error, JSON.stringify(raw).slice(0, 200)).to.equal(undefined);
        expect(model).to.deep.equal(strict.model);
      }
      // Only the legacy and oddly written items of the corpus need the strict reader.
      expect(plain).to.be.greaterThan(items.length - corpus().length);
    });

    it('on every single mutation of real and generated items: never a model the strict reader refuses', () => {
      const seeds = [...corpus(), ...itemStream('ec2-security-group-no-public-ingress', 40, 3)].map(json);
      fc.assert(fc.property(singleMutations(seeds), agreesWithStrict(plainly, strictly)), {
        numRuns: 5_000,
        seed: 20261204,
      });
    });
  });

  describe("the evaluator's direct verdict and the complete analysis agree", () => {
    it('on random groups whose sources are halves, quarters and /0s of both families, with readable prefix lists', () => {
      const p = params<Parameters>(rule, {
        authorizedTcpPorts: '80,443,1000-2000',
        authorizedUdpPorts: '53',
      });
      const ctx = {
        prefixLists: {
          'pl-half1': ['0.0.0.0/1'],
          'pl-half2': ['128.0.0.0/1'],
          'pl-world': ['0.0.0.0/0'],
          'pl-private': ['10.0.0.0/8'],
        },
      };
      const cidr4 = fc.constantFrom(
        '0.0.0.0/0',
        '0.0.0.0/1',
        '128.0.0.0/1',
        '64.0.0.0/2',
        '10.0.0.0/8',
        '10.0.0.1/0',
      );
      const cidr6 = fc.constantFrom('::/0', '::/1', '8000::/1', '2001:db8::/32');
      const permission = fc.record({
        protocol: fc.constantFrom('tcp', 'udp', 'all', 'icmp', '47'),
        range: fc.constantFrom([22, 22], [80, 80], [0, 65535], [1500, 3000], [20, 25]),
        ipv4: fc.array(cidr4, { maxLength: 3 }),
        ipv6: fc.array(cidr6, { maxLength: 2 }),
        prefixListIds: fc.array(fc.constantFrom(...Object.keys(ctx.prefixLists)), { maxLength: 2 }),
      });
      fc.assert(
        fc.property(fc.array(permission, { maxLength: 5 }), (perms) => {
          const model: SecurityGroupModel = {
            resourceType: 'AWS::EC2::SecurityGroup',
            resourceId: 'sg-1',
            accountId: '123456789012',
            ingress: perms.map((x) => ({
              protocol: x.protocol as never,
              ...(x.protocol === 'all' || x.protocol === '47'
                ? {}
                : { fromPort: x.range[0], toPort: x.range[1] }),
              ipv4: x.ipv4,
              ipv6: x.ipv6,
              prefixListIds: x.prefixListIds,
              groupIds: [],
            })),
          };
          const reasons = [...new Set(findPublicIngress(model, p, ctx).map((f) => f.reason))];
          const verdict = evaluate(model, p, ctx);
          if (reasons.length > 0)
            expect(verdict).to.deep.equal({ complianceType: 'NON_COMPLIANT', annotation: reasons.join(' ') });
          else expect(verdict.complianceType).to.equal('COMPLIANT');
        }),
        { numRuns: 5_000, seed: 20261205 },
      );
    });
  });
});

import { expect } from 'chai';
import { RULES } from '../../rules';
import { rule as accountBpa } from '../../rules/s3-account-public-access-blocked/evaluate';
import { ec2Reads } from '../../shared/collectors/reads/ec2';
import { s3controlReads } from '../../shared/collectors/reads/s3control';
import type { AccountPublicAccessBlockModel } from '../../shared/models/public-access-block';
import { defineRule, type RuleDefinition } from '../../shared/rule';

describe('shared/rule', () => {
  describe('reads', () => {
    it('every registered rule declares at least one part, each under its own name', () => {
      for (const rule of RULES) {
        const parts = Object.entries(rule.reads);
        expect(parts, rule.meta.id).to.not.be.empty;
        for (const [name, reads] of parts) expect(reads.part, rule.meta.id).to.equal(name);
      }
    });

    // The cases below are checked by `tsc --noEmit` (part of npm test): each @ts-expect-error must meet an error.
    it('gives collect and loadContext only the reads of the declared parts', () => {
      const rule = defineRule<AccountPublicAccessBlockModel, Record<string, never>, undefined, 's3control'>({
        meta: accountBpa.meta,
        reads: { s3control: s3controlReads },
        collect: async (reader) => {
          // @ts-expect-error describeSecurityGroups is a read of the ec2 part, which this rule does not declare.
          await reader.describeSecurityGroups();
          return [];
        },
        loadContext: async (reader) => {
          await reader.accountPublicAccessBlock();
        },
        evaluate: () => ({ complianceType: 'NOT_APPLICABLE' }),
      });
      expect(Object.keys(rule.reads)).to.deep.equal(['s3control']);
    });

    it('requires every declared part, each under its own name', () => {
      type Reads = RuleDefinition<AccountPublicAccessBlockModel, never, never, 'ec2' | 's3control'>['reads'];
      const reads: Reads[] = [
        // @ts-expect-error the ec2 part is declared but not given.
        { s3control: s3controlReads },
        // @ts-expect-error the ec2 part given under the s3control name.
        { ec2: ec2Reads, s3control: ec2Reads },
        { ec2: ec2Reads, s3control: s3controlReads },
      ];
      expect(reads).to.have.length(3);
    });
  });
});

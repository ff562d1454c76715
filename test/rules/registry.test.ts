import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { expect } from 'chai';
import { REMEDIATIONS } from '../../remediations';
import { RULES } from '../../rules';
import { parseRuleParameters } from '../../shared/params';
import { RULE_SCHEMA as ruleSchema } from '../../shared/schemas/rule';

const RULES_DIR = join(__dirname, '..', '..', 'rules');
const folders = readdirSync(RULES_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

describe('rule registry', () => {
  it('registers every rule folder, once', () => {
    expect(RULES.map((r) => r.meta.id).sort()).to.deep.equal([...folders].sort());
  });

  const validate = new Ajv({ allErrors: true, strict: true }).compile(ruleSchema);
  for (const id of folders)
    describe(id, () => {
      const file = join(RULES_DIR, id, 'rule.json');
      const meta = JSON.parse(readFileSync(file, 'utf8'));
      const rule = RULES.find((r) => r.meta.id === id);

      it('has valid metadata whose id is the folder name', () => {
        expect(validate(meta), JSON.stringify(validate.errors)).to.equal(true);
        expect(meta.id).to.equal(id);
      });

      it('declares IAM actions', () => {
        expect(meta.iam.flatMap((s: { actions: string[] }) => s.actions)).to.not.be.empty;
      });

      it('has an evaluator, a one-line handler and tests', () => {
        const handler = readFileSync(join(RULES_DIR, id, 'handler.ts'), 'utf8');
        expect(handler).to.match(/export const handler = createConfigRuleHandler\(rule\);/);
        expect(existsSync(join(__dirname, id))).to.equal(true);
      });

      it('can build models for each of its triggers', () => {
        expect(rule).to.exist;
        if (meta.trigger.configurationChange) expect(rule?.fromConfigurationItem).to.be.a('function');
        if (meta.trigger.periodic) expect(rule?.collect).to.be.a('function');
      });

      it('parses its own defaults', () => {
        const params = parseRuleParameters(meta, {});
        for (const [name, schema] of Object.entries<{ default: unknown }>(meta.parameters.properties))
          expect(params).to.have.deep.property(name, schema.default);
      });

      it('pairs with a registered remediation that restores it, or none (a detection-only rule)', () => {
        if (meta.remediation === undefined) return;
        const remediation = REMEDIATIONS.find((r) => r.meta.id === meta.remediation);
        expect(remediation, `remediation ${meta.remediation}`).to.exist;
        expect(remediation?.meta.rules).to.include(id);
      });

      it('says why each statement on Resource "*" cannot name its resources, and only those', () => {
        for (const statement of meta.iam as { resources: string[]; wildcardReason?: string }[])
          expect(
            statement.resources.includes('*'),
            `${JSON.stringify(statement.resources)} with wildcardReason ${statement.wildcardReason}`,
          ).to.equal(statement.wildcardReason !== undefined);
      });
    });
});

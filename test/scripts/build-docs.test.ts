import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { RULES } from '../../rules';
import {
  IAM_POLICY_FILES,
  iamPolicyFile,
  README,
  rulesTable,
  withRulesTable,
} from '../../scripts/build-docs';

describe('README rules table (scripts/build-docs.ts)', () => {
  it('is up to date with the registry (run `npm run build:docs`)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(
      withRulesTable(readme) === readme,
      'README.md rules table is stale: run npm run build:docs',
    ).to.equal(true);
  });

  it('has one row per registered rule, naming its parameters and remediation', () => {
    const table = rulesTable();
    for (const rule of RULES) {
      expect(table).to.include(`\`${rule.meta.id}\``);
      expect(table).to.include(rule.meta.remediation ? `\`${rule.meta.remediation}\`` : '— (detection only)');
      for (const name of Object.keys(rule.meta.parameters.properties))
        expect(table).to.include(`\`${name}\``);
    }
  });

  it('keeps docs/iam/*.json, the policies to attach, up to date with the registries (run `npm run build:docs`)', () => {
    for (const [kind, path] of Object.entries(IAM_POLICY_FILES))
      expect(
        readFileSync(path, 'utf8') === iamPolicyFile(kind as keyof typeof IAM_POLICY_FILES),
        `${path} is stale: run npm run build:docs`,
      ).to.equal(true);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { expect } from 'chai';
import { buildSchemas, METADATA_AJV_OPTIONS } from '../../scripts/build-schemas';
import { DeploymentConfigError } from '../../shared/errors';
import { playbookMetadata, remediationMetadata, ruleMetadata } from '../../shared/metadata';
import { PLAYBOOK_SCHEMA } from '../../shared/schemas/playbook';
import { REMEDIATION_SCHEMA } from '../../shared/schemas/remediation';
import { RULE_SCHEMA } from '../../shared/schemas/rule';

const ROOT = join(__dirname, '..', '..');
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

/** Hostile and broken metadata: each must be refused by the precompiled validator as by one compiled now. */
function variants(valid: Record<string, unknown>): unknown[] {
  return [
    valid,
    null,
    [],
    'rule',
    {},
    { ...valid, id: 'Not An Id' },
    { ...valid, id: 'x'.repeat(65) },
    { ...valid, unknownField: true },
    { ...valid, title: 'short' },
    { ...valid, description: 'No full stop at the end of this description' },
    { ...valid, severity: 'urgent' },
    { ...valid, rules: ['a-rule', 'a-rule'] },
    { ...valid, title: '\u{1F512}'.repeat(9) },
    { ...valid, iam: [] },
    { ...valid, iam: [{ actions: ['ec2:Describe*'], resources: ['*'], reason: 'too short' }] },
    { ...valid, controls: {} },
    { ...valid, __proto__: { id: 'x' } },
    Object.fromEntries(Object.entries(valid).filter(([k]) => k !== 'id')),
  ];
}

describe('shared/metadata (validators compiled ahead of time)', () => {
  it('the generated validators are those of the current schemas (npm run generate is up to date)', () => {
    expect(buildSchemas({ write: false })).to.deep.equal([]);
  });

  for (const [what, schema, parse, sample] of [
    ['rule.json', RULE_SCHEMA, ruleMetadata, 'rules/ec2-security-group-no-public-ingress/rule.json'],
    [
      'remediation.json',
      REMEDIATION_SCHEMA,
      remediationMetadata,
      'remediations/revoke-public-ingress/remediation.json',
    ],
    ['playbook.json', PLAYBOOK_SCHEMA, playbookMetadata, 'playbooks/block-ip/playbook.json'],
  ] as const)
    describe(what, () => {
      const compiled = new Ajv(METADATA_AJV_OPTIONS).compile(schema);
      const valid = json(sample);

      it('accepts and refuses exactly what the schema compiled at run time does', () => {
        for (const input of variants(valid)) {
          const expected = compiled(input);
          if (expected) expect(parse(input), JSON.stringify(input)).to.equal(input);
          else expect(() => parse(input), JSON.stringify(input)).to.throw(DeploymentConfigError);
        }
      });

      it('names the id, the field and what is wrong', () => {
        expect(() => parse({ ...valid, title: 'short' })).to.throw(
          DeploymentConfigError,
          new RegExp(`^${what} of \\w+ ${valid.id}: /title must NOT have fewer than 10 characters\\.$`),
        );
        expect(() => parse({ ...valid, extra: 1 })).to.throw(
          /\(top level\) must NOT have additional properties \(extra\)\./,
        );
      });
    });
});

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { expect } from 'chai';
import { RULES } from '../../../rules';
import { DeploymentConfigError } from '../../../shared/errors';
import { PARAMETER_AJV_OPTIONS, parameterSchema } from '../../../shared/params';
import { PAYLOAD_AJV_OPTIONS, payloadSchemas } from '../../../shared/remediation/payload';
import { precompiledValidator, schemaDigest, useSchemaCompiler } from '../../../shared/schemas/precompiled';
import PARAMETER_VALIDATORS from '../../../shared/schemas/validate-parameters.generated';
import PAYLOAD_VALIDATORS from '../../../shared/schemas/validate-payloads.generated';

const ROOT = join(__dirname, '..', '..', '..');

/** The ids of the folders under `dir` that have a handler.ts, each handler loaded (which registers its payload). */
function handlers(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    if (!entry.isDirectory() || !readdirSync(join(ROOT, dir, entry.name)).includes('handler.ts')) return [];
    require(join(ROOT, dir, entry.name, 'handler.ts'));
    return [entry.name];
  });
}

describe('shared/schemas/precompiled (validators compiled ahead of time)', () => {
  // The suite gives a compiler for its own schemas (test/setup.ts); these tests check the product has none to need.
  const compile = (schema: object, options: Readonly<Record<string, unknown>>) =>
    new Ajv(options).compile(schema);
  beforeEach(() => useSchemaCompiler(undefined));
  afterEach(() => useSchemaCompiler(compile));

  it("every rule's parameters are validated by its precompiled validator", () => {
    for (const rule of RULES) {
      const schema = parameterSchema(rule.meta);
      const validate = precompiledValidator(
        PARAMETER_VALIDATORS,
        rule.meta.id,
        schema,
        PARAMETER_AJV_OPTIONS,
        'x',
      );
      expect(validate, rule.meta.id).to.equal(PARAMETER_VALIDATORS[rule.meta.id]?.validate);
    }
    expect(Object.keys(PARAMETER_VALIDATORS).sort()).to.deep.equal(RULES.map((r) => r.meta.id).sort());
  });

  it("every remediation's and playbook's payload is validated by its precompiled validator", () => {
    const ids = [...handlers('remediations'), ...handlers('playbooks')].filter((id) =>
      payloadSchemas().has(id),
    );
    expect(ids).to.include.members(['revoke-public-ingress', 'block-ip', 'notify']);
    for (const id of ids) {
      const schema = payloadSchemas().get(id) as object;
      expect(precompiledValidator(PAYLOAD_VALIDATORS, id, schema, PAYLOAD_AJV_OPTIONS, 'x'), id).to.equal(
        PAYLOAD_VALIDATORS[id]?.validate,
      );
    }
    expect(Object.keys(PAYLOAD_VALIDATORS).sort()).to.deep.equal(ids.sort());
  });

  it('refuses a schema it has no validator for, naming it and npm run generate (nothing is compiled)', () => {
    expect(() =>
      precompiledValidator(
        PARAMETER_VALIDATORS,
        'no-such-rule',
        { type: 'object' },
        {},
        'the parameters of rule no-such-rule',
      ),
    ).to.throw(
      DeploymentConfigError,
      'No validator is compiled for the parameters of rule no-such-rule: run npm run generate.',
    );
  });

  it('refuses a validator compiled from an older schema (rule.json edited since npm run generate)', () => {
    const rule = RULES[0];
    if (!rule) throw new Error('no rule');
    const edited = { ...parameterSchema(rule.meta), required: ['exemptTagKey'] };
    expect(() =>
      precompiledValidator(
        PARAMETER_VALIDATORS,
        rule.meta.id,
        edited,
        PARAMETER_AJV_OPTIONS,
        `rule ${rule.meta.id}`,
      ),
    ).to.throw(
      DeploymentConfigError,
      `No validator is compiled for rule ${rule.meta.id} as it is now (its schema or its ajv options changed since): run npm run generate.`,
    );
  });

  it('refuses a validator compiled with other ajv options (PARAMETER_AJV_OPTIONS edited since npm run generate)', () => {
    const rule = RULES[0];
    if (!rule) throw new Error('no rule');
    const schema = parameterSchema(rule.meta);
    expect(
      precompiledValidator(PARAMETER_VALIDATORS, rule.meta.id, schema, PARAMETER_AJV_OPTIONS, 'x'),
    ).to.equal(PARAMETER_VALIDATORS[rule.meta.id]?.validate);
    for (const options of [{ ...PARAMETER_AJV_OPTIONS, useDefaults: false }, {}])
      expect(() =>
        precompiledValidator(PARAMETER_VALIDATORS, rule.meta.id, schema, options, `rule ${rule.meta.id}`),
      ).to.throw(DeploymentConfigError, /its schema or its ajv options changed since/);
  });

  it('tells schemas apart by their JSON and their ajv options', () => {
    expect(schemaDigest({ type: 'object' })).to.match(/^[0-9a-f]{8}$/);
    expect(schemaDigest({ type: 'object' })).to.equal(schemaDigest({ type: 'object' }));
    expect(schemaDigest({ type: 'object' })).not.to.equal(schemaDigest({ type: 'array' }));
    expect(schemaDigest({ type: 'object' }, { useDefaults: true })).not.to.equal(
      schemaDigest({ type: 'object' }, { useDefaults: false }),
    );
  });
});

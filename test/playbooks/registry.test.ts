import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { expect } from 'chai';
import { loadCommandDocument } from '../../app/ssm/command';
import { loadAutomationDocument } from '../../app/ssm/document';
import { PLAYBOOKS, playbookForFunction } from '../../playbooks';
import { DECISION_TABLE, PLAYBOOK_IDS } from '../../shared/incident/decision';
import { RESPONSE_SETTINGS } from '../../shared/incident/settings';
import { playbookMetadata } from '../../shared/metadata';
import { PLAYBOOK_SCHEMA } from '../../shared/schemas/playbook';

const DIR = join(__dirname, '..', '..', 'playbooks');
/** The deployed router and the custom-action resource are Lambdas beside the playbooks, not playbooks. */
const INFRASTRUCTURE = ['action-targets', 'router'];
const folders = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !INFRASTRUCTURE.includes(d.name))
  .map((d) => d.name);

/** The IAM action of a call a handler makes (`elbv2` calls are `elasticloadbalancing:` in IAM). */
const iamAction = (call: string) => call.replace(/^elbv2:/, 'elasticloadbalancing:');

describe('playbook registry', () => {
  it('holds only playbooks (playbook.json) besides the router and the custom-action resource', () => {
    for (const name of folders) expect(existsSync(join(DIR, name, 'playbook.json')), name).to.equal(true);
    for (const name of INFRASTRUCTURE) expect(existsSync(join(DIR, name, 'handler.ts')), name).to.equal(true);
  });

  it('registers every playbook folder, once, and every playbook the decision table can run', () => {
    expect(PLAYBOOKS.map((p) => p.meta.id).sort()).to.deep.equal([...folders].sort());
    expect([...PLAYBOOK_IDS].sort()).to.deep.equal([...folders].sort());
    for (const row of DECISION_TABLE) for (const r of row.respond) expect(folders).to.include(r.playbook);
  });

  const validate = new Ajv({ allErrors: true, strict: true }).compile(PLAYBOOK_SCHEMA);
  for (const id of folders)
    describe(id, () => {
      const dir = join(DIR, id);
      const meta = playbookMetadata(JSON.parse(readFileSync(join(dir, 'playbook.json'), 'utf8')));
      const doc = () => loadAutomationDocument(join(dir, 'document.yaml'), { kind: 'playbook' });

      it('has valid metadata whose id is the folder name', () => {
        expect(validate(meta), JSON.stringify(validate.errors)).to.equal(true);
        expect(meta.id).to.equal(id);
      });

      it('says why each statement on Resource "*" cannot name its resources, and only those', () => {
        for (const statement of [...meta.iam, ...(meta.lambda?.iam ?? [])])
          expect(
            statement.resources.includes('*'),
            `${JSON.stringify(statement.actions)} on ${JSON.stringify(statement.resources)} with wildcardReason ${statement.wildcardReason}`,
          ).to.equal(statement.wildcardReason !== undefined);
      });

      it('has a document that passes the validator (playbook sections, anchored patterns, ends verifying)', () => {
        expect(doc().name).to.equal(id);
      });

      it('says where every document parameter comes from, and only those', () => {
        expect(Object.keys(meta.parameters).sort()).to.deep.equal(Object.keys(doc().parameters).sort());
        for (const [name, source] of Object.entries(meta.parameters))
          if (source.source === 'setting')
            expect(RESPONSE_SETTINGS, `${name}: setting ${source.setting}`).to.have.property(source.setting);
      });

      it('its Lambda exists, is found by function name, and every Lambda step invokes it', () => {
        expect(meta.lambda, 'every playbook has a Lambda').to.exist;
        expect(existsSync(join(dir, 'handler.ts'))).to.equal(true);
        expect(playbookForFunction(`rebaseline-prod-${id}`)?.meta.id).to.equal(id);
        for (const step of doc().mainSteps.filter((s) => s.action === 'aws:invokeLambdaFunction'))
          expect((step.inputs as { FunctionName: string }).FunctionName).to.equal('{{ LambdaFunctionName }}');
      });

      it('its automation role may do exactly what the document does itself', () => {
        const actions = new Set(meta.iam.flatMap((s) => s.actions));
        const steps = doc().mainSteps;
        expect(actions.has('lambda:InvokeFunction')).to.equal(true);
        expect(actions.has('ssm:SendCommand')).to.equal(steps.some((s) => s.action === 'aws:runCommand'));
      });

      it('its Lambda may make every call its handler can make', () => {
        // The handler's table of calls (`SENDS`) is what it can send; require keeps this synchronous under tsx/cjs.
        const handler = require(join(dir, 'handler.ts')) as { SENDS?: Record<string, unknown> };
        const granted = new Set((meta.lambda?.iam ?? []).flatMap((s) => s.actions));
        for (const call of Object.keys(handler.SENDS ?? {}))
          expect(granted, `${id}: ${call}`).to.include(iamAction(call));
      });

      if (meta.commandDocument)
        it('its Run Command document is valid', () => {
          expect(
            loadCommandDocument(join(dir, meta.commandDocument as string)).mainSteps.length,
          ).to.be.greaterThan(0);
        });
    });
});

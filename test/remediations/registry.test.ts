import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { expect } from 'chai';
import { type AutomationDocument, loadAutomationDocument } from '../../app/ssm/document';
import { REMEDIATIONS, remediationForFunction } from '../../remediations';
import { findRule } from '../../rules';
import { STATEMENT_SWITCHES } from '../../scripts/deploy/stage-params';
import { remediationMetadata } from '../../shared/metadata';
import { parameterSchema, parseRuleParameters } from '../../shared/params';
import { ruleParameterFields } from '../../shared/remediation/metadata';
import { payloadSchemaOf } from '../../shared/remediation/payload';
import { REMEDIATION_SCHEMA as remediationSchema } from '../../shared/schemas/remediation';

const REMEDIATIONS_DIR = join(__dirname, '..', '..', 'remediations');
const folders = readdirSync(REMEDIATIONS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

/** Step APIs whose IAM action is not `<service>:<Api>` (S3 and S3 Control share the `s3:` prefix). */
const IAM_ACTION_OF: Record<string, string> = {
  's3:PutPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3:GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  's3:DeletePublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3:ListBuckets': 's3:ListAllMyBuckets',
  's3:HeadBucket': 's3:ListBucket',
  's3control:PutPublicAccessBlock': 's3:PutAccountPublicAccessBlock',
  's3control:GetPublicAccessBlock': 's3:GetAccountPublicAccessBlock',
};

const API_ACTIONS = ['aws:executeAwsApi', 'aws:assertAwsResourceProperty', 'aws:waitForAwsResourceProperty'];

/** The IAM actions the document's own API steps need. */
function actionsNeeded(doc: AutomationDocument): Set<string> {
  const needed = new Set<string>();
  for (const step of doc.mainSteps) {
    if (API_ACTIONS.includes(step.action)) {
      const { Service, Api } = step.inputs as { Service: string; Api: string };
      const key = `${Service}:${Api}`;
      needed.add(IAM_ACTION_OF[key] ?? (Service === 's3control' ? `s3:${Api}` : key));
    }
    if (step.action === 'aws:invokeLambdaFunction') needed.add('lambda:InvokeFunction');
  }
  return needed;
}

describe('remediation registry', () => {
  it('registers every remediation folder, once', () => {
    expect(REMEDIATIONS.map((r) => r.meta.id).sort()).to.deep.equal([...folders].sort());
  });

  const validate = new Ajv({ allErrors: true, strict: true }).compile(remediationSchema);
  for (const id of folders)
    describe(id, () => {
      const dir = join(REMEDIATIONS_DIR, id);
      const meta = remediationMetadata(JSON.parse(readFileSync(join(dir, 'remediation.json'), 'utf8')));
      const registered = REMEDIATIONS.find((r) => r.meta.id === id);
      let doc: AutomationDocument | undefined;
      const document = () => {
        doc ??= loadAutomationDocument(join(dir, 'document.yaml'));
        return doc;
      };

      it('has valid metadata whose id is the folder name', () => {
        expect(validate(meta), JSON.stringify(validate.errors)).to.equal(true);
        expect(meta.id).to.equal(id);
        expect(registered?.dir).to.equal(dir);
      });

      it('has a document that passes the document validator', () => {
        expect(document().name).to.equal(id);
      });

      it('restores existing rules whose rule.json points back to it, named in the description', () => {
        for (const ruleId of meta.rules) {
          const rule = findRule(ruleId);
          expect(rule, `rule ${ruleId}`).to.exist;
          expect(rule?.meta.remediation).to.equal(id);
          expect(document().description).to.include(ruleId);
        }
      });

      it("declares exactly the document's parameters", () => {
        expect(Object.keys(meta.parameters).sort()).to.deep.equal(Object.keys(document().parameters).sort());
        const bySource = (source: string) =>
          Object.entries(meta.parameters)
            .filter(([, s]) => s.source === source)
            .map(([name]) => name);
        expect(bySource('resourceId'), 'one parameter receives the resource id').to.have.length(1);
        expect(bySource('assumeRole')).to.deep.equal(['AutomationAssumeRole']);
      });

      it("passes rule parameters that exist, with the rule's own defaults", () => {
        for (const [name, source] of Object.entries(meta.parameters)) {
          if (source.source !== 'ruleParameter') continue;
          for (const ruleId of meta.rules) {
            const rule = findRule(ruleId);
            if (!rule) continue;
            expect(parameterSchema(rule.meta).properties, `${name} → ${ruleId}`).to.have.property(
              source.ruleParameter,
            );
            const fallback = document().parameters[name]?.default;
            if (fallback === undefined) continue;
            const fromDefault = parseRuleParameters(rule.meta, { [source.ruleParameter]: fallback });
            const ruleDefault = parseRuleParameters(rule.meta, {});
            expect(fromDefault, `default of ${name}`).to.deep.equal(ruleDefault);
          }
        }
      });

      it('declares IAM actions: what its API steps need, and nothing they do not', () => {
        const needed = actionsNeeded(document());
        const declared = new Set(meta.iam.flatMap((s) => s.actions));
        // Actions a call needs although no step calls them (passing a role, S3 log delivery), by that call.
        const implied = new Set(
          meta.iam.filter((s) => s.impliedBy && needed.has(s.impliedBy)).flatMap((s) => s.actions),
        );
        expect(declared.size).to.be.greaterThan(0);
        expect(
          [...needed].filter((a) => !declared.has(a)),
          'missing',
        ).to.deep.equal([]);
        expect(
          [...declared].filter((a) => !needed.has(a) && !implied.has(a)),
          'not needed by any step',
        ).to.deep.equal([]);
      });

      it('has a Lambda exactly when its document invokes one, resolvable by function name', () => {
        const invokes = document().mainSteps.some((s) => s.action === 'aws:invokeLambdaFunction');
        expect(Boolean(meta.lambda), 'remediation.json lambda').to.equal(invokes);
        expect(existsSync(join(dir, 'handler.ts')), 'handler.ts').to.equal(invokes);
        expect(Boolean(registered?.createHandler), 'registered createHandler').to.equal(invokes);
        if (!invokes) return;
        expect(meta.lambda?.iam.flatMap((s) => s.actions)).to.not.be.empty;
        const lambdaParameter = Object.entries(meta.parameters).find(([, s]) => s.source === 'lambda')?.[0];
        expect(lambdaParameter, 'a parameter with source lambda').to.exist;
        for (const step of document().mainSteps.filter((s) => s.action === 'aws:invokeLambdaFunction'))
          expect(step.inputs.FunctionName).to.match(new RegExp(`^\\{\\{ *${lambdaParameter} *\\}\\}$`));
        for (const name of [
          `rebaseline-prod-${id}`,
          `arn:aws:lambda:eu-west-1:123456789012:function:rebaseline-${id}`,
        ])
          expect(remediationForFunction(name)?.meta.id, name).to.equal(id);
        const handler = readFileSync(join(dir, 'handler.ts'), 'utf8');
        expect(handler).to.match(/export function createHandler\(/);
        expect(handler).to.match(/export const handler = createHandler\(\);/);
      });

      it('passes the account the automation runs in to every Lambda step, which reads it as its metadata says', () => {
        const steps = document().mainSteps.filter((s) => s.action === 'aws:invokeLambdaFunction');
        for (const step of steps)
          expect(
            (step.inputs.InputPayload as Record<string, unknown> | undefined)?.AccountId,
            `${step.name} InputPayload.AccountId`,
          ).to.equal('{{ global:ACCOUNT_ID }}');
        if (steps.length === 0) return;
        // Every Lambda is wired by remediationLambda: the account check (only the invoking account) comes first.
        expect(readFileSync(join(dir, 'handler.ts'), 'utf8'), 'handler.ts uses remediationLambda').to.match(
          /\bremediationLambda\b[<(]/,
        );
      });

      it('its document sends its Lambda exactly the payload remediation.json declares: modes, rule parameters, fields', () => {
        const steps = document().mainSteps.filter((s) => s.action === 'aws:invokeLambdaFunction');
        if (steps.length === 0) return;
        const lambda = meta.lambda!;
        const declared = Object.keys(payloadSchemaOf(meta).properties);
        const ruleFields = ruleParameterFields(meta);
        for (const step of steps) {
          const payload = step.inputs.InputPayload as Record<string, unknown>;
          expect(lambda.modes, `${step.name} Mode`).to.include(payload.Mode);
          for (const field of Object.keys(payload))
            expect(declared, `${step.name} sends ${field}`).to.include(field);
          for (const [field, value] of Object.entries(payload))
            if (field in ruleFields) expect(value, `${step.name} ${field}`).to.equal(`{{ ${field} }}`);
          for (const required of lambda.payload.required ?? [])
            expect(payload, `${step.name} sends the required ${required}`).to.have.property(required);
        }
        expect(
          [...new Set(steps.map((s) => (s.inputs.InputPayload as Record<string, unknown>).Mode))].sort(),
          'every declared mode is used',
        ).to.deep.equal([...lambda.modes].sort());
        expect(existsSync(join(dir, 'plan.ts')), 'plan.ts beside handler.ts').to.equal(true);
        for (const statement of [...meta.iam, ...lambda.iam])
          if (statement.enabledBy) expect(STATEMENT_SWITCHES).to.include(statement.enabledBy);
      });
    });
});

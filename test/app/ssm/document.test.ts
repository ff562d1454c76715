import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml, stringify } from 'yaml';
import {
  coerceParameterValue,
  loadAutomationDocument,
  type ParseOptions,
  parseAutomationDocument,
} from '../../../app/ssm/document';
import { type DocumentProblem, InvalidDocumentError } from '../../../shared/errors';
import { FIXTURES, fixtureText } from '../../helpers/fixtures';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary places of a parsed YAML document to break it.
type Raw = any;

const OPERATORS =
  'needs exactly one operator (StringEquals, EqualsIgnoreCase, StartsWith, EndsWith, Contains, NumericEquals, NumericGreater, NumericLesser, NumericGreaterOrEquals, NumericLesserOrEquals, BooleanEquals, And, Or, Not).';

/** The problems the validator reports for the (valid) security-group test document after `mutate`. */
function problemsOf(mutate: (doc: Raw) => void, options?: ParseOptions): DocumentProblem[] {
  const raw = parseYaml(fixtureText('ssm/security-group.yaml'));
  mutate(raw);
  try {
    parseAutomationDocument(stringify(raw), 'defective', options);
  } catch (error) {
    if (error instanceof InvalidDocumentError) return [...error.problems];
    throw error;
  }
  return [];
}

const stepOf = (doc: Raw, name: string) => doc.mainSteps.find((s: { name: string }) => s.name === name);

describe('app/ssm/document', () => {
  describe('valid documents', () => {
    for (const file of readdirSync(join(FIXTURES, 'ssm')).filter((f) => f.endsWith('.yaml'))) {
      it(`accepts test/fixtures/ssm/${file} with rebaseline's rules`, () => {
        const doc = loadAutomationDocument(join(FIXTURES, 'ssm', file));
        expect(doc.name).to.equal(file.replace(/\.yaml$/, ''));
        expect(doc.schemaVersion).to.equal('0.3');
      });
    }

    it('names a remediations/<id>/document.yaml after its folder', () => {
      // Prepare
      const dir = mkdtempSync(join(tmpdir(), 'rebaseline-ssm-'));
      try {
        const folder = join(dir, 'revoke-public-ingress');
        mkdirSync(folder);
        writeFileSync(join(folder, 'document.yaml'), fixtureText('ssm/security-group.yaml'));

        // Act
        const doc = loadAutomationDocument(join(folder, 'document.yaml'));

        // Assess
        expect(doc.name).to.equal('revoke-public-ingress');
        expect(doc.mainSteps[0]?.name).to.equal('DescribeGroup');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('accepts a Boolean parameter without allowedPattern (true/false is all it can be)', () => {
      expect(
        problemsOf((d) => {
          d.parameters.Force = {
            type: 'Boolean',
            description: 'Change even a default group.',
            default: false,
          };
        }),
      ).to.deep.equal([]);
    });

    it('skips rebaseline-only rules when asked, but never SSM structure', () => {
      const problems = problemsOf(
        (d) => {
          delete d.assumeRole;
          delete d.description;
          delete d.parameters.GroupId.allowedPattern;
          stepOf(d, 'Tag').onFailure = 'step:Nowhere';
        },
        { rebaselineChecks: false },
      );
      expect(problems).to.deep.equal([
        { step: 'Tag', field: 'onFailure', message: 'names step Nowhere, which does not exist.' },
      ]);
    });
  });

  describe('defects, each named with its step and field', () => {
    const cases: { name: string; mutate: (d: Raw) => void; expected: DocumentProblem }[] = [
      {
        name: 'a schemaVersion other than 0.3',
        mutate: (d) => {
          d.schemaVersion = '2.2';
        },
        expected: { field: 'schemaVersion', message: 'must be one of ["0.3"].' },
      },
      {
        name: 'an unquoted schemaVersion (YAML reads a number)',
        mutate: (d) => {
          d.schemaVersion = 0.3;
        },
        expected: { field: 'schemaVersion', message: 'must be string.' },
      },
      {
        name: 'a missing assumeRole',
        mutate: (d) => {
          delete d.assumeRole;
        },
        expected: { field: 'assumeRole', message: "must be '{{ AutomationAssumeRole }}'." },
      },
      {
        name: 'an assumeRole that is not a parameter',
        mutate: (d) => {
          delete d.parameters.AutomationAssumeRole;
        },
        expected: { field: 'assumeRole', message: '{{ AutomationAssumeRole }} is not a parameter.' },
      },
      {
        name: 'an untyped parameter',
        mutate: (d) => {
          delete d.parameters.GroupId.type;
        },
        expected: { field: 'parameters.GroupId', message: "must have required property 'type'." },
      },
      {
        name: 'an unknown parameter type',
        mutate: (d) => {
          d.parameters.Port.type = 'Number';
        },
        expected: {
          field: 'parameters.Port.type',
          message: 'must be one of ["String","StringList","Boolean","Integer","MapList","StringMap"].',
        },
      },
      {
        name: 'a String parameter without allowedPattern',
        mutate: (d) => {
          delete d.parameters.GroupId.allowedPattern;
        },
        expected: {
          field: 'parameters.GroupId',
          message: 'has no allowedPattern (every String parameter needs one).',
        },
      },
      {
        name: 'an unanchored allowedPattern',
        mutate: (d) => {
          d.parameters.GroupId.allowedPattern = 'sg-[0-9a-f]+';
        },
        expected: {
          field: 'parameters.GroupId.allowedPattern',
          message: 'must be anchored: start with ^ and end with $.',
        },
      },
      {
        name: 'an allowedPattern that is not a regular expression',
        mutate: (d) => {
          d.parameters.GroupId.allowedPattern = '^sg-[0-9a-f$';
        },
        expected: {
          field: 'parameters.GroupId.allowedPattern',
          message: 'is not a valid regular expression.',
        },
      },
      {
        name: 'a default that breaks its own allowedPattern',
        mutate: (d) => {
          d.parameters.Cidr.default = 'everywhere';
        },
        expected: {
          field: 'parameters.Cidr.default',
          message: '"everywhere" does not match allowedPattern ^(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}$.',
        },
      },
      {
        name: 'a parameter without description',
        mutate: (d) => {
          delete d.parameters.Port.description;
        },
        expected: { field: 'parameters.Port', message: 'has no description.' },
      },
      {
        name: 'a description without the "Rules it restores" section',
        mutate: (d) => {
          d.description = d.description.replace('## Rules it restores', '## Notes');
        },
        expected: { field: 'description', message: 'has no "Rules it restores" section.' },
      },
      {
        name: 'a reference to an unknown parameter',
        mutate: (d) => {
          stepOf(d, 'Authorize').inputs.GroupId = '{{ SecurityGroupId }}';
        },
        expected: {
          step: 'Authorize',
          field: 'inputs',
          message: '{{ SecurityGroupId }} is not a parameter.',
        },
      },
      {
        name: 'a reference to an output the step does not declare',
        mutate: (d) => {
          stepOf(d, 'Tag').inputs.Tags[1].Value = '{{ DescribeGroup.VpcId }}';
        },
        expected: {
          step: 'Tag',
          field: 'inputs',
          message:
            '{{ DescribeGroup.VpcId }}: step DescribeGroup has no output VpcId (it has: GroupName, IngressPermissions, EgressCidrs).',
        },
      },
      {
        name: 'a reference to the output of a step that runs later',
        mutate: (d) => {
          stepOf(d, 'DescribeGroup').inputs.Filters = [
            { Name: 'tag:rule', Values: '{{ Authorize.RuleIds }}' },
          ];
        },
        expected: {
          step: 'DescribeGroup',
          field: 'inputs',
          message: '{{ Authorize.RuleIds }}: step Authorize cannot have run before this step.',
        },
      },
      {
        name: 'a reference the runner cannot resolve (Parameter Store)',
        mutate: (d) => {
          stepOf(d, 'Authorize').inputs.GroupId = '{{ ssm:/rebaseline/group }}';
        },
        expected: {
          step: 'Authorize',
          field: 'inputs',
          message:
            '{{ ssm:/rebaseline/group }} is not a variable the runner provides (global:ACCOUNT_ID, global:REGION, global:AWS_PARTITION, global:AWS_URL_SUFFIX, automation:EXECUTION_ID).',
        },
      },
      {
        name: 'a nextStep that does not exist',
        mutate: (d) => {
          stepOf(d, 'Tag').nextStep = 'VerifyTags';
        },
        expected: { step: 'Tag', field: 'nextStep', message: 'names step VerifyTags, which does not exist.' },
      },
      {
        name: 'an onFailure step that does not exist',
        mutate: (d) => {
          stepOf(d, 'Authorize').onFailure = 'step:Rollback';
        },
        expected: {
          step: 'Authorize',
          field: 'onFailure',
          message: 'names step Rollback, which does not exist.',
        },
      },
      {
        name: 'a malformed onFailure',
        mutate: (d) => {
          stepOf(d, 'Authorize').onFailure = 'Retry';
        },
        expected: {
          step: 'Authorize',
          field: 'onFailure',
          message: 'must match ^(Abort|Continue|step:[A-Za-z0-9_]+)$.',
        },
      },
      {
        name: 'a branch Default that does not exist',
        mutate: (d) => {
          stepOf(d, 'SkipDefaultGroup').inputs.Default = 'Revoke';
        },
        expected: {
          step: 'SkipDefaultGroup',
          field: 'inputs.Default',
          message: 'names step Revoke, which does not exist.',
        },
      },
      {
        name: 'a branch choice leading to a step that does not exist',
        mutate: (d) => {
          stepOf(d, 'SkipDefaultGroup').inputs.Choices[0].NextStep = 'Done';
        },
        expected: {
          step: 'SkipDefaultGroup',
          field: 'inputs.Choices[0].NextStep',
          message: 'names step Done, which does not exist.',
        },
      },
      {
        name: 'a branch choice with two operators',
        mutate: (d) => {
          stepOf(d, 'SkipDefaultGroup').inputs.Choices[0].Contains = 'def';
        },
        expected: { step: 'SkipDefaultGroup', field: 'inputs.Choices[0]', message: OPERATORS },
      },
      {
        name: 'a branch choice without Variable',
        mutate: (d) => {
          delete stepOf(d, 'SkipDefaultGroup').inputs.Choices[0].Variable;
        },
        expected: {
          step: 'SkipDefaultGroup',
          field: 'inputs.Choices[0]',
          message: "must have required property 'Variable'.",
        },
      },
      {
        name: 'a Not condition with two operators',
        mutate: (d) => {
          const choice = stepOf(d, 'SkipDefaultGroup').inputs.Choices[0];
          stepOf(d, 'SkipDefaultGroup').inputs.Choices[0] = {
            NextStep: choice.NextStep,
            Not: { Variable: choice.Variable, StringEquals: 'web', EndsWith: 'b' },
          };
        },
        expected: { step: 'SkipDefaultGroup', field: 'inputs.Choices[0].Not', message: OPERATORS },
      },
      {
        name: 'an And condition with a Variable',
        mutate: (d) => {
          const choice = stepOf(d, 'SkipDefaultGroup').inputs.Choices[0];
          stepOf(d, 'SkipDefaultGroup').inputs.Choices[0] = {
            NextStep: choice.NextStep,
            Variable: choice.Variable,
            And: [{ Variable: choice.Variable, StringEquals: 'default' }],
          };
        },
        expected: {
          step: 'SkipDefaultGroup',
          field: 'inputs.Choices[0]',
          message: 'takes no Variable (And, Or and Not combine conditions that have one).',
        },
      },
      {
        name: 'an isEnd that is not a boolean',
        mutate: (d) => {
          stepOf(d, 'VerifyCidr').isEnd = 'yes';
        },
        expected: { step: 'VerifyCidr', field: 'isEnd', message: 'must be true or false.' },
      },
      {
        name: 'a Lambda step with both Payload and InputPayload',
        mutate: (d) => {
          d.mainSteps.splice(3, 0, {
            name: 'Record',
            action: 'aws:invokeLambdaFunction',
            inputs: { FunctionName: 'recorder', Payload: '{}', InputPayload: { a: 1 } },
          });
        },
        expected: { step: 'Record', field: 'inputs', message: 'cannot have both Payload and InputPayload.' },
      },
      {
        name: 'a success path that ends without verifying',
        mutate: (d) => {
          const last = stepOf(d, 'VerifyCidr');
          last.action = 'aws:executeAwsApi';
          delete last.inputs.PropertySelector;
          delete last.inputs.DesiredValues;
        },
        expected: {
          step: 'VerifyCidr',
          field: 'step',
          message:
            'ends the success path with aws:executeAwsApi, not a verification (aws:assertAwsResourceProperty, aws:waitForAwsResourceProperty, or a Lambda step named Verify…).',
        },
      },
      {
        name: 'a verification that changes something',
        mutate: (d) => {
          stepOf(d, 'VerifyUntouched').inputs.Api = 'CreateSecurityGroup';
        },
        expected: {
          step: 'VerifyUntouched',
          field: 'inputs.Api',
          message:
            'CreateSecurityGroup is not read-only: a verification must only read (Describe/Get/List/Head).',
        },
      },
      {
        name: 'a verification expecting lowercase booleans',
        mutate: (d) => {
          stepOf(d, 'VerifyUntouched').inputs.DesiredValues = ['true'];
        },
        expected: {
          step: 'VerifyUntouched',
          field: 'inputs.DesiredValues',
          message: '"true" never matches: SSM renders booleans as "True"/"False".',
        },
      },
      {
        name: 'two steps with the same name',
        mutate: (d) => {
          stepOf(d, 'Tag').name = 'Authorize';
        },
        expected: { step: 'Authorize', field: 'name', message: 'is used by 2 steps.' },
      },
      {
        name: 'an unknown step property',
        mutate: (d) => {
          stepOf(d, 'Tag').retries = 3;
        },
        expected: { step: 'Tag', field: 'step', message: 'unknown property retries.' },
      },
      {
        name: 'a step output without Selector',
        mutate: (d) => {
          delete stepOf(d, 'DescribeGroup').outputs[0].Selector;
        },
        expected: {
          step: 'DescribeGroup',
          field: 'outputs[0]',
          message: "must have required property 'Selector'.",
        },
      },
      {
        name: 'a step output of an unknown type',
        mutate: (d) => {
          stepOf(d, 'DescribeGroup').outputs[0].Type = 'Text';
        },
        expected: {
          step: 'DescribeGroup',
          field: 'outputs[0].Type',
          message: 'must be one of ["String","StringList","Boolean","Integer","MapList","StringMap"].',
        },
      },
      {
        name: 'a sleep that is not an ISO 8601 duration',
        mutate: (d) => {
          d.mainSteps.splice(3, 0, { name: 'Pause', action: 'aws:sleep', inputs: { Duration: '5 minutes' } });
        },
        expected: {
          step: 'Pause',
          field: 'inputs.Duration',
          message:
            'must match ^(P(?=\\d|T\\d)(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?|\\{\\{ *[A-Za-z0-9_:.]+ *\\}\\})$.',
        },
      },
      {
        name: 'an executeAwsApi step without Api',
        mutate: (d) => {
          delete stepOf(d, 'Tag').inputs.Api;
        },
        expected: { step: 'Tag', field: 'inputs', message: "must have required property 'Api'." },
      },
      {
        name: 'a step no path reaches',
        mutate: (d) => {
          stepOf(d, 'VerifyUntouched').isEnd = true;
          d.mainSteps.push({
            name: 'VerifyOrphan',
            action: 'aws:assertAwsResourceProperty',
            inputs: { ...stepOf(d, 'VerifyUntouched').inputs },
          });
        },
        expected: {
          step: 'VerifyOrphan',
          field: 'step',
          message: 'is never reached (no step or branch leads to it).',
        },
      },
      {
        name: 'isEnd together with nextStep',
        mutate: (d) => {
          stepOf(d, 'VerifyCidr').nextStep = 'VerifyUntouched';
        },
        expected: { step: 'VerifyCidr', field: 'isEnd', message: 'is true although nextStep is set.' },
      },
      {
        name: 'a document output that is no step output',
        mutate: (d) => {
          d.outputs.push('Tag.TagSet');
        },
        expected: {
          field: 'outputs',
          message: '{{ Tag.TagSet }}: step Tag has no output TagSet (it has: none).',
        },
      },
    ];
    for (const c of cases) {
      it(`rejects ${c.name}`, () => {
        expect(problemsOf(c.mutate)).to.deep.include(c.expected);
      });
    }

    it('lists every problem in one error whose message names the document, steps and fields', () => {
      // Prepare
      const raw = parseYaml(fixtureText('ssm/security-group.yaml'));
      stepOf(raw, 'Tag').onFailure = 'step:Nowhere';
      stepOf(raw, 'Authorize').inputs.GroupId = '{{ Group }}';

      // Act
      let error: unknown;
      try {
        parseAutomationDocument(stringify(raw), 'revoke-public-ingress');
      } catch (e) {
        error = e;
      }

      // Assess
      expect(error).to.be.instanceOf(InvalidDocumentError);
      expect((error as Error).message).to.equal(
        'Invalid SSM Automation document revoke-public-ingress: step Authorize, inputs: {{ Group }} is not a parameter. step Tag, onFailure: names step Nowhere, which does not exist.',
      );
    });

    it('rejects YAML that does not parse, with the line', () => {
      // Act
      let error: unknown;
      try {
        parseAutomationDocument("schemaVersion: '0.3'\nmainSteps:\n  - name: [unclosed\n", 'broken');
      } catch (e) {
        error = e;
      }

      // Assess
      expect(error).to.be.instanceOf(InvalidDocumentError);
      expect((error as InvalidDocumentError).problems[0]?.field).to.match(/^yaml \(line \d+\)$/);
    });
  });

  describe('coerceParameterValue', () => {
    it('reads SSM and AWS Config string forms into typed values', () => {
      expect(coerceParameterValue({ type: 'Boolean' }, 'False')).to.deep.equal({ value: false });
      expect(coerceParameterValue({ type: 'Integer' }, ['443'])).to.deep.equal({ value: 443 });
      expect(coerceParameterValue({ type: 'StringList' }, '["a","b"]')).to.deep.equal({ value: ['a', 'b'] });
      expect(coerceParameterValue({ type: 'StringList' }, '')).to.deep.equal({ value: [] });
      expect(coerceParameterValue({ type: 'StringMap' }, '{"k":"v"}')).to.deep.equal({ value: { k: 'v' } });
      expect(coerceParameterValue({ type: 'MapList' }, [{ k: 'v' }])).to.deep.equal({ value: [{ k: 'v' }] });
    });

    it('applies allowedPattern to every string SSM would interpolate', () => {
      const mapList = { type: 'MapList' as const, allowedPattern: '^[\\w-]*$' };
      expect(coerceParameterValue(mapList, [{ Key: 'team', Value: 'a b' }])).to.deep.equal({
        error: '"a b" does not match allowedPattern ^[\\w-]*$.',
      });
      expect(coerceParameterValue({ type: 'Integer', allowedPattern: '^\\d{1,5}$' }, 123456)).to.deep.equal({
        error: '"123456" does not match allowedPattern ^\\d{1,5}$.',
      });
      expect(coerceParameterValue({ type: 'String', maxChars: 3 }, 'abcd')).to.deep.equal({
        error: '4 character(s), at most 3 allowed.',
      });
    });
  });

  describe('every document in remediations/', () => {
    const root = join(__dirname, '..', '..', '..', 'remediations');
    const folders = existsSync(root)
      ? readdirSync(root, { withFileTypes: true }).filter(
          (d) => d.isDirectory() && existsSync(join(root, d.name, 'document.yaml')),
        )
      : [];
    for (const folder of folders) {
      it(`${folder.name}/document.yaml passes SSM's schema and rebaseline's rules`, () => {
        const doc = loadAutomationDocument(join(root, folder.name, 'document.yaml'));
        expect(doc.name).to.equal(folder.name);
      });
    }
  });
});

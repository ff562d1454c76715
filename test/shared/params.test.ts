import { expect } from 'chai';
import { type Parameters, rule } from '../../rules/ec2-security-group-no-public-ingress/evaluate';
import { parseConfigRuleEvent } from '../../shared/config/event';
import { InvalidParametersError } from '../../shared/errors';
import { COMMON_PARAMETERS, parameterSchema, parseRuleParameters, ruleParameters } from '../../shared/params';
import type { RuleMetadata } from '../../shared/rule';
import { changeEvent } from '../helpers/rules';

const parse = (input: Record<string, unknown>) => parseRuleParameters<Parameters>(rule.meta, input);

/** A rule with the parameter types the reference rule lacks (integers, numbers, integer lists). */
const NUMERIC: RuleMetadata = {
  ...rule.meta,
  id: 'params-test',
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      unusedDays: { type: 'integer', minimum: 1, maximum: 3650, default: 90, description: 'Days.' },
      ratio: { type: 'number', default: 0.5, description: 'A ratio.' },
      ports: { type: 'array', items: { type: 'integer' }, default: [], description: 'Port numbers.' },
    },
  },
};

function invalid(meta: RuleMetadata, input: Record<string, unknown>): InvalidParametersError {
  try {
    parseRuleParameters(meta, input);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidParametersError);
    return error as InvalidParametersError;
  }
  return expect.fail(`${JSON.stringify(input)} was accepted`);
}

describe('shared/params', () => {
  describe('values that are not Config strings (nor CLI numbers, booleans or lists of them)', () => {
    for (const value of [{}, { a: 1 }, [{}], [['22']]])
      it(`${JSON.stringify(value)} is refused, not read as "[object Object]"`, () => {
        expect(() => parse({ exemptTagKey: value, exemptTagValue: 'x' }))
          .to.throw(InvalidParametersError)
          .with.property('parameter', 'exemptTagKey');
      });
  });

  describe('defaults', () => {
    it('applies every default when no parameter is given', () => {
      expect(parse({})).to.deep.equal({
        authorizedTcpPorts: [],
        authorizedUdpPorts: [],
        allowIcmp: true,
        exemptResourceIds: [],
        exemptTagKey: '',
        exemptTagValue: '',
        executionRoleName: '',
      });
    });

    for (const [name, value] of [
      ['empty', ''],
      ['blank', '   '],
      ['null', null],
      ['undefined', undefined],
    ] as const)
      it(`an ${name} value takes the default`, () => {
        const p = parse({ allowIcmp: value, authorizedTcpPorts: value, exemptResourceIds: value });
        expect(p.allowIcmp).to.equal(true);
        expect(p.authorizedTcpPorts).to.deep.equal([]);
        expect(p.exemptResourceIds).to.deep.equal([]);
      });

    it('does not share default lists between invocations', () => {
      parse({}).authorizedTcpPorts.push('22');
      expect(parse({}).authorizedTcpPorts).to.deep.equal([]);
    });

    it('applies integer and number defaults', () => {
      expect(parseRuleParameters(NUMERIC, {})).to.include({ unusedDays: 90, ratio: 0.5 });
    });
  });

  describe('booleans', () => {
    for (const [text, value] of [
      ['true', true],
      ['TRUE', true],
      ['True', true],
      ['tRuE', true],
      [' false ', false],
      ['FALSE', false],
      ['False', false],
    ] as const)
      it(`"${text}" is ${value}`, () => {
        expect(parse({ allowIcmp: text }).allowIcmp).to.equal(value);
      });

    it('a JSON boolean (CLI --params) is accepted too', () => {
      expect(parse({ allowIcmp: false }).allowIcmp).to.equal(false);
    });

    for (const text of ['yes', '1', '0', 'truee', 'on'])
      it(`"${text}" is rejected naming allowIcmp`, () => {
        const error = invalid(rule.meta, { allowIcmp: text });
        expect(error.parameter).to.equal('allowIcmp');
        expect(error.expected).to.equal('"true" or "false"');
        expect(error.received).to.equal(text);
        expect(error.message).to.equal(
          `Invalid rule parameter allowIcmp: expected "true" or "false", got ${JSON.stringify(text)}.`,
        );
      });
  });

  describe('integers and numbers', () => {
    it('parses integers, trimming spaces', () => {
      expect(parseRuleParameters(NUMERIC, { unusedDays: ' 30 ' })).to.include({ unusedDays: 30 });
      expect(parseRuleParameters(NUMERIC, { unusedDays: '007' })).to.include({ unusedDays: 7 });
    });

    it('accepts a JSON number (CLI --params)', () => {
      expect(parseRuleParameters(NUMERIC, { unusedDays: 45 })).to.include({ unusedDays: 45 });
    });

    for (const text of ['1.5', 'abc', '30 days', '1e3', '-'])
      it(`"${text}" is not an integer`, () => {
        const error = invalid(NUMERIC, { unusedDays: text });
        expect(error.parameter).to.equal('unusedDays');
        expect(error.expected).to.equal('an integer >= 1 <= 3650');
      });

    it('an integer below the minimum is rejected naming the parameter and the bounds', () => {
      const error = invalid(NUMERIC, { unusedDays: '0' });
      expect(error.parameter).to.equal('unusedDays');
      expect(error.message).to.equal(
        'Invalid rule parameter unusedDays: expected an integer >= 1 <= 3650, got "0".',
      );
    });

    it('an integer above the maximum is rejected', () => {
      expect(invalid(NUMERIC, { unusedDays: '3651' }).parameter).to.equal('unusedDays');
    });

    it('parses numbers', () => {
      expect(parseRuleParameters(NUMERIC, { ratio: '0.25' })).to.include({ ratio: 0.25 });
      expect(invalid(NUMERIC, { ratio: 'half' }).parameter).to.equal('ratio');
    });
  });

  describe('comma lists', () => {
    it('splits on commas, trims spaces and drops empty entries', () => {
      expect(parse({ authorizedTcpPorts: ' 80, 443,,1020-1025 , ' }).authorizedTcpPorts).to.deep.equal([
        '80',
        '443',
        '1020-1025',
      ]);
    });

    it('a list of only commas is empty', () => {
      expect(parse({ authorizedTcpPorts: ',, ,' }).authorizedTcpPorts).to.deep.equal([]);
    });

    it('exemptResourceIds is a list for every rule', () => {
      expect(parse({ exemptResourceIds: 'sg-1, sg-2' }).exemptResourceIds).to.deep.equal(['sg-1', 'sg-2']);
    });

    it('a JSON array (CLI --params) is read as the same list', () => {
      expect(parse({ authorizedTcpPorts: ['80', '443'] }).authorizedTcpPorts).to.deep.equal(['80', '443']);
    });

    it('integer lists are parsed to numbers', () => {
      expect(parseRuleParameters(NUMERIC, { ports: '22, 3389' })).to.deep.include({ ports: [22, 3389] });
    });

    it('an integer list with a word is rejected', () => {
      const error = invalid(NUMERIC, { ports: '22,ssh' });
      expect(error.parameter).to.equal('ports');
      expect(error.expected).to.equal('a comma-separated list of integers');
    });

    it('an entry not matching the item pattern is rejected naming the parameter', () => {
      const error = invalid(rule.meta, { authorizedTcpPorts: '80,https' });
      expect(error.parameter).to.equal('authorizedTcpPorts');
      expect(error.expected).to.equal('a comma-separated list of values matching ^\\d{1,5}(-\\d{1,5})?$');
      expect(error.received).to.equal('80,https');
    });
  });

  describe('unknown parameters', () => {
    it('are rejected naming the parameter and the known ones', () => {
      const error = invalid(rule.meta, { authorizedPorts: '443' });
      expect(error.parameter).to.equal('authorizedPorts');
      expect(error.expected).to.equal(
        `one of ${Object.keys(parameterSchema(rule.meta).properties).join(', ')}`,
      );
    });

    it('are rejected even when their value is empty', () => {
      expect(invalid(rule.meta, { authorizedPorts: '' }).parameter).to.equal('authorizedPorts');
    });

    for (const name of ['toString', 'constructor', 'hasOwnProperty'])
      it(`"${name}" (a property every object inherits) is unknown too`, () => {
        expect(invalid(rule.meta, { [name]: 'x' }).parameter).to.equal(name);
      });
  });

  describe('strings', () => {
    it('executionRoleName must be a role name', () => {
      expect(parse({ executionRoleName: 'RebaselineExecution' }).executionRoleName).to.equal(
        'RebaselineExecution',
      );
      const error = invalid(rule.meta, { executionRoleName: 'not a role!' });
      expect(error.parameter).to.equal('executionRoleName');
      expect(error.expected).to.equal(`a string matching ${COMMON_PARAMETERS.executionRoleName?.pattern}`);
    });
  });

  describe('tag exemption needs key and value', () => {
    it('key and value together are accepted', () => {
      expect(parse({ exemptTagKey: 'SecurityExempt', exemptTagValue: 'approved' })).to.include({
        exemptTagKey: 'SecurityExempt',
        exemptTagValue: 'approved',
      });
    });

    it('a key without a value is rejected naming exemptTagValue', () => {
      const error = invalid(rule.meta, { exemptTagKey: 'SecurityExempt' });
      expect(error.parameter).to.equal('exemptTagValue');
      expect(error.expected).to.match(/^both exemptTagKey and exemptTagValue, or neither/);
    });

    it('a key with an empty value is rejected', () => {
      expect(invalid(rule.meta, { exemptTagKey: 'SecurityExempt', exemptTagValue: ' ' }).parameter).to.equal(
        'exemptTagValue',
      );
    });

    it('a value without a key is rejected naming exemptTagKey', () => {
      expect(invalid(rule.meta, { exemptTagValue: 'approved' }).parameter).to.equal('exemptTagKey');
    });
  });

  describe("the rule's own checks (adapter ruleParameters)", () => {
    it('a reversed port range is rejected by the rule', () => {
      try {
        ruleParameters(rule, { authorizedTcpPorts: '443,90-80' });
        expect.fail('accepted');
      } catch (error) {
        expect(error).to.be.instanceOf(InvalidParametersError);
        expect((error as InvalidParametersError).parameter).to.equal('authorizedTcpPorts');
        expect((error as InvalidParametersError).received).to.equal('90-80');
      }
    });

    it('valid parameters pass both the schema and the rule', () => {
      expect(ruleParameters(rule, { authorizedUdpPorts: '53,1020-1025' })).to.deep.include({
        authorizedUdpPorts: ['53', '1020-1025'],
      });
    });
  });

  describe('parsed once per parameter text (a warm Lambda)', () => {
    const text = (input: Record<string, string>) =>
      parseConfigRuleEvent(changeEvent({ resourceType: 'AWS::EC2::SecurityGroup' }, input)).ruleParameters;

    it('the event parser gives one frozen object per parameter text, and ruleParameters keeps what it parsed from it', () => {
      // Act
      const a = text({ authorizedTcpPorts: '443', exemptResourceIds: 'sg-1' });
      const b = text({ authorizedTcpPorts: '443', exemptResourceIds: 'sg-1' });
      const first = ruleParameters(rule, a);
      const again = ruleParameters(rule, b);
      // Assess
      expect(a).to.equal(b);
      expect(Object.isFrozen(a)).to.equal(true);
      expect(again).to.equal(first);
      expect(Object.isFrozen(first)).to.equal(true);
      expect(Object.isFrozen((first as Parameters).authorizedTcpPorts)).to.equal(true);
      expect((first as Parameters).authorizedTcpPorts).to.deep.equal(['443']);
    });

    it('parses an input that can change every time, and never keeps a refusal', () => {
      const input = { authorizedTcpPorts: '443' };
      expect(ruleParameters(rule, input)).to.not.equal(ruleParameters(rule, input));
      const bad = text({ authorizedTcpPorts: '99999' });
      for (let i = 0; i < 2; i++) expect(() => ruleParameters(rule, bad)).to.throw(InvalidParametersError);
    });
  });
});

import { expect } from 'chai';
import { RemediationInputError } from '../../../shared/errors';
import { ACCOUNT_ID_FIELD, payloadParser } from '../../../shared/remediation/payload';

const ACCOUNT = '123456789012';

interface Payload {
  Mode: 'plan' | 'verify';
  AccountId: string;
  GroupId: string;
  Ports?: string;
  Flag?: string;
  Buckets?: string;
  Previous?: string;
  Kind?: string;
  DryRun?: boolean;
}

const parse = payloadParser<Payload>('test-remediation', {
  type: 'object',
  required: ['Mode', 'AccountId', 'GroupId'],
  properties: {
    Mode: { enum: ['plan', 'verify'] },
    AccountId: ACCOUNT_ID_FIELD,
    GroupId: { type: 'string', pattern: '^sg-[0-9a-f]{8,17}$', description: 'a security group id' },
    Ports: { type: ['string', 'number', 'null'], description: 'a string' },
    Flag: {
      type: ['string', 'boolean', 'null'],
      pattern: '^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])?$',
      description: '"true" or "false"',
    },
    Buckets: { type: ['string', 'array', 'null'], items: { type: 'string' }, description: 'a list' },
    Previous: { type: 'string', description: "the plan's JSON text" },
    Kind: { enum: ['a', 'b', null], default: 'a' },
  },
});

const VALID = { Mode: 'plan', AccountId: ACCOUNT, GroupId: 'sg-0123456789abcdef0' };

describe('shared/remediation/payload payloadParser', () => {
  it('keeps only the schema’s fields, in Config’s string form, with defaults', () => {
    // Act
    const payload = parse({ ...VALID, Ports: 443, Flag: false, Buckets: ['a,b', 'c'], Unknown: 'x' });

    // Assess
    expect(payload).to.deep.equal({
      ...VALID,
      Ports: '443',
      Flag: 'false',
      Buckets: 'a,b,c',
      Kind: 'a',
      DryRun: false,
    });
  });

  it('reads DryRun as the runner (true) or a document ("true") sends it; anything else is false', () => {
    expect(parse({ ...VALID, DryRun: true }).DryRun).to.equal(true);
    expect(parse({ ...VALID, DryRun: 'true' }).DryRun).to.equal(true);
    expect(parse({ ...VALID, DryRun: 'yes' }).DryRun).to.equal(false);
    expect(parse({ ...VALID, DryRun: 1 }).DryRun).to.equal(false);
  });

  it('null is absent where the type admits it (then the default), and an error where it does not', () => {
    expect(parse({ ...VALID, Ports: null, Kind: null })).to.deep.equal({
      ...VALID,
      Kind: 'a',
      DryRun: false,
    });
    expect(() => parse({ ...VALID, Previous: null })).to.throw(
      RemediationInputError,
      /^test-remediation: Previous must be the plan's JSON text, got null\.$/,
    );
  });

  it('matches a pattern against strings only: an admitted boolean passes, a wrong string does not', () => {
    expect(parse({ ...VALID, Flag: true }).Flag).to.equal('true');
    expect(parse({ ...VALID, Flag: 'TRUE' }).Flag).to.equal('TRUE');
    expect(() => parse({ ...VALID, Flag: 'yes' })).to.throw(
      RemediationInputError,
      'test-remediation: Flag must be "true" or "false", got "yes".',
    );
    expect(() => parse({ ...VALID, Flag: 1 })).to.throw(
      RemediationInputError,
      /Flag must be "true" or "false"/,
    );
  });

  it('names the first wrong field in the schema’s order, whatever the payload’s order', () => {
    expect(() => parse({ GroupId: 'i-1', Mode: 'apply', AccountId: ACCOUNT })).to.throw(
      RemediationInputError,
      'test-remediation: Mode must be "plan" or "verify", got "apply".',
    );
    expect(() => parse({ GroupId: 'i-1', Mode: 'plan' })).to.throw(
      RemediationInputError,
      'test-remediation: AccountId must be a 12-digit account id, got undefined.',
    );
    expect(() => parse({ ...VALID, Buckets: ['a', 1] })).to.throw(
      RemediationInputError,
      'test-remediation: Buckets must be a list, got ["a",1].',
    );
  });

  it('rejects a payload that is not a JSON object', () => {
    for (const raw of [null, undefined, 'x', 5, [VALID]])
      expect(() => parse(raw)).to.throw(
        RemediationInputError,
        /^test-remediation: the payload must be a JSON object/,
      );
  });
});

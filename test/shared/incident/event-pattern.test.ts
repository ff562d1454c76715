import { expect } from 'chai';
import { InvalidEventPatternError } from '../../../shared/errors';
import { eventPattern, matchesEventPattern } from '../../../shared/incident/event-pattern';
import { guardDutyEvent } from '../../helpers/findings';
import { fixture } from '../../helpers/fixtures';

type Json = Record<string, unknown>;

/** [what, pattern, event, matches] — each from EventBridge's "Content filtering in event patterns" documentation. */
const CASES: [string, Json, Json, boolean][] = [
  ['exact string', { source: ['aws.guardduty'] }, { source: 'aws.guardduty' }, true],
  ['exact string is case-sensitive', { source: ['aws.guardduty'] }, { source: 'AWS.GuardDuty' }, false],
  ['one of several values (OR)', { source: ['aws.ec2', 'aws.guardduty'] }, { source: 'aws.guardduty' }, true],
  [
    'every field must match (AND)',
    { source: ['aws.guardduty'], 'detail-type': ['x'] },
    { source: 'aws.guardduty', 'detail-type': 'y' },
    false,
  ],
  [
    'a number matches the same number however written',
    { detail: { severity: [5] } },
    { detail: { severity: 5.0 } },
    true,
  ],
  ['a number does not match its text', { detail: { severity: [5] } }, { detail: { severity: '5' } }, false],
  ['null matches null', { detail: { v: [null] } }, { detail: { v: null } }, true],
  ['null does not match an absent field', { detail: { v: [null] } }, { detail: {} }, false],
  ['boolean', { detail: { archived: [false] } }, { detail: { archived: false } }, true],
  [
    'prefix',
    { detail: { type: [{ prefix: 'UnauthorizedAccess:' }] } },
    { detail: { type: 'UnauthorizedAccess:EC2/SSHBruteForce' } },
    true,
  ],
  ['prefix never matches a number', { detail: { v: [{ prefix: '1' }] } }, { detail: { v: 12 } }, false],
  [
    'prefix ignoring case',
    { detail: { type: [{ prefix: { 'equals-ignore-case': 'recon:' } }] } },
    { detail: { type: 'RECON:EC2/Portscan' } },
    true,
  ],
  [
    'suffix',
    { detail: { type: [{ suffix: '!DNS' }] } },
    { detail: { type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS' } },
    true,
  ],
  [
    'equals-ignore-case',
    { detail: { r: [{ 'equals-ignore-case': 'INSTANCE' }] } },
    { detail: { r: 'Instance' } },
    true,
  ],
  [
    'wildcard',
    { detail: { type: [{ wildcard: 'Recon:*/Port*' }] } },
    { detail: { type: 'Recon:EC2/PortProbeUnprotectedPort' } },
    true,
  ],
  [
    'wildcard anchored',
    { detail: { type: [{ wildcard: 'Recon:*' }] } },
    { detail: { type: 'XRecon:EC2/Portscan' } },
    false,
  ],
  [
    'anything-but a value',
    { detail: { r: [{ 'anything-but': 'AccessKey' }] } },
    { detail: { r: 'Instance' } },
    true,
  ],
  [
    'anything-but the value',
    { detail: { r: [{ 'anything-but': 'AccessKey' }] } },
    { detail: { r: 'AccessKey' } },
    false,
  ],
  ['anything-but a list', { detail: { s: [{ 'anything-but': [1, 2] }] } }, { detail: { s: 2 } }, false],
  ['anything-but needs the field', { detail: { r: [{ 'anything-but': 'x' }] } }, { detail: {} }, false],
  [
    'anything-but a prefix',
    { detail: { r: [{ 'anything-but': { prefix: 'Canary:' } }] } },
    { detail: { r: 'Canary:EC2/x' } },
    false,
  ],
  [
    'numeric lower bound',
    { detail: { severity: [{ numeric: ['>=', 7] }] } },
    { detail: { severity: 7 } },
    true,
  ],
  ['numeric below', { detail: { severity: [{ numeric: ['>=', 7] }] } }, { detail: { severity: 6.9 } }, false],
  [
    'numeric range',
    { detail: { severity: [{ numeric: ['>', 4, '<=', 8.9] }] } },
    { detail: { severity: 8.9 } },
    true,
  ],
  [
    'numeric never matches text',
    { detail: { severity: [{ numeric: ['>', 4] }] } },
    { detail: { severity: '8' } },
    false,
  ],
  ['numeric equals', { detail: { c: [{ numeric: ['=', 3.0] }] } }, { detail: { c: 3 } }, true],
  ['exists', { detail: { id: [{ exists: true }] } }, { detail: { id: 'x' } }, true],
  ['exists: absent', { detail: { id: [{ exists: true }] } }, { detail: {} }, false],
  ['exists: false on an absent field', { detail: { id: [{ exists: false }] } }, { detail: {} }, true],
  [
    'exists applies to leaves, not objects',
    { detail: { resource: [{ exists: true }] } },
    { detail: { resource: { a: 1 } } },
    false,
  ],
  ['exists: null is a value', { detail: { id: [{ exists: true }] } }, { detail: { id: null } }, true],
  ['cidr IPv4', { detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, { detail: { ip: '10.1.2.3' } }, true],
  ['cidr IPv4 outside', { detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, { detail: { ip: '11.1.2.3' } }, false],
  ['cidr IPv6', { detail: { ip: [{ cidr: '2001:db8::/32' }] } }, { detail: { ip: '2001:DB8::1' } }, true],
  [
    'an array in the event matches when any value does',
    { resources: ['arn:a'] },
    { resources: ['arn:b', 'arn:a'] },
    true,
  ],
  ['an empty array has no value', { resources: [{ exists: true }] }, { resources: [] }, false],
  [
    '$or: either alternative',
    { $or: [{ source: ['a'] }, { detail: { x: [1] } }] },
    { source: 'b', detail: { x: 1 } },
    true,
  ],
  [
    '$or: neither',
    { $or: [{ source: ['a'] }, { detail: { x: [1] } }] },
    { source: 'b', detail: { x: 2 } },
    false,
  ],
  [
    '$or inside an object, with other fields',
    { detail: { a: [1], $or: [{ b: [2] }, { c: [3] }] } },
    { detail: { a: 1, c: 3 } },
    true,
  ],
  [
    'a nested object pattern on a scalar field',
    { detail: { resource: { resourceType: ['Instance'] } } },
    { detail: { resource: 'Instance' } },
    false,
  ],
  ['the empty pattern matches everything', {}, { anything: 1 }, true],
];

describe('EventBridge event patterns (the local matcher)', () => {
  for (const [what, pattern, event, expected] of CASES)
    it(`${what} → ${expected ? 'matches' : 'no match'}`, () => {
      expect(matchesEventPattern(pattern, event)).to.equal(expected);
    });

  it('arrays of objects are flattened: one tag’s key and another tag’s value match a key/value pattern', () => {
    const event = guardDutyEvent({
      resource: {
        instanceDetails: {
          tags: [
            { key: 'rebaseline:incident-response', value: 'on' },
            { key: 'team', value: 'skip' },
          ],
        },
      },
    });
    const skipPattern = {
      detail: {
        resource: { instanceDetails: { tags: { key: ['rebaseline:incident-response'], value: ['skip'] } } },
      },
    };
    // Why the skip tag is checked in code (see decision.ts): EventBridge would call this instance skipped.
    expect(matchesEventPattern(skipPattern, event)).to.equal(true);
  });

  it('the GuardDuty rule pattern: severity ≥ 7 on instances and access keys', () => {
    const pattern = {
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: { severity: [{ numeric: ['>=', 7] }], resource: { resourceType: ['Instance', 'AccessKey'] } },
    };
    expect(matchesEventPattern(pattern, guardDutyEvent({ severity: 8 }))).to.equal(true);
    expect(matchesEventPattern(pattern, guardDutyEvent({ severity: 2 }))).to.equal(false);
    expect(
      matchesEventPattern(pattern, guardDutyEvent({ severity: 8, resource: { resourceType: 'S3Bucket' } })),
    ).to.equal(false);
    expect(matchesEventPattern(pattern, fixture('corpus/guardduty/c7n__ec2-duty-event.json'))).to.equal(
      false,
    );
  });

  it('the Config compliance-change pattern: NON_COMPLIANT results of this stage’s rules only', () => {
    const pattern = {
      source: ['aws.config'],
      'detail-type': ['Config Rules Compliance Change'],
      detail: {
        messageType: ['ComplianceChangeNotification'],
        configRuleName: [{ prefix: 'rebaseline-' }, 'access-keys-rotated'],
        newEvaluationResult: { complianceType: ['NON_COMPLIANT'] },
      },
    };
    const nonCompliant = fixture<Json>(
      'corpus/eventbridge/config_compliance_change__access-keys-rotated__NON_COMPLIANT_from_COMPLIANT.json',
    );
    const compliant = fixture<Json>(
      'corpus/eventbridge/config_compliance_change__securityhub-service-linked-rule__COMPLIANT_no_oldEvaluationResult.json',
    );
    expect(matchesEventPattern(pattern, nonCompliant)).to.equal(true);
    expect(matchesEventPattern(pattern, compliant)).to.equal(false);
  });

  describe('a pattern EventBridge would reject is an error naming the place', () => {
    const bad: [string, Json, RegExp][] = [
      ['a scalar instead of a list', { source: 'aws.guardduty' }, /source: must be a list of matchers/],
      ['an empty list', { source: [] }, /source: an empty list/],
      ['an unknown operator', { detail: { a: [{ regex: '.*' }] } }, /detail\.a\[0\]: .* is not one of/],
      ['numeric with a bad operator', { detail: { a: [{ numeric: ['>>', 1] }] } }, /numeric/],
      ['numeric with text', { detail: { a: [{ numeric: ['>', '1'] }] } }, /numeric/],
      ['a bad CIDR', { detail: { ip: [{ cidr: '10.0.0.0/40' }] } }, /cidr takes a CIDR/],
      ['$or with one alternative', { $or: [{ a: [1] }] }, /\$or: must list at least two/],
      ['exists with text', { a: [{ exists: 'yes' }] }, /exists takes true or false/],
      ['wildcard with **', { a: [{ wildcard: 'a**' }] }, /\*\*/],
    ];
    for (const [what, pattern, message] of bad)
      it(what, () => {
        expect(() => eventPattern(pattern)).to.throw(InvalidEventPatternError, message);
      });
  });
});

import { expect } from 'chai';
import fc from 'fast-check';
import { type Parameters, rule } from '../../../rules/ec2-security-group-no-public-ingress/evaluate';
import {
  isoFormTime,
  normaliseConfigurationItem,
  parseMaybeJson,
} from '../../../shared/config/configuration-item';
import { MalformedEventError } from '../../../shared/errors';
import { securityGroupFromConfigurationItem } from '../../../shared/models/security-group';
import { fixture, recorded } from '../../helpers/fixtures';
import { params, SCOPE } from '../../helpers/rules';

type Raw = Record<string, unknown>;

/** Placebo writes a datetime as `{__class__: "datetime", year, …}` (UTC); the SDK v3 hands out a Date. */
function asSdkItem(item: Raw): Raw {
  const t = item.configurationItemCaptureTime as Record<string, number>;
  return {
    ...item,
    configurationItemCaptureTime: new Date(
      Date.UTC(
        t.year ?? 0,
        (t.month ?? 1) - 1,
        t.day,
        t.hour,
        t.minute,
        t.second,
        (t.microsecond ?? 0) / 1000,
      ),
    ),
  };
}

const history = (name: string) =>
  recorded<{ configurationItems: Raw[] }>(`config_items/${name}`).configurationItems.map(asSdkItem);

/** The rows of a recorded SelectResourceConfig response (each row is a JSON string). */
const selectRows = (name: string) => recorded<{ Results: string[] }>(`config_items/${name}`).Results;

function verdictOf(raw: unknown) {
  const model = securityGroupFromConfigurationItem(normaliseConfigurationItem(raw));
  return rule.evaluate(model, params<Parameters>(rule), { prefixLists: {} }, SCOPE);
}

describe('shared/config/configuration-item', () => {
  describe('capture times in the form Config writes them, read without new Date', () => {
    const item = (configurationItemCaptureTime: unknown) => ({
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: 'sg-1',
      awsAccountId: '123456789012',
      configurationItemStatus: 'OK',
      configurationItemCaptureTime,
      configuration: {},
    });
    /** What new Date reads, or the error normalising gives. */
    const viaDate = (text: string) => {
      const d = new Date(text);
      return Number.isNaN(d.getTime()) ? 'error' : d.getTime();
    };
    const normalised = (text: string) => {
      try {
        return normaliseConfigurationItem(item(text)).captureTime.getTime();
      } catch {
        return 'error';
      }
    };

    it('gives the instant new Date gives, for any text of the ISO form, edge days and hours included', () => {
      const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
      const iso = fc
        .tuple(
          fc.integer({ min: 0, max: 9999 }),
          two(13),
          two(32),
          two(25),
          two(61),
          two(61),
          fc.integer({ min: 0, max: 999 }),
        )
        .map(
          ([y, mo, d, h, mi, s, ms]) =>
            `${String(y).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, '0')}Z`,
        );
      fc.assert(
        fc.property(iso, (text) => {
          expect(normalised(text), text).to.equal(viaDate(text));
          const fast = isoFormTime(text);
          if (!Number.isNaN(fast)) expect(fast, text).to.equal(new Date(text).getTime());
        }),
        { numRuns: 20_000, seed: 7 },
      );
    });

    it('leaves every other spelling to new Date (offsets, no milliseconds, epoch seconds)', () => {
      for (const text of ['2017-11-27T14:26:11+01:00', '2017-11-27T14:26:11Z', '2017-11-27T14:26:11.3Z'])
        expect(Number.isNaN(isoFormTime(text)), text).to.equal(true);
      expect(normalised('2017-11-27T14:26:11+01:00')).to.equal(Date.parse('2017-11-27T13:26:11Z'));
      expect(normaliseConfigurationItem(item(1502510556.116)).captureTime.toISOString()).to.equal(
        '2017-08-12T04:02:36.116Z',
      );
    });
  });

  describe('the invoking-event spelling', () => {
    it('normalises the CI of a real security-group change event', () => {
      // Prepare
      const event = fixture<{ invokingEvent: string }>(
        'corpus/invoking_events/c7n__cwe__event-config-rule-security-group.json',
      );
      // Act
      const ci = normaliseConfigurationItem(JSON.parse(event.invokingEvent).configurationItem);
      // Assess
      expect(ci).to.deep.include({
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: 'sg-e2fb6999',
        accountId: '123456789012',
        awsRegion: 'eu-west-1',
        configurationItemStatus: 'ResourceDiscovered',
        captureTime: new Date('2017-11-27T14:26:11.300Z'),
        supplementaryConfiguration: {},
        tags: {},
      });
      expect(ci.arn).to.equal('arn:aws:ec2:eu-west-1:123456789012:security-group/sg-e2fb6999');
      expect(ci.configuration.groupName).to.equal('sg_open_ssh');
      expect(verdictOf(JSON.parse(event.invokingEvent).configurationItem).complianceType).to.equal(
        'NON_COMPLIANT',
      );
    });

    it('reads the rdk sample CI (accountId spelling, ISO capture time)', () => {
      const ci = normaliseConfigurationItem(fixture('corpus/config_items/rdk_AWS_EC2_SecurityGroup.json'));
      expect(ci).to.deep.include({
        resourceId: 'sg-1d56fc66',
        accountId: '264683526309',
        captureTime: new Date('2016-06-09T08:59:59.139Z'),
        arn: 'arn:aws:ec2:us-east-1:264683526309:security-group/sg-1d56fc66',
      });
    });
  });

  describe('the GetResourceConfigHistory / BatchGetResourceConfig spelling', () => {
    it('parses configuration given as a JSON string and keeps supplementary values for the rules', () => {
      // Act
      const ci = normaliseConfigurationItem(fixture('corpus/config_items/c7n__config__s3.json'));
      // Assess
      expect(ci).to.deep.include({
        resourceType: 'AWS::S3::Bucket',
        resourceId: 'config-rule-sanity',
        resourceName: 'config-rule-sanity',
        accountId: '644160558196',
        awsRegion: 'us-east-2',
        arn: 'arn:aws:s3:::config-rule-sanity',
        configurationItemStatus: 'ResourceDiscovered',
        tags: { Planet: 'Earth', Verbose: 'Game' },
      });
      expect(ci.captureTime.toISOString()).to.equal('2017-02-04T11:10:33.880Z');
      expect(ci.configuration).to.deep.equal({
        name: 'config-rule-sanity',
        owner: {
          displayName: 'mandeep.bal',
          id: 'e7c8bb65a5fc49cf906715eae09de9e4bb7861a96361ba79b833aa45f6833b15',
        },
        creationDate: '2017-02-04T11:06:27.000Z',
      });
      expect(ci.supplementaryConfiguration?.IsRequesterPaysEnabled).to.equal('false');
    });

    it('normalises the recorded history of a security group, legacy ipRanges included', () => {
      // Prepare
      const [latest] = history('c7n__test_sg_config_diff__config.GetResourceConfigHistory_1.json');
      // Act
      const ci = normaliseConfigurationItem(latest);
      // Assess
      expect(ci).to.deep.include({
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: 'sg-a38ed1de',
        accountId: '644160558196',
        awsRegion: 'us-east-1',
        captureTime: new Date('2016-12-11T06:04:03.800Z'),
        tags: { NetworkLocation: 'DMZ', App: 'blue-moon' },
      });
      expect(ci.configuration.groupName).to.equal('allow-access');
      expect(verdictOf(latest)).to.deep.equal({
        complianceType: 'NON_COMPLIANT',
        annotation: 'Ingress tcp 8080 is open to 0.0.0.0/0 (not an authorized port).',
      });
    });

    for (const name of [
      'c7n__test_sg_config_ingres_diff__config.GetResourceConfigHistory_1.json',
      'c7n__test_sg_config_patch_pitr__config.GetResourceConfigHistory_1.json',
    ])
      it(`normalises every recorded item of ${name}`, () => {
        for (const item of history(name)) {
          const ci = normaliseConfigurationItem(item);
          expect(ci.resourceType).to.equal('AWS::EC2::SecurityGroup');
          expect(ci.configuration.groupId).to.equal(ci.resourceId);
        }
      });
  });

  describe('the SelectResourceConfig spelling', () => {
    /** The identity columns a `SELECT resourceId, resourceType, … , configuration, …` row carries besides the recorded ones. */
    const identity = {
      resourceId: 'sg-04ececeaf1ed666cb',
      resourceType: 'AWS::EC2::SecurityGroup',
      accountId: '644160558196',
      awsRegion: 'us-east-1',
      configurationItemStatus: 'OK',
      configurationItemCaptureTime: '2020-03-18T20:43:41.000Z',
      tags: [{ key: 'Team', value: 'platform' }],
    };
    const [row] = selectRows('c7n__test_security_group_set_permissions__config.SelectResourceConfig_1.json');

    it('normalises a full row given as the JSON string the API returns', () => {
      // Prepare
      const fullRow = JSON.stringify({ ...JSON.parse(row ?? ''), ...identity });
      // Act
      const ci = normaliseConfigurationItem(fullRow);
      // Assess
      expect(ci).to.deep.include({
        resourceId: 'sg-04ececeaf1ed666cb',
        accountId: '644160558196',
        captureTime: new Date('2020-03-18T20:43:41.000Z'),
        tags: { Team: 'platform' },
      });
      expect(ci.configuration.groupName).to.equal('launch-wizard-11');
    });

    it('reads the float ports of a real row (22.0) as port 22', () => {
      const fullRow = { ...JSON.parse(row ?? ''), ...identity };
      expect(verdictOf(fullRow)).to.deep.equal({
        complianceType: 'NON_COMPLIANT',
        annotation: 'Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port).',
      });
    });

    it('a row that selected only configuration names the missing identity column', () => {
      expect(() => normaliseConfigurationItem(row)).to.throw(
        MalformedEventError,
        /^configurationItem\.resourceType is missing/,
      );
    });

    it('a row that is not JSON is malformed', () => {
      expect(() => normaliseConfigurationItem('{"resourceType": ')).to.throw(
        MalformedEventError,
        /^configurationItem is not an object/,
      );
    });
  });

  describe('capture times', () => {
    it('reads an epoch-seconds float (c7n__config__s3-lifecycle.json)', () => {
      const ci = normaliseConfigurationItem(fixture('corpus/config_items/c7n__config__s3-lifecycle.json'));
      expect(ci.captureTime.getTime()).to.equal(1502510556116);
    });

    const base = {
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: 'sg-1',
      awsAccountId: '123456789012',
      configurationItemStatus: 'OK',
      configuration: {},
    };
    for (const [name, value, expected] of [
      ['epoch seconds as a string', '1502510556.116', 1502510556116],
      ['epoch milliseconds', 1502510556116, 1502510556116],
      [
        'an ISO string with an offset',
        '2017-02-04T06:10:33.880000-05:00',
        Date.parse('2017-02-04T11:10:33.880Z'),
      ],
      ['a Date (SDK v3)', new Date(1502510556116), 1502510556116],
    ] as const)
      it(`reads ${name}`, () => {
        expect(
          normaliseConfigurationItem({ ...base, configurationItemCaptureTime: value }).captureTime.getTime(),
        ).to.equal(expected);
      });

    for (const value of [undefined, 'last tuesday', {}, true])
      it(`rejects ${JSON.stringify(value)} naming the field`, () => {
        expect(() => normaliseConfigurationItem({ ...base, configurationItemCaptureTime: value })).to.throw(
          MalformedEventError,
          /^configurationItem\.configurationItemCaptureTime is not a date/,
        );
      });
  });

  describe('parseMaybeJson', () => {
    it('decodes the twice-encoded AccessControlList of a real API-form item', () => {
      // Prepare
      const ci = normaliseConfigurationItem(fixture('corpus/config_items/c7n__config__s3.json'));
      const raw = ci.supplementaryConfiguration?.AccessControlList;
      expect(raw).to.be.a('string');
      expect(JSON.parse(raw as string)).to.be.a('string');
      // Act
      const acl = parseMaybeJson(raw) as { grantList: { permission: string }[] };
      // Assess
      expect(acl.grantList).to.deep.equal([
        {
          grantee: {
            id: 'e7c8bb65a5fc49cf906715eae09de9e4bb7861a96361ba79b833aa45f6833b15',
            displayName: null,
          },
          permission: 'FullControl',
        },
      ]);
    });

    it('decodes once-encoded JSON', () => {
      expect(parseMaybeJson('{"status":"Off"}')).to.deep.equal({ status: 'Off' });
      expect(parseMaybeJson(' [1, 2] ')).to.deep.equal([1, 2]);
    });

    it('returns values that are not encoded unchanged', () => {
      const object = { a: 1 };
      expect(parseMaybeJson(object)).to.equal(object);
      expect(parseMaybeJson('false')).to.equal('false');
      expect(parseMaybeJson('plain text')).to.equal('plain text');
      expect(parseMaybeJson(null)).to.equal(null);
    });

    it('returns a string that only looks like JSON unchanged', () => {
      expect(parseMaybeJson('{not json')).to.equal('{not json');
    });

    it('stops after the given depth', () => {
      const thrice = JSON.stringify(JSON.stringify(JSON.stringify({ a: 1 })));
      expect(parseMaybeJson(thrice)).to.deep.equal({ a: 1 });
      expect(parseMaybeJson(thrice, 2)).to.equal(JSON.stringify({ a: 1 }));
    });
  });

  describe('required fields and deleted items', () => {
    const ok = {
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: 'sg-1',
      awsAccountId: '123456789012',
      configurationItemStatus: 'OK',
      configurationItemCaptureTime: '2026-11-01T00:00:00.000Z',
      configuration: { groupId: 'sg-1' },
    };
    for (const [field, message] of [
      ['resourceType', /^configurationItem\.resourceType is missing/],
      ['resourceId', /^configurationItem\.resourceId is missing/],
      ['awsAccountId', /^configurationItem\.awsAccountId is missing or not a 12-digit account id/],
      ['configurationItemStatus', /^configurationItem\.configurationItemStatus is missing/],
      ['configuration', /^configurationItem\.configuration of AWS::EC2::SecurityGroup sg-1 is missing/],
    ] as const)
      it(`a missing ${field} is named`, () => {
        const raw: Raw = { ...ok };
        delete raw[field];
        expect(() => normaliseConfigurationItem(raw)).to.throw(MalformedEventError, message);
      });

    it('a non-object is malformed', () => {
      expect(() => normaliseConfigurationItem(42)).to.throw(MalformedEventError, /is not an object/);
    });

    for (const [name, change, message] of [
      [
        'a resource type PutEvaluations would refuse (> 256)',
        { resourceType: `AWS::${'X'.repeat(300)}` },
        /resourceType is 305 characters long/,
      ],
      [
        'a resource id over 768 characters',
        { resourceId: 'i'.repeat(800) },
        /resourceId is 800 characters long/,
      ],
      [
        'a resource id that is not valid UTF-16',
        { resourceId: 'sg-\uD800' },
        /resourceId is not valid UTF-16/,
      ],
    ] as const)
      it(`${name} cannot be reported: MalformedEventError`, () => {
        expect(() => normaliseConfigurationItem({ ...ok, ...change })).to.throw(MalformedEventError, message);
      });

    it('keeps the item version, and tells an absent supplementary configuration from an empty one', () => {
      expect(normaliseConfigurationItem({ ...ok, configurationItemVersion: '1.3' }).version).to.equal('1.3');
      expect(normaliseConfigurationItem(ok).supplementaryConfiguration).to.equal(undefined);
      expect(
        normaliseConfigurationItem({ ...ok, supplementaryConfiguration: '{}' }).supplementaryConfiguration,
      ).to.deep.equal({});
    });

    for (const status of ['ResourceDeleted', 'ResourceDeletedNotRecorded', 'ResourceNotRecorded'])
      it(`a ${status} item needs no configuration`, () => {
        const ci = normaliseConfigurationItem({
          ...ok,
          configurationItemStatus: status,
          configuration: null,
        });
        expect(ci.configurationItemStatus).to.equal(status);
        expect(ci.configuration).to.deep.equal({});
      });

    it('falls back to resourceName when resourceId is absent', () => {
      const { resourceId: _, ...raw } = ok;
      expect(normaliseConfigurationItem({ ...raw, resourceName: 'my-bucket' }).resourceId).to.equal(
        'my-bucket',
      );
    });
  });

  describe('tags', () => {
    const ok = {
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: 'sg-1',
      awsAccountId: '123456789012',
      configurationItemStatus: 'OK',
      configurationItemCaptureTime: '2026-11-01T00:00:00.000Z',
    };
    it('reads a map', () => {
      expect(normaliseConfigurationItem({ ...ok, configuration: {}, tags: { a: 'b' } }).tags).to.deep.equal({
        a: 'b',
      });
    });

    it('reads a list of {key, value} or {Key, Value}', () => {
      expect(
        normaliseConfigurationItem({
          ...ok,
          configuration: {},
          tags: [
            { key: 'a', value: 'b' },
            { Key: 'c', Value: 'd' },
          ],
        }).tags,
      ).to.deep.equal({ a: 'b', c: 'd' });
    });

    it('falls back to configuration.tags when the item has none', () => {
      expect(
        normaliseConfigurationItem({ ...ok, configuration: { tags: [{ key: 'Exempt', value: 'yes' }] } })
          .tags,
      ).to.deep.equal({ Exempt: 'yes' });
    });
  });
});

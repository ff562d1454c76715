import type { Grant } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import fc from 'fast-check';
import { itemStream } from '../../../bench/generate';
import { normaliseConfigurationItem } from '../../../shared/config/configuration-item';
import { MalformedResourceError } from '../../../shared/errors';
import {
  type BucketModel,
  bucketFromConfigurationItem,
  bucketFromReadout,
  normalisePermission,
  readBucketStrictly,
  readPlainBucket,
} from '../../../shared/models/bucket';
import { parsePolicyDocument, readPlainPolicyDocument } from '../../../shared/models/bucket-policy';
import {
  accountPublicAccessBlockFromApi,
  accountPublicAccessBlockFromConfigurationItem,
  decodePublicAccessBlock,
  publicAccessBlockFlags,
  readPlainPublicAccessBlock,
} from '../../../shared/models/public-access-block';
import { apply, kindsFor, type Path, paths } from '../../fuzz/mutate';
import { ruleTargets } from '../../fuzz/targets';
import { edgeCases } from '../../golden/edge';
import { fixture, recorded } from '../../helpers/fixtures';
import { agreesWithStrict, singleMutations } from '../../helpers/plain-reader';
import { ciOfEvent } from '../../helpers/rules';

const OWNER = 'e7c8bb65a5fc49cf906715eae09de9e4bb7861a96361ba79b833aa45f6833b15';

/** A bucket configuration item with the given supplementary configuration (Config's event form). */
function bucketCi(supplementaryConfiguration: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return normaliseConfigurationItem({
    awsAccountId: '123456789012',
    awsRegion: 'us-east-1',
    resourceType: 'AWS::S3::Bucket',
    resourceId: 'b1',
    resourceName: 'b1',
    configurationItemStatus: 'OK',
    configurationItemCaptureTime: '2026-11-01T00:00:00.000Z',
    configuration: { name: 'b1' },
    // Config always writes the ACL and the policy holder; a test that is about something else gets the owner's.
    supplementaryConfiguration: {
      AccessControlList: JSON.stringify({
        grantList: [{ grantee: { id: OWNER }, permission: 'FullControl' }],
      }),
      BucketPolicy: { policyText: null },
      ...supplementaryConfiguration,
    },
    ...extra,
  });
}

const readout = (grants: Grant[] | undefined, more: Record<string, unknown> = {}) => ({
  name: 'b1',
  region: 'us-east-1',
  grants,
  policy: null,
  publicAccessBlock: null,
  objectOwnership: undefined,
  tags: {},
  ...more,
});

/** The strict reader's model, or the error it raises. */
function strictly(raw: unknown): { model?: BucketModel; error?: unknown } {
  try {
    return { model: readBucketStrictly(normaliseConfigurationItem(raw)) };
  } catch (error) {
    return { error };
  }
}

/** The plain reader, where the item normalises at all. */
function plainly(raw: unknown): BucketModel | undefined {
  try {
    return readPlainBucket(normaliseConfigurationItem(raw));
  } catch {
    return undefined;
  }
}

const corpusBuckets = () =>
  ruleTargets().find((t) => t.name === 'bucket, configuration item (change path)')?.seeds ?? [];
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Where a mutation may rename a key: an object member (inside JSON text too). */
const keyPlaces = (seed: unknown) => paths(seed).filter((p) => typeof p.path.at(-1) === 'string');

/**
 * A deep copy of `root` with the key at `path` spelt `to(key)` (JSON text along the path re-encoded, the order of the
 * members kept); with `before`, the key stays and the new spelling is inserted before it holding `before.value`.
 * `root` itself when the path leads nowhere.
 */
function recaseKey(
  root: unknown,
  path: Path,
  to: (key: string) => string,
  before?: { value: unknown },
): unknown {
  const walk = (v: unknown, rest: Path): unknown => {
    const [step, ...more] = rest;
    if (typeof step === 'object')
      return typeof v === 'string' ? JSON.stringify(walk(JSON.parse(v), more)) : v;
    if (Array.isArray(v)) return v.map((x, i) => (i === step ? walk(x, more) : x));
    if (!v || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v).flatMap(([k, x]): [string, unknown][] => {
        if (k !== step) return [[k, x]];
        if (more.length > 0) return [[k, walk(x, more)]];
        return before
          ? [
              [to(k), before.value],
              [k, x],
            ]
          : [[to(k), x]];
      }),
    );
  };
  return walk(root, path);
}

/** The same name in other capitals: all upper, all lower, or the first letter flipped. */
const RECASE: ((key: string) => string)[] = [
  (k) => k.toUpperCase(),
  (k) => k.toLowerCase(),
  (k) => (k[0] === k[0]?.toUpperCase() ? k[0]?.toLowerCase() : k[0]?.toUpperCase()) + k.slice(1),
];

describe('bucket model', () => {
  describe('the plain reader (the fast path) and the strict one give the same model', () => {
    it('on the corpus, 3,000 generated items and the golden edge cases; the plain reader reads every generated one', () => {
      // Prepare
      const generated = [...itemStream('s3-bucket-no-public-access', 3_000, 1)].map(json);
      const items = [
        ...corpusBuckets(),
        ...generated,
        ...edgeCases('s3-bucket-no-public-access', 3_000, 1).map((e) => e.item),
      ].map(json);
      let plain = 0;
      // Act / Assess
      for (const raw of items) {
        const model = plainly(raw);
        if (model === undefined) continue;
        plain++;
        const strict = strictly(raw);
        expect(strict.error, JSON.stringify(raw).slice(0, 300)).to.equal(undefined);
        expect(model).to.deep.equal(strict.model);
      }
      // Only the SDK-v1 grantee (`{identifier, typeIdentifier}`, 3 % of generated items) needs the strict reader.
      expect(plain).to.be.greaterThan(generated.length * 0.95);
      expect(
        generated
          .filter((raw) => plainly(raw) === undefined)
          .every((raw) => /typeIdentifier/.test(JSON.stringify(raw))),
      ).to.equal(true);
    });

    it('on every single mutation of real and generated items (inside their JSON text too): never a model the strict reader refuses or reads otherwise', () => {
      const seeds = [...corpusBuckets(), ...itemStream('s3-bucket-no-public-access', 40, 3)].map(json);
      fc.assert(fc.property(singleMutations(seeds), agreesWithStrict(plainly, strictly)), {
        numRuns: 5_000,
        seed: 20261204,
      });
    });

    it('on keys spelt in other capitals, alone or before the usual spelling with another value (the strict reader matches some names case-insensitively, the plain one exactly)', () => {
      const seeds = [...corpusBuckets(), ...itemStream('s3-bucket-no-public-access', 40, 5)].map(json);
      const recased = fc
        .tuple(
          fc.nat(seeds.length - 1),
          fc.nat(),
          fc.nat(RECASE.length - 1),
          fc.boolean(),
          fc.nat(),
          fc.nat(),
        )
        .map(([s, p, r, insert, k, pick]) => {
          const seed = seeds[s];
          const places = keyPlaces(seed);
          const place = places[p % places.length];
          if (!place) return seed;
          const kinds = kindsFor(place.value, false);
          const other = apply(
            { v: place.value },
            { path: ['v'], kind: kinds[k % kinds.length] ?? 'null', pick },
          ) as {
            v?: unknown;
          };
          return recaseKey(
            seed,
            place.path,
            RECASE[r] as (key: string) => string,
            insert ? { value: other.v } : undefined,
          );
        });
      fc.assert(fc.property(recased, agreesWithStrict(plainly, strictly)), {
        numRuns: 5_000,
        seed: 20261204,
      });
    });

    it('a policy: the plain reader keeps the statements it checked, and leaves every other spelling to the strict one', () => {
      const statement = { Effect: 'Allow', Principal: { AWS: ['*'] }, Action: 's3:GetObject', Resource: '*' };
      const doc = { Version: '2012-10-17', Statement: [statement] };
      expect(readPlainPolicyDocument(doc)?.Statement[0]).to.equal(statement);
      expect(readPlainPolicyDocument(doc)).to.deep.equal(parsePolicyDocument(doc));
      for (const odd of [
        { Statement: [{ ...statement, Action: '["s3:GetObject"]' }] },
        { Statement: [JSON.stringify(statement)] },
        { Statement: [{ ...statement, Principal: { AWS: 'not-a-principal' } }] },
        { Statement: [{ ...statement, Condition: '{"Bool":{"aws:SecureTransport":"true"}}' }] },
        { Statement: [{ ...statement, Condition: JSON.parse('{"__proto__":{"aws:SourceVpce":"vpce-1"}}') }] },
        { Statement: [{ ...statement, Principal: JSON.parse('{"__proto__":["*"]}') }] },
      ])
        expect(readPlainPolicyDocument(odd), JSON.stringify(odd)).to.equal(undefined);
    });

    it('Block Public Access: four booleans (or their JSON text) plainly, anything else by the strict reader', () => {
      const where = { resourceType: 'AWS::S3::Bucket', resourceId: 'b1' };
      const flags = {
        blockPublicAcls: true,
        ignorePublicAcls: false,
        blockPublicPolicy: true,
        restrictPublicBuckets: false,
      };
      expect(readPlainPublicAccessBlock(JSON.stringify(flags))).to.deep.equal(flags);
      expect(readPlainPublicAccessBlock(null)).to.equal(null);
      const spelt = { ...flags, ignorePublicAcls: 'false' };
      expect(readPlainPublicAccessBlock(spelt)).to.equal(false);
      expect(decodePublicAccessBlock(spelt, where, 'x')).to.deep.equal(flags);
      for (const odd of [{ BlockPublicAcls: true }, '{', []]) {
        expect(readPlainPublicAccessBlock(odd), JSON.stringify(odd)).to.equal(false);
        expect(() => decodePublicAccessBlock(odd, where, 'x')).to.throw(MalformedResourceError);
      }
    });
  });

  describe('from configuration items', () => {
    it('reads the once-encoded ACL and the policy object of the RDK sample item', () => {
      const m = bucketFromConfigurationItem(
        normaliseConfigurationItem(fixture('corpus/config_items/rdk_AWS_S3_Bucket.json')),
      );
      expect(m).to.include({
        resourceType: 'AWS::S3::Bucket',
        resourceId: 'mborch-test-bucket-config-item',
        name: 'mborch-test-bucket-config-item',
        accountId: '934654633380',
        publicAccessBlock: null,
      });
      expect(m.grants).to.deep.equal([
        {
          grantee: {
            kind: 'CanonicalUser',
            id: '8ac813c84b8ad4d9f3e35f80aaeb254f85922a902ce87ed6b49ccbfa188f5a12',
          },
          permission: 'FULL_CONTROL',
        },
      ]);
      expect(m.policy?.Statement[0]).to.include({ Effect: 'Deny', Principal: '*' });
    });

    it('reads the twice-encoded ACL and string supplementary values of a history item', () => {
      const m = bucketFromConfigurationItem(
        normaliseConfigurationItem(fixture('corpus/config_items/c7n__config__s3.json')),
      );
      expect(m.grants).to.deep.equal([
        { grantee: { kind: 'CanonicalUser', id: OWNER }, permission: 'FULL_CONTROL' },
      ]);
      expect(m.policy).to.equal(null);
      expect(m.tags).to.deep.equal({ Planet: 'Earth', Verbose: 'Game' });
      expect(m.region).to.equal('us-east-2');
    });

    it('reads the plain-string grantee "AllUsers" with permission "Read"', () => {
      const m = bucketFromConfigurationItem(
        normaliseConfigurationItem(fixture('corpus/config_items/c7n__config__s3-website.json')),
      );
      expect(m.grants).to.deep.equal([
        { grantee: { kind: 'CanonicalUser', id: OWNER }, permission: 'FULL_CONTROL' },
        { grantee: { kind: 'AllUsers' }, permission: 'READ' },
      ]);
    });

    it('reads an item from a Lambda event (ACL a string inside an object item, policyText null)', () => {
      const m = bucketFromConfigurationItem(
        ciOfEvent(fixture('corpus/invoking_events/c7n__config__s3-from-rule.json')),
      );
      expect(m).to.include({ resourceId: 'c7n-fire-logs', policy: null });
      expect(m.grants).to.have.length(1);
    });

    it('reads a SelectResourceConfig row (no resourceId: identity added by the caller)', () => {
      const [row] = recorded<{ Results: string[] }>(
        'config_items/c7n__test_s3_metrics_user_dims__config.SelectResourceConfig_1.json',
      ).Results;
      const m = bucketFromConfigurationItem(
        normaliseConfigurationItem({
          ...JSON.parse(row as string),
          resourceType: 'AWS::S3::Bucket',
          resourceId: 'c7n-ssm-build',
          accountId: '644160558196',
          configurationItemStatus: 'OK',
          configurationItemCaptureTime: '2019-07-30T20:14:09Z',
        }),
      );
      expect(m.name).to.equal('c7n-ssm-build');
      expect(m.policy?.Statement[0]?.Principal).to.deep.equal({
        AWS: 'arn:aws:iam::644160558196:role/service-role/codebuild-test-service-role',
      });
    });

    it('takes tags from BucketTaggingConfiguration when the item has none', () => {
      const m = bucketFromConfigurationItem(
        bucketCi({ BucketTaggingConfiguration: '{"tagSets":[{"tags":{"team":"web"}}]}' }),
      );
      expect(m.tags).to.deep.equal({ team: 'web' });
    });

    it('accepts the ACL as an object, with grantList and grantSet', () => {
      const m = bucketFromConfigurationItem(
        bucketCi({
          AccessControlList: {
            grantList: [{ grantee: 'AuthenticatedUsers', permission: 'Write' }],
            grantSet: [{ grantee: 'LogDelivery', permission: 'ReadAcp' }],
          },
        }),
      );
      expect(m.grants).to.deep.equal([
        { grantee: { kind: 'AuthenticatedUsers' }, permission: 'WRITE' },
        { grantee: { kind: 'LogDelivery' }, permission: 'READ_ACP' },
      ]);
    });

    const grantees: [string, unknown, unknown][] = [
      ['group name', 'AllUsers', { kind: 'AllUsers' }],
      [
        'group URI string',
        'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
        { kind: 'AuthenticatedUsers' },
      ],
      ['{uri}', { uri: 'http://acs.amazonaws.com/groups/s3/LogDelivery' }, { kind: 'LogDelivery' }],
      [
        'unknown group URI',
        'http://acs.amazonaws.com/groups/other/X',
        { kind: 'Group', id: 'http://acs.amazonaws.com/groups/other/X' },
      ],
      ['{id, displayName}', { id: 'abc', displayName: null }, { kind: 'CanonicalUser', id: 'abc' }],
      ['{emailAddress}', { emailAddress: 'a@example.com' }, { kind: 'Email', id: 'a@example.com' }],
      [
        'SDK v1 {identifier, typeIdentifier: uri}',
        { identifier: 'http://acs.amazonaws.com/groups/global/AllUsers', typeIdentifier: 'uri' },
        { kind: 'AllUsers' },
      ],
      [
        'SDK v1 {identifier, typeIdentifier: id}',
        { identifier: 'abc', typeIdentifier: 'id' },
        { kind: 'CanonicalUser', id: 'abc' },
      ],
    ];
    for (const [name, grantee, expected] of grantees)
      it(`grantee ${name}`, () => {
        const m = bucketFromConfigurationItem(
          bucketCi({ AccessControlList: JSON.stringify({ grantList: [{ grantee, permission: 'Read' }] }) }),
        );
        expect(m.grants[0]?.grantee).to.deep.equal(expected);
      });

    for (const [raw, expected] of [
      ['Read', 'READ'],
      ['Write', 'WRITE'],
      ['ReadAcp', 'READ_ACP'],
      ['WriteAcp', 'WRITE_ACP'],
      ['FullControl', 'FULL_CONTROL'],
      ['FULL_CONTROL', 'FULL_CONTROL'],
    ])
      it(`permission ${raw} → ${expected}`, () => expect(normalisePermission(raw)).to.equal(expected));

    it('reads bucket-level Block Public Access in camelCase, as an object or a JSON string', () => {
      const flags = {
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: false,
        restrictPublicBuckets: true,
      };
      for (const value of [flags, JSON.stringify(flags)])
        expect(
          bucketFromConfigurationItem(bucketCi({ PublicAccessBlockConfiguration: value })).publicAccessBlock,
        ).to.deep.equal(flags);
    });

    const ownership: [string, Record<string, unknown>, Record<string, unknown>][] = [
      [
        'BucketOwnershipControls rules',
        { BucketOwnershipControls: { rules: [{ objectOwnership: 'BucketOwnerEnforced' }] } },
        {},
      ],
      [
        'OwnershipControls as a JSON string',
        { OwnershipControls: '{"Rules":[{"ObjectOwnership":"BucketOwnerEnforced"}]}' },
        {},
      ],
      ['ObjectOwnership string', { ObjectOwnership: 'BucketOwnerEnforced' }, {}],
      [
        'configuration.ownershipControls',
        {},
        {
          configuration: {
            name: 'b1',
            ownershipControls: { rules: [{ objectOwnership: 'BucketOwnerEnforced' }] },
          },
        },
      ],
    ];
    for (const [name, supplementary, extra] of ownership)
      it(`finds object ownership under ${name}`, () => {
        expect(bucketFromConfigurationItem(bucketCi(supplementary, extra)).objectOwnership).to.equal(
          'BucketOwnerEnforced',
        );
      });

    it('leaves object ownership unknown when the item does not carry it', () => {
      expect(bucketFromConfigurationItem(bucketCi({})).objectOwnership).to.equal(undefined);
    });

    it('an unreadable ACL or policy raises MalformedResourceError naming the field (never looks private)', () => {
      expect(() => bucketFromConfigurationItem(bucketCi({ AccessControlList: 'garbage' })))
        .to.throw(
          MalformedResourceError,
          /AWS::S3::Bucket b1: supplementaryConfiguration.AccessControlList is "garbage"/,
        )
        .with.property('field', 'supplementaryConfiguration.AccessControlList');
      expect(() => bucketFromConfigurationItem(bucketCi({ BucketPolicy: { policyText: '{"Statement":' } })))
        .to.throw(MalformedResourceError)
        .with.property('field', 'supplementaryConfiguration.BucketPolicy.policyText');
    });

    it('a grantee that names nothing is refused, not read as "not public"', () => {
      const acl = JSON.stringify({ grantList: [{ grantee: {}, permission: 'Read' }] });
      expect(() => bucketFromConfigurationItem(bucketCi({ AccessControlList: acl })))
        .to.throw(MalformedResourceError)
        .with.property('field', 'supplementaryConfiguration.AccessControlList.grantList[0].grantee');
    });

    // A name the reader matches in any capitals, written twice: reading either one could hide a public grant.
    const owner = { grantee: { id: OWNER }, permission: 'FullControl' };
    const twins: [string, Record<string, unknown>, string][] = [
      [
        'grantList and GrantList',
        { grantList: [owner], GrantList: [{ grantee: 'AllUsers', permission: 'Read' }] },
        'supplementaryConfiguration.AccessControlList.GrantList',
      ],
      [
        'a grant with grantee and Grantee',
        { grantList: [owner, { grantee: 'LogDelivery', Grantee: 'AllUsers', permission: 'Read' }] },
        'supplementaryConfiguration.AccessControlList.grantList[1].Grantee',
      ],
      [
        'a grant with permission and PERMISSION',
        { grantList: [{ grantee: 'AllUsers', permission: 'ReadAcp', PERMISSION: 'Read' }] },
        'supplementaryConfiguration.AccessControlList.grantList[0].PERMISSION',
      ],
    ];
    for (const [name, acl, field] of twins)
      it(`an ACL with ${name} is refused, naming the second (the plain reader leaves it to the strict one)`, () => {
        const ci = bucketCi({ AccessControlList: JSON.stringify(acl) });
        expect(readPlainBucket(ci)).to.equal(undefined);
        expect(() => bucketFromConfigurationItem(ci))
          .to.throw(MalformedResourceError, /is written beside/)
          .with.property('field', field);
      });

    it('a policy that spells an element twice is refused (the plain reader leaves it to the strict one)', () => {
      const policyText = JSON.stringify({
        Statement: [{ Effect: 'Deny', effect: 'Allow', Principal: '*', Action: 's3:GetObject' }],
      });
      const ci = bucketCi({ BucketPolicy: { policyText } });
      expect(readPlainBucket(ci)).to.equal(undefined);
      expect(() => bucketFromConfigurationItem(ci)).to.throw(
        MalformedResourceError,
        /effect is not an IAM policy element/,
      );
    });
  });

  describe('from API readouts', () => {
    it('reads GetBucketAcl group URIs and upper-case permissions', () => {
      const acl = recorded<{ Grants: Grant[] }>(
        'custodian_placebo/s3/test_s3_normalize__s3.GetBucketAcl_1.json',
      );
      expect(bucketFromReadout(readout(acl.Grants), '123456789012').grants).to.deep.equal([
        { grantee: { kind: 'AuthenticatedUsers' }, permission: 'READ' },
        { grantee: { kind: 'LogDelivery' }, permission: 'WRITE' },
        { grantee: { kind: 'LogDelivery' }, permission: 'READ_ACP' },
      ]);
    });

    it('reads PascalCase Block Public Access, ownership, tags and the policy string', () => {
      const bpa = recorded<{ PublicAccessBlockConfiguration: Record<string, boolean> }>(
        'custodian_placebo/s3/test_s3_check_public_block__s3.GetPublicAccessBlock_2.json',
      ).PublicAccessBlockConfiguration;
      const policy = recorded<{ Policy: string }>(
        'custodian_placebo/s3/test_s3_no_encryption_statement__s3.GetBucketPolicy_3.json',
      ).Policy;
      const m = bucketFromReadout(
        readout([], {
          publicAccessBlock: bpa,
          objectOwnership: 'BucketOwnerPreferred',
          tags: { a: 'b' },
          policy,
        }),
        '123456789012',
      );
      expect(m).to.deep.include({
        resourceId: 'b1',
        accountId: '123456789012',
        objectOwnership: 'BucketOwnerPreferred',
        tags: { a: 'b' },
        publicAccessBlock: {
          blockPublicAcls: true,
          ignorePublicAcls: false,
          blockPublicPolicy: true,
          restrictPublicBuckets: true,
        },
      });
      expect(m.policy?.Statement[0]?.Sid).to.equal('RequiredEncryptedObject');
    });

    it('refuses absent grants (every ACL has its owner’s grant), and grants S3 does not write', () => {
      expect(() => bucketFromReadout(readout(undefined), '123456789012'))
        .to.throw(MalformedResourceError)
        .with.property('field', 'Grants');
      expect(() =>
        bucketFromReadout(readout([{ Grantee: { Type: 'Group' }, Permission: 'READ' }]), '123456789012'),
      )
        .to.throw(MalformedResourceError)
        .with.property('field', 'Grants[0].Grantee.URI');
      expect(() =>
        bucketFromReadout(
          readout([{ Grantee: { Type: 'CanonicalUser', ID: 'x' }, Permission: 'PEEK' as never }]),
          '123456789012',
        ),
      )
        .to.throw(MalformedResourceError)
        .with.property('field', 'Grants[0].Permission');
    });
  });

  describe('account-level Block Public Access', () => {
    it('the plain reader and the strict one give the same model on generated and mutated items', () => {
      const seeds = [
        ...(ruleTargets().find(
          (t) => t.name === 'account Block Public Access, configuration item (change path)',
        )?.seeds ?? []),
        ...itemStream('s3-account-public-access-blocked', 200, 1),
      ].map(json);
      const strictModel = (raw: unknown) => {
        const ci = normaliseConfigurationItem(raw);
        return decodePublicAccessBlock(
          ci.configuration,
          { resourceType: ci.resourceType, resourceId: ci.resourceId },
          'configuration',
        );
      };
      fc.assert(
        fc.property(singleMutations(seeds), (raw) => {
          let plain: ReturnType<typeof readPlainPublicAccessBlock>;
          try {
            plain = readPlainPublicAccessBlock(normaliseConfigurationItem(raw).configuration);
          } catch {
            return;
          }
          if (plain === false) return;
          expect(plain).to.deep.equal(strictModel(raw));
        }),
        { numRuns: 2_000, seed: 20261204 },
      );
    });

    it('reads the RDK sample AccountPublicAccessBlock item', () => {
      const m = accountPublicAccessBlockFromConfigurationItem(
        normaliseConfigurationItem(fixture('corpus/config_items/rdk_AWS_S3_AccountPublicAccessBlock.json')),
      );
      expect(m).to.deep.include({
        resourceType: 'AWS::S3::AccountPublicAccessBlock',
        resourceId: '123456789012',
        publicAccessBlock: {
          blockPublicAcls: true,
          ignorePublicAcls: true,
          blockPublicPolicy: true,
          restrictPublicBuckets: true,
        },
      });
    });

    it('models the account from the API (null = no configuration)', () => {
      expect(accountPublicAccessBlockFromApi(null, '123456789012')).to.deep.equal({
        resourceType: 'AWS::::Account',
        resourceId: '123456789012',
        accountId: '123456789012',
        publicAccessBlock: null,
      });
    });

    it('flags: absent is false, "true" strings count, null stays null', () => {
      expect(publicAccessBlockFlags({ IgnorePublicAcls: 'TRUE', blockPublicAcls: true })).to.deep.equal({
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: false,
        restrictPublicBuckets: false,
      });
      expect(publicAccessBlockFlags(null)).to.equal(null);
      expect(publicAccessBlockFlags(undefined)).to.equal(null);
    });
  });
});

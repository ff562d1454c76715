import { expect } from 'chai';
import sinon from 'sinon';
import { type Parameters, rule } from '../../rules/ec2-security-group-no-public-ingress/evaluate';
import { SnapshotReader } from '../../shared/collectors/snapshot-reader';
import {
  evaluateModels,
  exemptionOf,
  MAX_ANNOTATION_LENGTH,
  toEvaluation,
  truncateAnnotation,
} from '../../shared/engine';
import { CollectionError, InsufficientDataError, MalformedResourceError } from '../../shared/errors';
import type { SecurityGroupModel } from '../../shared/models/security-group';
import type { AnyRule } from '../../shared/rule';
import { params, SCOPE } from '../helpers/rules';

const AT = new Date('2026-11-01T00:00:00.000Z');

function sg(id: string, open: boolean, tags: Record<string, string> = {}): SecurityGroupModel {
  return {
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId: id,
    accountId: '123456789012',
    tags,
    ingress: open
      ? [
          {
            protocol: 'tcp',
            fromPort: 22,
            toPort: 22,
            ipv4: ['0.0.0.0/0'],
            ipv6: [],
            prefixListIds: [],
            groupIds: [],
          },
        ]
      : [],
  };
}

const reader = () => new SnapshotReader({}, '123456789012', 'us-east-1');

describe('shared/engine', () => {
  describe('outputs PutEvaluations accepts (never a malformed or INSUFFICIENT_DATA evaluation)', () => {
    const at = new Date('2026-11-01T00:00:00Z');
    const isValid = (s: string) =>
      !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

    it('a lone surrogate anywhere in an annotation becomes U+FFFD, the rest kept', () => {
      const e = toEvaluation(
        { resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-1' },
        { complianceType: 'COMPLIANT', annotation: 'Exempted: tagged k=\uD800x\uDC00y.' },
        at,
      );
      expect(e.annotation).to.equal('Exempted: tagged k=\uFFFDx\uFFFDy.');
      expect(isValid(e.annotation ?? '')).to.equal(true);
    });

    it('a long annotation full of lone surrogates is cut to 256 valid characters', () => {
      const cut = truncateAnnotation(`${'\uDFFF'.repeat(400)}.`) ?? '';
      expect(cut.length).to.be.at.most(256);
      expect(isValid(cut)).to.equal(true);
    });

    for (const [name, resource, field] of [
      [
        'a resource type over 256 characters',
        { resourceType: `AWS::${'X'.repeat(300)}`, resourceId: 'a' },
        'resourceType',
      ],
      ['an empty resource id', { resourceType: 'AWS::S3::Bucket', resourceId: '' }, 'resourceId'],
      [
        'a resource id over 768 characters',
        { resourceType: 'AWS::S3::Bucket', resourceId: 'b'.repeat(769) },
        'resourceId',
      ],
      [
        'a resource id with a lone surrogate',
        { resourceType: 'AWS::S3::Bucket', resourceId: 'b\uD800' },
        'resourceId',
      ],
    ] as const)
      it(`${name} is a typed error, not an evaluation`, () => {
        expect(() => toEvaluation(resource, { complianceType: 'COMPLIANT' }, at))
          .to.throw(MalformedResourceError)
          .with.property('field', field);
      });

    it('INSUFFICIENT_DATA (which Config refuses from a custom rule) is an error, not an evaluation', () => {
      expect(() =>
        toEvaluation(
          { resourceType: 'AWS::S3::Bucket', resourceId: 'b' },
          { complianceType: 'INSUFFICIENT_DATA' },
          at,
        ),
      ).to.throw(InsufficientDataError);
    });
  });

  describe('truncateAnnotation', () => {
    it('keeps an annotation of exactly 256 characters', () => {
      const text = 'a'.repeat(MAX_ANNOTATION_LENGTH);
      expect(truncateAnnotation(text)).to.equal(text);
    });

    it('cuts a longer one to 256 characters ending with an ellipsis', () => {
      const cut = truncateAnnotation(`${'a'.repeat(300)}.`);
      expect(cut).to.have.length(MAX_ANNOTATION_LENGTH);
      expect(cut).to.equal(`${'a'.repeat(255)}…`);
    });

    it('never splits a character made of two UTF-16 units', () => {
      // 254 letters, then emoji (two units each): a naive cut would keep half of one.
      const cut = truncateAnnotation(`${'a'.repeat(254)}${'🔓'.repeat(10)}`) ?? '';
      expect(cut.length).to.be.at.most(MAX_ANNOTATION_LENGTH);
      expect(cut.endsWith('…')).to.equal(true);
      expect(cut).to.not.match(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
      expect(Buffer.from(cut, 'utf8').toString('utf8')).to.equal(cut);
    });

    it('leaves undefined alone', () => {
      expect(truncateAnnotation(undefined)).to.equal(undefined);
    });
  });

  describe('toEvaluation', () => {
    it('drops an empty annotation (Config rejects empty ones)', () => {
      expect(
        toEvaluation(sg('sg-1', false), { complianceType: 'COMPLIANT', annotation: '' }, AT),
      ).to.deep.equal({
        complianceResourceType: 'AWS::EC2::SecurityGroup',
        complianceResourceId: 'sg-1',
        complianceType: 'COMPLIANT',
        orderingTimestamp: AT,
      });
    });
  });

  describe('exemptionOf', () => {
    const base = params<Parameters>(rule);
    it('exempts a listed id', () => {
      expect(exemptionOf(sg('sg-1', true), { ...base, exemptResourceIds: ['sg-1'] })).to.equal(
        'Exempted: sg-1 is listed in exemptResourceIds.',
      );
    });

    it('exempts the configured tag key and value', () => {
      const p = { ...base, exemptTagKey: 'SecurityExempt', exemptTagValue: 'approved' };
      expect(exemptionOf(sg('sg-1', true, { SecurityExempt: 'approved' }), p)).to.equal(
        'Exempted: tagged SecurityExempt=approved.',
      );
      expect(exemptionOf(sg('sg-1', true, { SecurityExempt: 'APPROVED' }), p)).to.equal(undefined);
      expect(exemptionOf(sg('sg-1', true, { Other: 'approved' }), p)).to.equal(undefined);
    });

    it('exempts nothing by default, whatever the tags', () => {
      expect(exemptionOf(sg('sg-1', true, { '': '' }), base)).to.equal(undefined);
    });
  });

  describe('evaluateModels', () => {
    it('evaluates each model, exempted ones first and without reading their context', async () => {
      // Prepare
      const loadContext = sinon.spy(rule.loadContext);
      const spied: AnyRule = { ...rule, loadContext };
      const p = { ...params<Parameters>(rule), exemptResourceIds: ['sg-2'] };
      // Act
      const outcome = await evaluateModels(
        spied,
        [sg('sg-1', true), sg('sg-2', true)],
        p,
        reader(),
        SCOPE,
        AT,
      );
      // Assess
      expect(outcome.failures).to.deep.equal([]);
      expect(outcome.evaluations.map((e) => [e.complianceResourceId, e.complianceType])).to.deep.equal([
        ['sg-2', 'COMPLIANT'],
        ['sg-1', 'NON_COMPLIANT'],
      ]);
      expect(loadContext.firstCall.args[1].map((m: SecurityGroupModel) => m.resourceId)).to.deep.equal([
        'sg-1',
      ]);
    });

    it('reads no context when every resource is exempted', async () => {
      const loadContext = sinon.spy(rule.loadContext);
      const p = { ...params<Parameters>(rule), exemptResourceIds: ['sg-1'] };
      await evaluateModels({ ...rule, loadContext }, [sg('sg-1', true)], p, reader(), SCOPE, AT);
      expect(loadContext.callCount).to.equal(0);
    });

    it('a collection error is a failure, never a verdict', async () => {
      const failure = new CollectionError('AWS::EC2::SecurityGroup', 'sg-9', 'AccessDenied.');
      const outcome = await evaluateModels(
        rule,
        [failure, sg('sg-1', false)],
        params(rule),
        reader(),
        SCOPE,
        AT,
      );
      expect(outcome.failures).to.deep.equal([failure]);
      expect(outcome.evaluations.map((e) => e.complianceResourceId)).to.deep.equal(['sg-1']);
    });

    it('an evaluator that throws for one resource makes it a failure naming it', async () => {
      const flaky: AnyRule = {
        ...rule,
        evaluate: (model, p, ctx, scope) => {
          if (model.resourceId === 'sg-2') throw new TypeError('boom');
          return rule.evaluate(model, p, ctx, scope);
        },
      };
      const outcome = await evaluateModels(
        flaky,
        [sg('sg-1', false), sg('sg-2', false)],
        params(rule),
        reader(),
        SCOPE,
        AT,
      );
      expect(outcome.evaluations.map((e) => e.complianceResourceId)).to.deep.equal(['sg-1']);
      expect(outcome.failures).to.have.length(1);
      expect(outcome.failures[0]).to.be.instanceOf(CollectionError);
      expect(outcome.failures[0]?.message).to.equal('Could not read AWS::EC2::SecurityGroup sg-2: boom');
      expect(outcome.failures[0]?.cause).to.be.instanceOf(TypeError);
    });

    it('a context that cannot be read fails every resource that needed it', async () => {
      const broken: AnyRule = {
        ...rule,
        loadContext: async () => {
          throw new Error('Rate exceeded');
        },
      };
      const p = { ...params<Parameters>(rule), exemptResourceIds: ['sg-2'] };
      const outcome = await evaluateModels(
        broken,
        [sg('sg-1', true), sg('sg-2', true)],
        p,
        reader(),
        SCOPE,
        AT,
      );
      expect(outcome.evaluations.map((e) => e.complianceResourceId)).to.deep.equal(['sg-2']);
      expect(outcome.failures).to.have.length(1);
      expect(outcome.failures[0]).to.be.instanceOf(InsufficientDataError);
    });
  });
});

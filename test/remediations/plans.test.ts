import { expect } from 'chai';
import { planAccountChange, turnedOff } from '../../remediations/block-s3-account-public-access/plan';
import { ALL_FOUR_ON, bucketAction } from '../../remediations/block-s3-bucket-public-access/plan';
import { planTrail, type TrailPlanInputs } from '../../remediations/enable-cloudtrail/plan';
import { maskKeyId, planCalls } from '../../remediations/remove-root-access-keys/plan';
import {
  type Parameters as TrailParameters,
  rule as trailRule,
} from '../../rules/cloudtrail-multi-region-logging/evaluate';
import {
  type Parameters as AccountParameters,
  rule as accountRule,
} from '../../rules/s3-account-public-access-blocked/evaluate';
import { ManualActionRequiredError, RemediationDeniedError } from '../../shared/errors';
import type { TrailFacts } from '../../shared/models/trail';
import { ruleParameters } from '../../shared/params';

/**
 * The pure plans of the remediations (model and verdict in, exact API inputs out), without AWS. revoke-public-ingress
 * has its own file (revoke-public-ingress/plan.test.ts).
 */
describe('remediation plans (pure)', () => {
  describe('block-s3-bucket-public-access bucketAction', () => {
    const params = { excludedPublicBuckets: ['www.example.com'] };
    it('decides on the verdict, never on the settings: compliant → ALREADY_COMPLIANT, public → BLOCK', () => {
      expect(bucketAction('private', params, { compliant: true })).to.equal('ALREADY_COMPLIANT');
      expect(bucketAction('leaky', params, { compliant: false })).to.equal('BLOCK');
    });
    it('exempted wins over everything; an excluded bucket is left alone even when public', () => {
      expect(bucketAction('leaky', params, { compliant: true, exemption: 'Exempted: …' })).to.equal(
        'EXEMPTED',
      );
      expect(bucketAction('www.example.com', params, { compliant: true })).to.equal('EXCLUDED');
    });
    it('blocks with all four settings on', () => {
      expect(Object.values(ALL_FOUR_ON)).to.deep.equal([true, true, true, true]);
    });
  });

  describe('block-s3-account-public-access planAccountChange', () => {
    const params = ruleParameters(accountRule, { ignorePublicAcls: 'false' }) as AccountParameters;
    const current = {
      blockPublicAcls: false,
      ignorePublicAcls: true,
      blockPublicPolicy: false,
      restrictPublicBuckets: true,
    };
    it('turns on what the rule requires and never turns a setting off', () => {
      const change = planAccountChange(params, current, false);
      expect(change.action).to.equal('UPDATE');
      expect(change.settings).to.deep.equal({
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      });
      expect(change.turnOn).to.deep.equal(['BlockPublicAcls', 'BlockPublicPolicy']);
    });
    it('compliant → nothing to change; a setting on before and off after is reported', () => {
      expect(planAccountChange(params, current, true)).to.deep.include({
        action: 'ALREADY_COMPLIANT',
        turnOn: [],
      });
      expect(turnedOff(current, { ...current, restrictPublicBuckets: false })).to.deep.equal([
        'RestrictPublicBuckets',
      ]);
    });
  });

  describe('enable-cloudtrail planTrail', () => {
    const params = ruleParameters(trailRule, {}) as TrailParameters;
    const base: TrailPlanInputs = {
      accountId: '123456789012',
      region: 'us-east-1',
      partition: 'aws',
      params,
      trailName: 'rebaseline-trail',
      kmsKeyId: '',
      cloudWatchLogsLogGroupArn: '',
      dryRun: false,
      compliant: false,
      annotation: 'No CloudTrail trail exists.',
    };
    const facts = (extra: Partial<TrailFacts> = {}): TrailFacts => ({
      name: 'rebaseline-trail',
      arn: 'arn:aws:cloudtrail:us-east-1:123456789012:trail/rebaseline-trail',
      homeRegion: 'us-east-1',
      isMultiRegion: false,
      isOrganizationTrail: false,
      isLogging: false,
      logFileValidation: false,
      s3BucketName: 'logs',
      managementEvents: {
        selectors: 'default',
        read: true,
        write: true,
        someRead: true,
        someWrite: true,
        excludedSources: [],
        filters: [],
      },
      unreadable: [],
      ...extra,
    });

    it('compliant → None', () => {
      expect(planTrail({ ...base, compliant: true }).action).to.equal('None');
    });
    it('its own trail absent → create the bucket, its policy, the trail, start logging', () => {
      const plan = planTrail({
        ...base,
        logBucket: { name: 'rebaseline-cloudtrail-123456789012-us-east-1', state: 'absent', policy: null },
      });
      expect(plan).to.deep.include({
        action: 'Create',
        createBucket: 'us-east-1',
        blockBucketPublicAccess: 'yes',
        putBucketPolicy: 'yes',
        createTrail: 'yes',
        startLogging: 'yes',
        trailName: 'rebaseline-trail',
      });
    });
    it('its own trail, stopped and single-region → UpdateTrail and StartLogging on it only', () => {
      const plan = planTrail({ ...base, own: { facts: facts(), changeableHere: true } });
      expect(plan).to.deep.include({
        action: 'Update',
        updateTrail: 'yes',
        startLogging: 'yes',
        createTrail: 'no',
      });
      expect(plan.enableLogFileValidation).to.equal(true);
    });
    it('its own trail in another home region → a person must run it there', () => {
      expect(() =>
        planTrail({ ...base, own: { facts: facts({ homeRegion: 'eu-west-1' }), changeableHere: false } }),
      ).to.throw(ManualActionRequiredError, /home region eu-west-1/);
    });
    it('the log bucket name owned by another account → denied, nothing planned', () => {
      expect(() =>
        planTrail({
          ...base,
          logBucket: { name: 'rebaseline-cloudtrail-123456789012-us-east-1', state: 'foreign', policy: null },
        }),
      ).to.throw(RemediationDeniedError, /not owned by account 123456789012/);
    });
  });

  describe('remove-root-access-keys planCalls', () => {
    it('deactivates an active key, then deletes every key; ids masked in the plan', () => {
      expect(
        planCalls([
          { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', status: 'Active' },
          { accessKeyId: 'AKIAI44QH8DHBEXAMPLE', status: 'Inactive' },
        ]),
      ).to.deep.equal([
        { service: 'iam', api: 'UpdateAccessKey', inputs: { AccessKeyId: 'AKIA…MPLE', Status: 'Inactive' } },
        { service: 'iam', api: 'DeleteAccessKey', inputs: { AccessKeyId: 'AKIA…MPLE' } },
        { service: 'iam', api: 'DeleteAccessKey', inputs: { AccessKeyId: 'AKIA…MPLE' } },
      ]);
      expect(maskKeyId('short')).to.equal('…');
    });
  });
});

import { expect } from 'chai';
import { fastEnough, planDetector } from '../../../remediations/enable-guardduty/plan';
import type { DetectorFacts, GuardDutyAccountModel } from '../../../rules/guardduty-enabled/evaluate';
import { InsufficientDataError, ManualActionRequiredError } from '../../../shared/errors';

const ACCOUNT = '123456789012';
const FIFTEEN = { maximumFindingPublishingFrequency: 'FIFTEEN_MINUTES' } as const;
const ONE_HOUR = { maximumFindingPublishingFrequency: 'ONE_HOUR' } as const;

const detector = (facts: Partial<DetectorFacts> = {}): DetectorFacts => ({
  id: 'd1',
  status: 'ENABLED',
  frequency: 'FIFTEEN_MINUTES',
  administrator: null,
  unreadable: [],
  ...facts,
});
const account = (...detectors: DetectorFacts[]): GuardDutyAccountModel => ({
  resourceType: 'AWS::::Account',
  resourceId: ACCOUNT,
  accountId: ACCOUNT,
  region: 'eu-west-1',
  detectors,
});

describe('remediations/enable-guardduty/plan planDetector (pure)', () => {
  it('compliant → ALREADY_COMPLIANT, naming the detector as it is', () => {
    expect(planDetector(account(detector()), FIFTEEN, true)).to.deep.equal({
      action: 'ALREADY_COMPLIANT',
      detectorId: 'd1',
      frequency: 'FIFTEEN_MINUTES',
      previous: { DetectorId: 'd1', Status: 'ENABLED', FindingPublishingFrequency: 'FIFTEEN_MINUTES' },
      what: 'change nothing',
    });
  });

  it('no detector → CREATE, enabled, with the required frequency (not GuardDuty’s SIX_HOURS default)', () => {
    expect(planDetector(account(), ONE_HOUR, false)).to.deep.equal({
      action: 'CREATE',
      detectorId: '',
      frequency: 'ONE_HOUR',
      previous: null,
      what: 'create a GuardDuty detector in eu-west-1, enabled, publishing findings every ONE_HOUR',
    });
  });

  it('an enabled detector publishing too rarely → UPDATE its frequency to the required one, nothing faster', () => {
    const change = planDetector(account(detector({ frequency: 'SIX_HOURS' })), ONE_HOUR, false);
    expect(change).to.deep.include({ action: 'UPDATE', detectorId: 'd1', frequency: 'ONE_HOUR' });
    expect(change.previous).to.deep.equal({
      DetectorId: 'd1',
      Status: 'ENABLED',
      FindingPublishingFrequency: 'SIX_HOURS',
    });
  });

  it('a suspended detector → ENABLE, keeping a frequency that is fast enough', () => {
    expect(
      planDetector(account(detector({ status: 'DISABLED', frequency: 'FIFTEEN_MINUTES' })), ONE_HOUR, false),
    ).to.deep.include({ action: 'ENABLE', detectorId: 'd1', frequency: 'FIFTEEN_MINUTES' });
  });

  it('a suspended detector publishing too rarely, or at an unknown frequency → ENABLE with the required one', () => {
    expect(
      planDetector(account(detector({ status: 'DISABLED', frequency: 'SIX_HOURS' })), FIFTEEN, false),
    ).to.deep.include({ action: 'ENABLE', frequency: 'FIFTEEN_MINUTES' });
    expect(
      planDetector(account(detector({ status: 'DISABLED', frequency: undefined })), ONE_HOUR, false),
    ).to.deep.include({ action: 'ENABLE', frequency: 'ONE_HOUR' });
  });

  it('a suspended member detector the organisation administrator manages → a person must act, nothing planned', () => {
    const managed = detector({
      status: 'DISABLED',
      administrator: { accountId: '111122223333', relationshipStatus: 'Enabled' },
    });
    expect(() => planDetector(account(managed), FIFTEEN, false)).to.throw(
      ManualActionRequiredError,
      /^GuardDuty detector d1 of account 123456789012 is suspended and managed by the organisation's administrator account 111122223333: a member cannot resume it\. .* Nothing was changed\.$/,
    );
  });

  it('a relationship that is not Enabled (invited, resigned) is not management: the account resumes its own detector', () => {
    const invited = detector({
      status: 'DISABLED',
      administrator: { accountId: '111122223333', relationshipStatus: 'Invited' },
    });
    expect(planDetector(account(invited), FIFTEEN, false).action).to.equal('ENABLE');
  });

  it('a suspended detector whose administrator could not be read → InsufficientDataError, nothing planned', () => {
    const unknown = detector({
      status: 'DISABLED',
      administrator: undefined,
      unreadable: ['administrator: AccessDeniedException: no'],
    });
    expect(() => planDetector(account(unknown), FIFTEEN, false)).to.throw(
      InsufficientDataError,
      /administrator of GuardDuty detector d1 could not be read \(administrator: AccessDeniedException: no\)/,
    );
  });

  it('several detectors (GuardDuty allows one per region) → only the first is changed', () => {
    const change = planDetector(
      account(detector({ id: 'd1', frequency: 'SIX_HOURS' }), detector({ id: 'd2', frequency: 'SIX_HOURS' })),
      FIFTEEN,
      false,
    );
    expect(change).to.deep.include({ action: 'UPDATE', detectorId: 'd1' });
  });

  it('fastEnough keeps a frequency at least as fast as the one required', () => {
    expect(fastEnough('FIFTEEN_MINUTES', 'SIX_HOURS')).to.equal('FIFTEEN_MINUTES');
    expect(fastEnough('ONE_HOUR', 'ONE_HOUR')).to.equal('ONE_HOUR');
    expect(fastEnough('SIX_HOURS', 'ONE_HOUR')).to.equal('ONE_HOUR');
    expect(fastEnough(undefined, 'SIX_HOURS')).to.equal('SIX_HOURS');
  });
});
